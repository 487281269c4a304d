import { lateFrom } from '../shared/dates';
import { DecideContext, fold } from '../shared/decider';
import { refusalOf } from '../shared/decider.testing';
import {
  ObligationCommand,
  obligationDecider,
  ObligationEvent,
  ObligationView,
  supervisorOf,
} from './obligation.decider';
import {
  cstInstant,
  DEFAULT_SCHEDULE,
  nextReminder,
  pendingReminders,
  plannedReminders,
  reminderId,
  scheduleProblem,
} from '../domain/reminder-schedule';

const iso = (d: Date) => d.toISOString();
const HOUR = 3_600_000;

describe('reminder schedule arithmetic (Asia/Shanghai)', () => {
  it('a due date of 2022-03-25 is late from 2022-03-26T00:00+08:00, which is 2022-03-25T16:00Z', () => {
    expect(iso(lateFrom('2022-03-25'))).toBe('2022-03-25T16:00:00.000Z');
    expect(iso(cstInstant('2022-03-25', 1, '00:00'))).toBe('2022-03-25T16:00:00.000Z');
  });

  it('puts the default reminders at 09:00 CST 7 days and 1 day before, on the due day, and the escalation the day after', () => {
    expect(plannedReminders('2022-03-25', DEFAULT_SCHEDULE).map((p) => [p.offset, p.kind, iso(p.fireAt)])).toEqual([
      ['before-7d', 'reminder', '2022-03-18T01:00:00.000Z'],
      ['before-1d', 'reminder', '2022-03-24T01:00:00.000Z'],
      ['due-day', 'reminder', '2022-03-25T01:00:00.000Z'],
      ['overdue-1d', 'overdue', '2022-03-26T01:00:00.000Z'],
    ]);
  });

  it('crosses month, year and the UTC day boundary correctly (00:30 CST is the previous UTC day)', () => {
    const s = { daysBefore: [1], overdueAfterDays: 2, at: '00:30' };
    expect(plannedReminders('2023-01-01', s).map((p) => iso(p.fireAt))).toEqual([
      '2022-12-30T16:30:00.000Z',
      '2023-01-02T16:30:00.000Z',
    ]);
    expect(plannedReminders('2024-03-01', { ...s, daysBefore: [1] })[0].fireAt.toISOString()).toBe(
      '2024-02-28T16:30:00.000Z',
    ); // leap year: Feb 29 00:30 CST
  });

  it('orders the days before from the earliest reminder, whatever order they were given in', () => {
    expect(
      plannedReminders('2022-08-15', { daysBefore: [0, 3, 14], overdueAfterDays: 1, at: '09:00' }).map((p) => p.offset),
    ).toEqual(['before-14d', 'before-3d', 'due-day', 'overdue-1d']);
  });

  describe('what should be pending', () => {
    const o = {
      id: 'deadline.c.summary-report.district-500103',
      status: 'open' as const,
      due: '2022-09-30',
      sent: [] as string[],
    };
    const id = (offset: string) => reminderId(o.id, offset, o.due);

    it('is every reminder still ahead', () => {
      expect(pendingReminders(o, DEFAULT_SCHEDULE, new Date('2022-09-01T00:00:00Z'), 0).map((p) => p.offset)).toEqual([
        'before-7d',
        'before-1d',
        'due-day',
        'overdue-1d',
      ]);
    });
    it('is nothing for a fulfilled or cancelled obligation', () => {
      expect(
        pendingReminders({ ...o, status: 'fulfilled' }, DEFAULT_SCHEDULE, new Date('2022-09-01T00:00:00Z'), 0),
      ).toEqual([]);
      expect(
        pendingReminders({ ...o, status: 'cancelled' }, DEFAULT_SCHEDULE, new Date('2022-09-01T00:00:00Z'), 0),
      ).toEqual([]);
    });
    it('leaves out what was sent', () => {
      expect(
        pendingReminders({ ...o, sent: [id('before-7d')] }, DEFAULT_SCHEDULE, new Date('2022-09-01T00:00:00Z'), 0).map(
          (p) => p.offset,
        ),
      ).toEqual(['before-1d', 'due-day', 'overdue-1d']);
    });
    it('catches up only the latest missed reminder, and only within the grace period', () => {
      const afterDueDay = new Date('2022-09-30T03:00:00Z'); // 11:00 CST on the due day: before-7d, before-1d and due-day have passed
      expect(
        pendingReminders(o, DEFAULT_SCHEDULE, afterDueDay, 48 * HOUR).map((p) => [p.offset, p.fireAt < afterDueDay]),
      ).toEqual([
        ['due-day', true],
        ['overdue-1d', false],
      ]);
      expect(pendingReminders(o, DEFAULT_SCHEDULE, afterDueDay, HOUR).map((p) => p.offset)).toEqual(['overdue-1d']);
      expect(
        pendingReminders({ ...o, sent: [id('due-day')] }, DEFAULT_SCHEDULE, afterDueDay, 48 * HOUR).map(
          (p) => p.offset,
        ),
      ).toEqual(['overdue-1d']);
    });
    it('keeps one of them queued: the next to go out, and after it is sent the one after', () => {
      const at = new Date('2022-09-01T00:00:00Z');
      expect(nextReminder(o, DEFAULT_SCHEDULE, at, 0).map((p) => p.offset)).toEqual(['before-7d']);
      expect(nextReminder({ ...o, sent: [id('before-7d')] }, DEFAULT_SCHEDULE, at, 0).map((p) => p.offset)).toEqual([
        'before-1d',
      ]);
      expect(nextReminder({ ...o, status: 'fulfilled' }, DEFAULT_SCHEDULE, at, 0)).toEqual([]);
    });
    it('is nothing for an obligation long past every reminder', () => {
      expect(pendingReminders(o, DEFAULT_SCHEDULE, new Date('2026-11-22T00:00:00Z'), 48 * HOUR)).toEqual([]);
    });
  });

  it('checks a schedule a client sends', () => {
    expect(scheduleProblem(DEFAULT_SCHEDULE)).toBeNull();
    expect(scheduleProblem({ ...DEFAULT_SCHEDULE, daysBefore: [1, 1] })).toEqual({
      field: 'daysBefore',
      rule: 'must not repeat a day',
    });
    expect(scheduleProblem({ ...DEFAULT_SCHEDULE, daysBefore: [61] })?.field).toBe('daysBefore');
    expect(scheduleProblem({ ...DEFAULT_SCHEDULE, overdueAfterDays: 0 })?.field).toBe('overdueAfterDays');
    expect(scheduleProblem({ ...DEFAULT_SCHEDULE, at: '24:00' })?.field).toBe('at');
  });
});

