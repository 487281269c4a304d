import { conflict, Decider, DomainError, DomainEvent, invalid, notFound } from '../shared/decider';
import type { ReminderKind } from '../domain/reminder-schedule';

/**
 * What an obligation's own stream records: the reminders and escalations sent for it, who read them, and — for a
 * deadline no report of the product discharges (an implementation plan, say) — the party's declaration that it
 * has been met. Whether an obligation is open is read from the obligations read model and passed in, so a
 * reminder that fires after the fulfilment (a race) decides nothing.
 */

/** `city`, `district:<code>` or `subject:<uuid>` */
export type PartyKey = string;

export type ObligationKind = 'deadline' | 'problem' | 'order' | 'tip';

/** The obligation as the read model has it when a reminder fires. */
export interface ObligationView {
  id: string;
  campaignId: string;
  kind: ObligationKind;
  /** deadline key, problem/order id or tip id */
  ref: string;
  title: string;
  party: PartyKey;
  districtCode: string | null;
  due: string;
  status: 'open' | 'fulfilled' | 'cancelled';
}

export interface SendReminder {
  kind: 'SendReminder';
  obligationId: string;
  /** null when the read model does not know it (any more) */
  obligation: ObligationView | null;
  reminderId: string;
  reminderKind: ReminderKind;
  offset: string;
  /** the due day the job was planned for */
  due: string;
  fireAt: string;
}
export interface MarkRead {
  kind: 'MarkRead';
  obligationId: string;
  reminderId: string;
  /** the parties the caller holds among the reminder's recipients */
  parties: PartyKey[];
}
export interface DeclareFulfilment {
  kind: 'DeclareFulfilment';
  obligation: ObligationView;
  note: string;
  reference: string | null;
}
export type ObligationCommand = SendReminder | MarkRead | DeclareFulfilment;

export interface ReminderData {
  obligationId: string;
  reminderId: string;
  campaignId: string;
  obligationKind: ObligationKind;
  ref: string;
  title: string;
  party: PartyKey;
  districtCode: string | null;
  due: string;
  offset: string;
  fireAt: string;
  sentAt: string;
  recipients: PartyKey[];
}
type E<T extends string, D> = DomainEvent<T, D>;
export type ReminderSent = E<'reminder.sent', ReminderData>;
export type ObligationOverdue = E<'obligation.overdue', ReminderData>;
export type ReminderRead = E<
  'reminder.read',
  { obligationId: string; reminderId: string; party: PartyKey; readAt: string }
>;
export type FulfilmentDeclared = E<
  'obligation.fulfilment-declared',
  {
    obligationId: string;
    campaignId: string;
    party: PartyKey;
    note: string;
    reference: string | null;
    declaredAt: string;
  }
>;
export type ObligationEvent = ReminderSent | ObligationOverdue | ReminderRead | FulfilmentDeclared;
export const OBLIGATION_EVENT_TYPES: ObligationEvent['type'][] = [
  'reminder.sent',
  'obligation.overdue',
  'reminder.read',
  'obligation.fulfilment-declared',
];

export interface ObligationStreamState {
  exists: boolean;
  /** reminder id → recipients and the parties that have read it */
  reminders: Record<string, { recipients: PartyKey[]; readBy: PartyKey[] }>;
  declared: boolean;
  /** the district the obligation's party belongs to (null: the city's), as its reminders say */
  districtCode: string | null;
}
export const initialObligationStreamState: ObligationStreamState = {
  exists: false,
  reminders: {},
  declared: false,
  districtCode: null,
};

export const obligationStream = (obligationId: string) => `obligation-${obligationId}`;

/** Who supervises a party: the district bureau for a subject, the city for a district, nobody above the city. */
export function supervisorOf(party: PartyKey, districtCode: string | null): PartyKey | null {
  if (party.startsWith('subject:')) return districtCode ? `district:${districtCode}` : 'city';
  if (party.startsWith('district:')) return 'city';
  return null;
}

