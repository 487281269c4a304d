import { cstDate, isCalendarDate, lateFrom, startOfCstDay } from './dates';

describe('China Standard Time calendar days', () => {
  it('a due date of 2022-03-25 is late from 2022-03-26T00:00+08:00, which is 2022-03-25T16:00Z', () => {
    expect(lateFrom('2022-03-25').toISOString()).toBe('2022-03-25T16:00:00.000Z');
  });

  it('the CST day starts 8 hours before the UTC day', () => {
    expect(startOfCstDay('2022-08-15').toISOString()).toBe('2022-08-14T16:00:00.000Z');
  });

  it('an instant belongs to its CST calendar day across the boundary', () => {
    expect(cstDate(new Date('2022-03-25T15:59:59.999Z'))).toBe('2022-03-25');
    expect(cstDate(new Date('2022-03-25T16:00:00.000Z'))).toBe('2022-03-26');
  });

  it('rejects dates that do not exist', () => {
    expect(isCalendarDate('2022-02-29')).toBe(false);
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2022-3-25')).toBe(false);
    expect(() => startOfCstDay('2022-02-30')).toThrow(RangeError);
  });
});
