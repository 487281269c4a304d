import type { Evidence } from '../domain';
export type { Evidence } from '../domain';
import { isCalendarDate } from '../shared/dates';
import { conflict, invalid, notFound } from '../shared/decider';

/**
 * A problem on the list (清单), from either phase: a self-correction problem or an enforcement rectification
 * order. open → rectified (with evidence) → verified; a failed verification reopens it.
 */
export type ProblemStatus = 'open' | 'rectified' | 'verified';

export interface Verification {
  result: 'passed' | 'failed';
  reason?: string;
}

export interface TrackedProblem {
  id: string;
  itemCode: string;
  measure: string;
  deadline: string;
  status: ProblemStatus;
  evidence?: Evidence;
  rectifiedAt?: string;
  verification?: Verification;
  verifiedAt?: string;
}

export function checkMeasureAndDeadline(measure: string, deadline: string): void {
  if (!measure.trim()) throw invalid('measure', 'must not be blank');
  if (!isCalendarDate(deadline)) throw invalid('deadline', 'must be a calendar date (YYYY-MM-DD)');
}

function find(problems: readonly TrackedProblem[], id: string, what: string): TrackedProblem {
  const p = problems.find((x) => x.id === id);
  if (!p) throw notFound(`${what} ${id} not found`);
  return p;
}

/** Refusals for reporting a problem rectified. */
export function checkRectification(
  problems: readonly TrackedProblem[],
  id: string,
  evidence: Evidence,
  what: string,
): void {
  const p = find(problems, id, what);
  if (p.status === 'rectified')
    throw conflict(`${what} ${id} is already reported rectified and awaits verification`, 'already-rectified');
  if (p.status === 'verified') throw conflict(`${what} ${id} is verified and closed`, 'already-verified');
  if (!evidence.text.trim()) throw invalid('evidence.text', 'must not be blank');
  if (evidence.fileRef !== undefined && !evidence.fileRef.trim())
    throw invalid('evidence.fileRef', 'must not be blank when given');
}

/** Refusals for verifying a rectification: only a rectified problem is verified; a failure needs a reason. */
export function checkVerification(
  problems: readonly TrackedProblem[],
  id: string,
  v: Verification,
  what: string,
): void {
  const p = find(problems, id, what);
  if (p.status !== 'rectified') {
    throw conflict(
      `${what} ${id} is ${p.status === 'open' ? 'not reported rectified yet' : 'already verified'}`,
      'not-rectified',
    );
  }
  if (v.result === 'failed' && !v.reason?.trim()) throw invalid('reason', 'is required when verification fails');
}

export function withRectified(
  problems: TrackedProblem[],
  id: string,
  evidence: Evidence,
  at: string,
): TrackedProblem[] {
  return problems.map((p) => (p.id === id ? { ...p, status: 'rectified' as const, evidence, rectifiedAt: at } : p));
}

/** A verification as stored: the result, and the reason only when one is given. */
export const verificationOf = (v: Verification): Verification => ({
  result: v.result,
  ...(v.reason ? { reason: v.reason } : {}),
});

export function withVerified(problems: TrackedProblem[], id: string, v: Verification, at: string): TrackedProblem[] {
  const verification = verificationOf(v);
  return problems.map((p) =>
    p.id === id
      ? {
          ...p,
          status: v.result === 'passed' ? ('verified' as const) : ('open' as const),
          verification,
          verifiedAt: at,
        }
      : p,
  );
}