/** Deadlines discharged by a report of the product; a declaration cannot stand in for them. */
export const DISCHARGED_BY_REPORT =
  /^(self-correction-report|self-evaluation|typical-cases|summary-report|monthly-report-\d{4}-\d{2})$/;

function decide(c: ObligationCommand, s: ObligationStreamState, ctx: { now: Date }): ObligationEvent[] {
  const now = ctx.now.toISOString();
  switch (c.kind) {
    case 'SendReminder': {
      const o = c.obligation;
      // fulfilled, cancelled, moved to another day, unknown or already sent: the job is stale and does nothing
      if (!o || o.status !== 'open' || o.due !== c.due || s.reminders[c.reminderId]) return [];
      const supervisor = supervisorOf(o.party, o.districtCode);
      const recipients = c.reminderKind === 'overdue' && supervisor ? [o.party, supervisor] : [o.party];
      const data: ReminderData = {
        obligationId: o.id,
        reminderId: c.reminderId,
        campaignId: o.campaignId,
        obligationKind: o.kind,
        ref: o.ref,
        title: o.title,
        party: o.party,
        districtCode: o.districtCode,
        due: o.due,
        offset: c.offset,
        fireAt: c.fireAt,
        sentAt: now,
        recipients,
      };
      return [c.reminderKind === 'overdue' ? { type: 'obligation.overdue', data } : { type: 'reminder.sent', data }];
    }
    case 'MarkRead': {
      const r = s.reminders[c.reminderId];
      if (!r) throw notFound(`reminder ${c.reminderId} was not sent`);
      const mine = c.parties.filter((p) => r.recipients.includes(p));
      if (!mine.length) throw new DomainError('forbidden', `reminder ${c.reminderId} was not sent to you`);
      return mine
        .filter((p) => !r.readBy.includes(p))
        .map((party) => ({
          type: 'reminder.read' as const,
          data: { obligationId: c.obligationId, reminderId: c.reminderId, party, readAt: now },
        }));
    }
    case 'DeclareFulfilment': {
      const o = c.obligation;
      if (o.kind !== 'deadline')
        throw conflict(
          `a ${o.kind} is discharged by its own events, not by a declaration`,
          'discharged-by-its-own-events',
        );
      if (DISCHARGED_BY_REPORT.test(o.ref))
        throw conflict(`${o.ref} is discharged by submitting the report itself`, 'discharged-by-its-own-report');
      if (o.status !== 'open' || s.declared)
        throw conflict(
          `obligation ${o.id} is already ${o.status === 'cancelled' ? 'cancelled' : 'fulfilled'}`,
          'not-open',
        );
      if (!c.note.trim()) throw invalid('note', 'isNotEmpty');
      return [
        {
          type: 'obligation.fulfilment-declared',
          data: {
            obligationId: o.id,
            campaignId: o.campaignId,
            party: o.party,
            note: c.note,
            reference: c.reference,
            declaredAt: now,
          },
        },
      ];
    }
  }
}

function evolve(s: ObligationStreamState, e: ObligationEvent): ObligationStreamState {
  switch (e.type) {
    case 'reminder.sent':
    case 'obligation.overdue':
      return {
        ...s,
        exists: true,
        districtCode: e.data.districtCode,
        reminders: { ...s.reminders, [e.data.reminderId]: { recipients: e.data.recipients, readBy: [] } },
      };
    case 'reminder.read': {
      const r = s.reminders[e.data.reminderId];
      return r
        ? { ...s, reminders: { ...s.reminders, [e.data.reminderId]: { ...r, readBy: [...r.readBy, e.data.party] } } }
        : s;
    }
    case 'obligation.fulfilment-declared':
      return { ...s, exists: true, declared: true };
  }
}

export const obligationDecider: Decider<ObligationCommand, ObligationEvent, ObligationStreamState> = {
  aggregate: 'obligation',
  initialState: initialObligationStreamState,
  decide,
  evolve,
};
