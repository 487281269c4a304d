/**
 * What code beside the log in the same Postgres may do inside its own transaction: a projection reading the
 * earlier events of the streams it continues (in the transaction that writes its rows and checkpoint), and a
 * replay writing recorded events with their read models. The rest of the Postgres adapter (pg-event-store.ts) is
 * the adapter's own; a second log backend (KurrentDB) would answer these two needs from its own reads.
 */
export { insertRecordedEvents, logIsEmpty, streamsUpTo } from './pg-event-store';
