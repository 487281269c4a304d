import { PoolClient } from 'pg';
import { ProjectedEvent } from '../event-store/event-store';
import { consumed, Projection, unreachable } from '../projections/projection';
import type { ObligationEvent, ReminderData } from './obligation.decider';
import { cityParty } from './obligations.projection';

const INBOX_EVENT_TYPES = [
  'reminder.sent',
  'obligation.overdue',
  'reminder.read',
] as const satisfies readonly ObligationEvent['type'][];
type InboxInput = Extract<ObligationEvent, { type: (typeof INBOX_EVENT_TYPES)[number] }>;

/** The inbox: one row per reminder and recipient, marked read by `reminder.read`. */
export const remindersProjection: Projection = {
  name: 'reminders',
  tables: ['rm_reminders'],
  eventTypes: [...INBOX_EVENT_TYPES],
  async apply(tx: PoolClient, e: ProjectedEvent): Promise<void> {
    const event = consumed<InboxInput>(e);
    switch (event.type) {
      case 'reminder.read':
        await tx.query(
          'UPDATE rm_reminders SET read_at = $3 WHERE reminder_id = $1 AND recipient = $2 AND read_at IS NULL',
          [event.data.reminderId, event.data.party, event.data.readAt],
        );
        return;
      case 'reminder.sent':
      case 'obligation.overdue':
        return sent(tx, event.type, event.data, e.globalPosition);
      default:
        return unreachable(event);
    }
  },
};

/** One row per recipient of a reminder or an overdue escalation. */
async function sent(
  tx: PoolClient,
  type: 'reminder.sent' | 'obligation.overdue',
  r: ReminderData,
  position: number,
): Promise<void> {
  for (const recipient of r.recipients) {
    const recipientDistrict = recipient.startsWith('district:')
      ? recipient.slice('district:'.length)
      : recipient === cityParty
        ? null
        : r.districtCode;
    await tx.query(
      `INSERT INTO rm_reminders (reminder_id, recipient, recipient_district, obligation_id, campaign_id, kind, "offset", obligation_kind, ref, title, party,
                                 district_code, due, sent_at, position)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT DO NOTHING`,
      [
        r.reminderId,
        recipient,
        recipientDistrict,
        r.obligationId,
        r.campaignId,
        type === 'obligation.overdue' ? 'overdue' : 'reminder',
        r.offset,
        r.obligationKind,
        r.ref,
        r.title,
        r.party,
        r.districtCode,
        r.due,
        r.sentAt,
        position,
      ],
    );
  }
}
