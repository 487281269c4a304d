import { startOfCstDay } from '../shared/dates';

/**
 * When an obligation's reminders go out, in Asia/Shanghai: some days before the due day and on it at a time of
 * day, then an overdue escalation the day after the due day has passed unfulfilled. Pure arithmetic, no clock.
 */
export interface ReminderSchedule {
  /** days before the due day (0 = on the due day), e.g. [7, 1, 0] */
  daysBefore: number[];
  /** the escalation goes out this many days after the due day, e.g. 1 */
  overdueAfterDays: number;
  /** time of day in CST, HH:MM */
  at: string;
}

export const DEFAULT_SCHEDULE: ReminderSchedule = { daysBefore: [7, 1, 0], overdueAfterDays: 1, at: '09:00' };

export const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;

export type ReminderKind = 'reminder' | 'overdue';

export interface PlannedReminder {
  /** `before-7d`, `before-1d`, `due-day`, `overdue-1d` */
  offset: string;
  kind: ReminderKind;
  fireAt: Date;
}

export function offsetLabel(kind: ReminderKind, days: number): string {
  if (kind === 'overdue') return `overdue-${days}d`;
  return days === 0 ? 'due-day' : `before-${days}d`;
}

/** `due` shifted by `days` calendar days, at the schedule's time of day, CST. */
export function cstInstant(due: string, days: number, at: string): Date {
  const m = TIME_OF_DAY.exec(at);
  if (!m) throw new RangeError(`not a time of day: ${at}`);
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return new Date(startOfCstDay(due).getTime() + days * 86_400_000 + minutes * 60_000);
}

/** Every reminder of an obligation due on `due`, in firing order. */
export function plannedReminders(due: string, schedule: ReminderSchedule): PlannedReminder[] {
  const before = [...new Set(schedule.daysBefore)].sort((a, b) => b - a);
  return [
    ...before.map((d) => ({
      offset: offsetLabel('reminder', d),
      kind: 'reminder' as const,
      fireAt: cstInstant(due, -d, schedule.at),
    })),
    {
      offset: offsetLabel('overdue', schedule.overdueAfterDays),
      kind: 'overdue' as const,
      fireAt: cstInstant(due, schedule.overdueAfterDays, schedule.at),
    },
  ];
}

/** One reminder's id: the obligation, the offset and the due day it was planned for (no ':' — BullMQ ids). */
export const reminderId = (obligationId: string, offset: string, due: string) => `${obligationId}.${offset}.${due}`;

export interface ObligationForSchedule {
  id: string;
  status: 'open' | 'fulfilled' | 'cancelled';
  due: string;
  /** reminder ids already sent */
  sent: string[];
}

export interface PendingReminder extends PlannedReminder {
  reminderId: string;
  obligationId: string;
  due: string;
}

/**
 * The reminders that should be waiting in the queue now: those of an open obligation not sent yet and still
 * ahead, plus — when the process was down or the queue was lost — the latest one whose time has passed, if it
 * passed less than `graceMs` ago (older ones are superseded: nobody wants a week-old "due tomorrow").
 */
export function pendingReminders(
  o: ObligationForSchedule,
  schedule: ReminderSchedule,
  now: Date,
  graceMs: number,
): PendingReminder[] {
  if (o.status !== 'open') return [];
  const sent = new Set(o.sent);
  const planned = plannedReminders(o.due, schedule).map((p) => ({
    ...p,
    reminderId: reminderId(o.id, p.offset, o.due),
    obligationId: o.id,
    due: o.due,
  }));
  const t = now.getTime();
  const ahead = planned.filter((p) => p.fireAt.getTime() > t);
  const passed = planned.filter((p) => p.fireAt.getTime() <= t);
  const latestPassed = passed[passed.length - 1];
  const missed = latestPassed && t - latestPassed.fireAt.getTime() <= graceMs ? [latestPassed] : [];
  return [...missed, ...ahead].filter((p) => !sent.has(p.reminderId));
}

/**
 * The reminder to keep queued for an obligation: the next of its pending ones. Sending it changes the obligation
 * (its `sent`, and so its revision), and re-planning it then queues the one after: one delayed job per open
 * obligation, not one per reminder (100,000 obligations were 400,000 jobs to schedule).
 */
export function nextReminder(
  o: ObligationForSchedule,
  schedule: ReminderSchedule,
  now: Date,
  graceMs: number,
): PendingReminder[] {
  return pendingReminders(o, schedule, now, graceMs).slice(0, 1);
}

/** Checks a schedule given by a client; returns the field and rule it breaks, or null. */
export function scheduleProblem(s: ReminderSchedule): { field: string; rule: string } | null {
  if (!Array.isArray(s.daysBefore) || s.daysBefore.length > 6)
    return { field: 'daysBefore', rule: 'must list at most 6 offsets' };
  for (const d of s.daysBefore)
    if (!Number.isInteger(d) || d < 0 || d > 60)
      return { field: 'daysBefore', rule: 'each must be a whole number of days from 0 to 60' };
  if (new Set(s.daysBefore).size !== s.daysBefore.length) return { field: 'daysBefore', rule: 'must not repeat a day' };
  if (!Number.isInteger(s.overdueAfterDays) || s.overdueAfterDays < 1 || s.overdueAfterDays > 30) {
    return { field: 'overdueAfterDays', rule: 'must be a whole number of days from 1 to 30' };
  }
  if (!TIME_OF_DAY.test(s.at)) return { field: 'at', rule: 'must be a time of day HH:MM (Asia/Shanghai)' };
  return null;
}
