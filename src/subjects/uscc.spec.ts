import { usccCheckCharacter, usccProblem } from './uscc';

describe('unified social credit code (GB 32100-2015)', () => {
  it('accepts codes whose check character is right', () => {
    // Published examples: 91350100M000100Y43, 91110000802100433B
    expect(usccProblem('91350100M000100Y43')).toBeNull();
    expect(usccProblem('91110000802100433B')).toBeNull();
  });

  it('computes the check character, writing 31 as 0', () => {
    expect(usccCheckCharacter('91350100M000100Y4')).toBe('3');
    expect(usccCheckCharacter('91110000802100433')).toBe('B');
  });

  it('names what is wrong', () => {
    expect(usccProblem('91350100M000100Y44')).toBe('check-character');
    expect(usccProblem('91350100M000100Y4')).toBe('length');
    expect(usccProblem('91350100M000100I43')).toBe('charset');
    expect(usccProblem('91350100m000100y43')).toBe('charset');
  });
});
