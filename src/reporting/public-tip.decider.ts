import { cstDate, lateFrom } from '../shared/dates';
import { conflict, Decider, DecideContext, DomainEvent, invalid, notFound } from '../shared/decider';

/**
 * 举报线索: a public tip from the 12350 hotline or the government website, from intake through assignment to a
 * district, verification (核实), handling (linked to an inspection or penalty) and closure. A tip not closed by
 * its handling due day (intake day + the handling period, CST) is overdue.
 */

export const TIP_CHANNELS = ['hotline-12350', 'website', 'letter', 'other'] as const;
export type TipChannel = (typeof TIP_CHANNELS)[number];
export type TipStatus = 'received' | 'assigned' | 'verified' | 'handled' | 'closed';

export interface ReceiveTip {
  kind: 'ReceiveTip';
  tipId: string;
  campaignId: string;
  channel: TipChannel;
  receivedAt: string;
  content: string;
  subject: { subjectId: string; name: string; districtCode: string } | null;
  /** assign at intake (a district officer's own intake, or the subject's district) */
  districtCode: string | null;
  handlingDays: number;
}
export interface AssignTip {
  kind: 'AssignTip';
  districtCode: string;
  campaignDistricts: string[];
}
export interface VerifyTip {
  kind: 'VerifyTip';
  substantiated: boolean;
  note: string;
}
export interface HandleTip {
  kind: 'HandleTip';
  inspectionId: string | null;
  penaltyId: string | null;
  note: string;
}
export interface CloseTip {
  kind: 'CloseTip';
  outcome: string;
}
export type TipCommand = ReceiveTip | AssignTip | VerifyTip | HandleTip | CloseTip;

type E<T extends string, D> = DomainEvent<T, { tipId: string } & D>;
export type TipReceived = E<
  'tip.received',
  Omit<ReceiveTip, 'kind' | 'tipId' | 'districtCode' | 'handlingDays'> & { handlingDue: string }
>;
export type TipAssigned = E<
  'tip.assigned',
  { campaignId: string; districtCode: string; previousDistrict: string | null; assignedAt: string }
>;
export type TipVerified = E<'tip.verified', { substantiated: boolean; note: string; verifiedAt: string }>;
export type TipHandled = E<
  'tip.handled',
  { inspectionId: string | null; penaltyId: string | null; note: string; handledAt: string }
>;
export type TipClosed = E<'tip.closed', { outcome: string; closedAt: string }>;
export type TipEvent = TipReceived | TipAssigned | TipVerified | TipHandled | TipClosed;
export const TIP_EVENT_TYPES: TipEvent['type'][] = [
  'tip.received',
  'tip.assigned',
  'tip.verified',
  'tip.handled',
  'tip.closed',
];

export interface TipState {
  exists: boolean;
  tipId: string;
  campaignId: string;
  districtCode: string | null;
  channel: TipChannel | null;
  receivedAt: string;
  content: string;
  subject: { subjectId: string; name: string; districtCode: string } | null;
  handlingDue: string;
  status: TipStatus;
  substantiated: boolean | null;
  verificationNote: string | null;
  handling: { inspectionId: string | null; penaltyId: string | null; note: string; handledAt: string } | null;
  outcome: string | null;
  closedAt: string | null;
}
export const initialTipState: TipState = {
  exists: false,
  tipId: '',
  campaignId: '',
  districtCode: null,
  channel: null,
  receivedAt: '',
  content: '',
  subject: null,
  handlingDue: '',
  status: 'received',
  substantiated: null,
  verificationNote: null,
  handling: null,
  outcome: null,
  closedAt: null,
};

export const tipStream = (tipId: string) => `tip-${tipId}`;

/** Open past its handling due day (CST). */
export const tipOverdue = (s: Pick<TipState, 'status' | 'handlingDue'>, now: Date) =>
  s.status !== 'closed' && now.getTime() >= lateFrom(s.handlingDue).getTime();

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function requireStatus(s: TipState, allowed: TipStatus[], what: string): void {
  if (!allowed.includes(s.status)) throw conflict(`a ${s.status} tip cannot be ${what}`, 'tip-status');
}

