import { conflict } from '../shared/decider';

/** The campaign's four phases, in order (domain.md §2): 自查自纠, 执法检查, 交叉检查, 总结. */
export const PHASES = ['self-correction', 'enforcement', 'cross-check', 'summary'] as const;
export type PhaseId = (typeof PHASES)[number];

export type PhaseStatus = 'pending' | 'open' | 'closed';

/** Refuses unless the phase is open now; the refusal names its actual status. */
export function requirePhaseOpen(phase: PhaseId, status: PhaseStatus): void {
  if (status !== 'open') {
    throw conflict(
      `the campaign's ${phase} phase is ${status === 'closed' ? 'closed' : 'not open yet'}`,
      'phase-not-open',
    );
  }
}

/** Refuses until the phase has opened (it may since have closed: follow-up work on its records goes on). */
export function requirePhaseStarted(phase: PhaseId, status: PhaseStatus): void {
  if (status === 'pending') throw conflict(`the campaign's ${phase} phase is not open yet`, 'phase-not-open');
}