describe('the obligation decider', () => {
  const ctx: DecideContext = {
    now: new Date('2022-03-24T01:00:02Z'),
    principal: { sub: 'system:reminders', role: 'city-admin', districts: [] },
  };
  const view: ObligationView = {
    id: 'deadline.c.implementation-plan.district-500103',
    campaignId: 'c',
    kind: 'deadline',
    ref: 'implementation-plan',
    title: '实施方案',
    party: 'district:500103',
    districtCode: '500103',
    due: '2022-03-23',
    status: 'open',
  };
  const rid = reminderId(view.id, 'overdue-1d', '2022-03-23');
  const send = (over: Partial<ObligationCommand> = {}): ObligationCommand =>
    ({
      kind: 'SendReminder',
      obligationId: view.id,
      obligation: view,
      reminderId: rid,
      reminderKind: 'overdue',
      offset: 'overdue-1d',
      due: '2022-03-23',
      fireAt: '2022-03-24T01:00:00.000Z',
      ...over,
    }) as ObligationCommand;
  const given = (events: ObligationEvent[]) => fold(obligationDecider, events);
  const when = (events: ObligationEvent[], c: ObligationCommand) => obligationDecider.decide(c, given(events), ctx);

  it('sends an overdue escalation to the party and its supervisor', () => {
    const [e] = when([], send());
    expect(e.type).toBe('obligation.overdue');
    expect(e.data).toMatchObject({
      reminderId: rid,
      recipients: ['district:500103', 'city'],
      title: '实施方案',
      sentAt: '2022-03-24T01:00:02.000Z',
    });
  });
  it('sends a plain reminder to the party only', () => {
    const [e] = when(
      [],
      send({
        reminderKind: 'reminder',
        offset: 'before-1d',
        reminderId: reminderId(view.id, 'before-1d', '2022-03-23'),
      } as Partial<ObligationCommand>),
    );
    expect([e.type, e.data]).toEqual(['reminder.sent', expect.objectContaining({ recipients: ['district:500103'] })]);
  });
  it('does nothing for a job that fires after fulfilment, after a deadline moved, for an unknown obligation, or a second time', () => {
    expect(when([], send({ obligation: { ...view, status: 'fulfilled' } } as Partial<ObligationCommand>))).toEqual([]);
    expect(when([], send({ obligation: { ...view, due: '2022-04-10' } } as Partial<ObligationCommand>))).toEqual([]);
    expect(when([], send({ obligation: null } as Partial<ObligationCommand>))).toEqual([]);
    expect(when(when([], send()), send())).toEqual([]);
  });
  it('escalates a subject to its district bureau, a district to the city, and the city to nobody', () => {
    expect(supervisorOf('subject:s', '500103')).toBe('district:500103');
    expect(supervisorOf('district:500103', '500103')).toBe('city');
    expect(supervisorOf('city', null)).toBeNull();
  });
  it('marks read once per recipient, and refuses a reader it was not sent to', () => {
    const sent = when([], send());
    const read = when(sent, { kind: 'MarkRead', obligationId: view.id, reminderId: rid, parties: ['city'] });
    expect(read.map((e) => e.data)).toEqual([
      { obligationId: view.id, reminderId: rid, party: 'city', readAt: ctx.now.toISOString() },
    ]);
    expect(
      when([...sent, ...read], { kind: 'MarkRead', obligationId: view.id, reminderId: rid, parties: ['city'] }),
    ).toEqual([]);
    expect(
      refusalOf(() =>
        when(sent, { kind: 'MarkRead', obligationId: view.id, reminderId: rid, parties: ['district:500104'] }),
      ).kind,
    ).toBe('forbidden');
    expect(
      refusalOf(() => when([], { kind: 'MarkRead', obligationId: view.id, reminderId: rid, parties: ['city'] })).kind,
    ).toBe('not-found');
  });
  it('takes a declaration only for an open deadline that no report of the product discharges', () => {
    const declare = (o: ObligationView): ObligationCommand => ({
      kind: 'DeclareFulfilment',
      obligation: o,
      note: '已报送',
      reference: null,
    });
    expect(when([], declare(view))[0]).toMatchObject({
      type: 'obligation.fulfilment-declared',
      data: { note: '已报送', party: 'district:500103' },
    });
    expect(refusalOf(() => when([], declare({ ...view, ref: 'monthly-report-2022-05' }))).rule).toBe(
      'discharged-by-its-own-report',
    );
    expect(refusalOf(() => when([], declare({ ...view, kind: 'order' }))).rule).toBe('discharged-by-its-own-events');
    expect(refusalOf(() => when([], declare({ ...view, status: 'fulfilled' }))).rule).toBe('not-open');
    expect(refusalOf(() => when(when([], declare(view)), declare(view))).rule).toBe('not-open');
  });
});
