import { invalid } from './decider';
/** Calendar days in China Standard Time (Asia/Shanghai, UTC+8, no daylight saving). */
const CST_OFFSET_MS = 8 * 60 * 60 * 1000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isCalendarDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** The instant a CST calendar day starts, e.g. 2022-03-26 → 2022-03-25T16:00:00Z. */
export function startOfCstDay(date: string): Date {
  const m = DATE_RE.exec(date);
  if (!m || !isCalendarDate(date)) throw new RangeError(`not a calendar date: ${date}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - CST_OFFSET_MS);
}

/** "Due 3月25日前": late from the start of the next CST day. */
export function lateFrom(due: string): Date {
  return new Date(startOfCstDay(due).getTime() + 24 * 60 * 60 * 1000);
}

/** The CST calendar day an instant falls on. */
export function cstDate(at: Date): string {
  return new Date(at.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** A decider's check of a day something happened: a real calendar day, not after today (CST). */
export function requirePastDay(value: string, field: string, now: Date): void {
  if (!isCalendarDate(value)) throw invalid(field, 'must be a calendar date (YYYY-MM-DD)');
  if (value > cstDate(now)) throw invalid(field, 'must not be in the future (Asia/Shanghai)');
}
