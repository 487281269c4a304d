/** Pure aggregate logic: no Nest, no I/O, time passed in. */

export interface DomainEvent<T extends string = string, D = unknown> {
  type: T;
  data: D;
}

export interface Principal {
  sub: string;
  role: Role;
  districts: string[];
  subjectId?: string;
}

export const ROLES = ['city-admin', 'district-officer', 'supervisor', 'subject-user', 'auditor', 'integration'] as const;
export type Role = (typeof ROLES)[number];

export interface DecideContext {
  now: Date;
  principal: Principal;
}

export interface Decider<C, E extends DomainEvent, S> {
  /** Names the aggregate kind: streams are `${aggregate}-${id}`. */
  aggregate: string;
  initialState: S;
  decide(command: C, state: S, ctx: DecideContext): E[];
  evolve(state: S, event: E): S;
  /** Schema version written with each event type (1 unless listed). */
  schemaVersions?: Partial<Record<E['type'], number>>;
}

export function fold<E extends DomainEvent, S>(decider: { evolve(s: S, e: E): S; initialState: S }, events: E[]): S {
  return events.reduce((s, e) => decider.evolve(s, e), decider.initialState);
}

export type DomainErrorKind = 'invalid' | 'conflict' | 'not-found' | 'forbidden';

/** A refusal by the domain. `field` and `rule` name what was wrong for a 4xx problem. */
export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly field?: string,
    readonly rule?: string,
  ) {
    super(message);
  }
}

export const invalid = (field: string, rule: string, message?: string) =>
  new DomainError('invalid', message ?? `${field} ${rule}`, field, rule);
export const conflict = (message: string, rule?: string) => new DomainError('conflict', message, undefined, rule);
export const notFound = (message: string) => new DomainError('not-found', message);