function decide(c: TipCommand, s: TipState, ctx: DecideContext): TipEvent[] {
  const at = ctx.now.toISOString();
  if (c.kind === 'ReceiveTip') {
    if (s.exists) throw conflict(`tip ${c.tipId} is already received`, 'already-exists');
    const received = new Date(c.receivedAt);
    if (Number.isNaN(received.getTime())) throw invalid('receivedAt', 'must be a date-time');
    if (received.getTime() > ctx.now.getTime()) throw invalid('receivedAt', 'must not be in the future');
    if (!c.content.trim()) throw invalid('content', 'must not be blank');
    if (!Number.isInteger(c.handlingDays) || c.handlingDays < 1)
      throw invalid('handlingDays', 'must be a positive whole number of days');
    const handlingDue = addDays(cstDate(received), c.handlingDays);
    const events: TipEvent[] = [
      {
        type: 'tip.received',
        data: {
          tipId: c.tipId,
          campaignId: c.campaignId,
          channel: c.channel,
          receivedAt: received.toISOString(),
          content: c.content,
          subject: c.subject,
          handlingDue,
        },
      },
    ];
    const district = c.districtCode ?? c.subject?.districtCode ?? null;
    if (district)
      events.push({
        type: 'tip.assigned',
        data: {
          tipId: c.tipId,
          campaignId: c.campaignId,
          districtCode: district,
          previousDistrict: null,
          assignedAt: at,
        },
      });
    return events;
  }
  if (!s.exists) throw notFound('tip not found');
  switch (c.kind) {
    case 'AssignTip':
      requireStatus(s, ['received', 'assigned'], 'reassigned once verified');
      if (!c.campaignDistricts.includes(c.districtCode))
        throw invalid('districtCode', 'must be a district of the campaign');
      if (s.districtCode === c.districtCode) return [];
      return [
        {
          type: 'tip.assigned',
          data: {
            tipId: s.tipId,
            campaignId: s.campaignId,
            districtCode: c.districtCode,
            previousDistrict: s.districtCode,
            assignedAt: at,
          },
        },
      ];
    case 'VerifyTip':
      requireStatus(s, ['assigned'], 'verified');
      if (!c.note.trim()) throw invalid('note', 'must not be blank');
      return [
        {
          type: 'tip.verified',
          data: { tipId: s.tipId, substantiated: c.substantiated, note: c.note, verifiedAt: at },
        },
      ];
    case 'HandleTip':
      requireStatus(s, ['verified'], 'handled');
      if (!s.substantiated) throw conflict('an unsubstantiated tip is closed, not handled', 'not-substantiated');
      if (!c.note.trim()) throw invalid('note', 'must not be blank');
      return [
        {
          type: 'tip.handled',
          data: { tipId: s.tipId, inspectionId: c.inspectionId, penaltyId: c.penaltyId, note: c.note, handledAt: at },
        },
      ];
    case 'CloseTip':
      if (s.status === 'verified' && s.substantiated)
        throw conflict('a substantiated tip is handled before it is closed', 'not-handled');
      requireStatus(s, ['verified', 'handled'], 'closed');
      if (!c.outcome.trim()) throw invalid('outcome', 'must not be blank');
      return [{ type: 'tip.closed', data: { tipId: s.tipId, outcome: c.outcome, closedAt: at } }];
  }
}

function evolve(s: TipState, e: TipEvent): TipState {
  switch (e.type) {
    case 'tip.received':
      return { ...initialTipState, ...e.data, exists: true };
    case 'tip.assigned':
      return { ...s, districtCode: e.data.districtCode, status: 'assigned' };
    case 'tip.verified':
      return { ...s, status: 'verified', substantiated: e.data.substantiated, verificationNote: e.data.note };
    case 'tip.handled': {
      const { tipId: _t, ...handling } = e.data;
      return { ...s, status: 'handled', handling };
    }
    case 'tip.closed':
      return { ...s, status: 'closed', outcome: e.data.outcome, closedAt: e.data.closedAt };
    default:
      return s;
  }
}

export const tipDecider: Decider<TipCommand, TipEvent, TipState> = {
  aggregate: 'tip',
  initialState: initialTipState,
  decide,
  evolve,
};
