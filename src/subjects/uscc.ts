/**
 * 统一社会信用代码 (GB 32100-2015): 18 characters from 0-9 and A-Z without I, O, Z, S, V. The 18th is a check
 * character: 31 − (Σ value(cᵢ) × wᵢ mod 31), with 31 written as 0.
 */
const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export type UsccProblem = 'length' | 'charset' | 'check-character';

export function usccCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CHARSET.indexOf(first17[i]) * WEIGHTS[i];
  return CHARSET[(31 - (sum % 31)) % 31];
}

/** null when the code is valid, else what is wrong with it. */
export function usccProblem(code: string): UsccProblem | null {
  if (code.length !== 18) return 'length';
  for (const c of code) if (!CHARSET.includes(c)) return 'charset';
  return usccCheckCharacter(code.slice(0, 17)) === code[17] ? null : 'check-character';
}

export const USCC_MESSAGES: Record<UsccProblem, string> = {
  length: 'must be 18 characters (统一社会信用代码, GB 32100-2015)',
  charset: 'may use only 0-9 and A-Z without I, O, Z, S, V',
  'check-character': 'has a wrong check character (GB 32100-2015)',
};
