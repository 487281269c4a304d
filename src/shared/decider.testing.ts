import { DomainError } from './decider';

/** For given/when/then decider tests: the DomainError a decision throws (fails when it is accepted). */
export function refusalOf(decision: () => unknown): DomainError {
  try {
    decision();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a refusal, the command was accepted');
}
