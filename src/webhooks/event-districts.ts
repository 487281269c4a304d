import { campaignDecider } from '../campaigns';
import { visitDecider } from '../cross-check';
import { selfEvaluationDecider } from '../cross-check';
import { supervisionDecider } from '../cross-check';
import { inspectionDecider } from '../enforcement';
import { EventStore, StoredEvent } from '../event-store/event-store';
import { obligationDecider } from '../reminders';
import { monthlyReportDecider } from '../reporting';
import { tipDecider } from '../reporting';
import { typicalCaseDecider } from '../reporting';
import { selfInspectionDecider } from '../self-correction';
import { Decider, DomainEvent, districtsOf } from '../shared/decider';
import { subjectDecider } from '../subjects';
import { bulletinDecider } from '../summary';
import { summaryReportDecider } from '../summary';
import { subscriptionDecider } from './subscription.decider';

type AnyDecider = Decider<unknown, DomainEvent, unknown>;

/** Every aggregate, longest name first: a stream `<aggregate>-<id>` belongs to the first whose name prefixes it. */
const DECIDERS = (
  [
    campaignDecider,
    visitDecider,
    selfEvaluationDecider,
    supervisionDecider,
    inspectionDecider,
    obligationDecider,
    monthlyReportDecider,
    tipDecider,
    typicalCaseDecider,
    selfInspectionDecider,
    subjectDecider,
    bulletinDecider,
    summaryReportDecider,
    subscriptionDecider,
  ] as unknown as AnyDecider[]
).sort((a, b) => b.aggregate.length - a.aggregate.length);

function deciderOf(streamId: string): AnyDecider | undefined {
  return DECIDERS.find((d) => streamId.startsWith(`${d.aggregate}-`));
}

/** The districts an event concerns, as recorded in its metadata (undefined: recorded before events carried them). */
export function recordedDistricts(e: Pick<StoredEvent, 'metadata'>): string[] | undefined {
  const d = (e.metadata as { districts?: unknown }).districts;
  return Array.isArray(d) && d.every((x) => typeof x === 'string') ? d : undefined;
}

/**
 * Events with the districts they concern in their metadata. Events recorded before this was recorded (the log is
 * immutable and hash-chained) get them derived the same way the command path records them: their stream folded with
 * its aggregate's evolve up to each of them (one read of the log for the batch's streams). An event of no known
 * aggregate concerns the city alone.
 */
export async function withDistricts(store: EventStore, events: StoredEvent[]): Promise<StoredEvent[]> {
  const legacy = events.filter((e) => recordedDistricts(e) === undefined);
  if (!legacy.length) return events;
  const upTo = new Map<string, number>();
  for (const e of legacy) upTo.set(e.streamId, Math.max(upTo.get(e.streamId) ?? 0, e.streamVersion));
  const known = [...upTo].filter(([s]) => deciderOf(s));
  const derived = new Map<string, string[]>();
  const history = await store.readStreams(known.map(([streamId, toVersion]) => ({ streamId, toVersion })));
  let state: unknown;
  let stream = '';
  for (const e of history) {
    const decider = deciderOf(e.streamId)!;
    if (e.streamId !== stream) {
      stream = e.streamId;
      state = decider.initialState;
    }
    const next = decider.evolve(state, { type: e.type, data: e.data });
    derived.set(e.eventId, districtsOf(decider, state, next, { type: e.type, data: e.data }));
    state = next;
  }
  return events.map((e) =>
    recordedDistricts(e) !== undefined
      ? e
      : { ...e, metadata: { ...e.metadata, districts: derived.get(e.eventId) ?? [] } },
  );
}
