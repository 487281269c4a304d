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

export const ROLES = [
  'city-admin',
  'district-officer',
  'supervisor',
  'subject-user',
  'auditor',
  'integration',
] as const;
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
  /** Its events that name no district concern the whole campaign (phases, deadlines, groups, bulletins). */
  campaignWide?: boolean;
}

/** The district code standing for "the whole campaign" in an event's `districts`. */
export const CAMPAIGN_WIDE = '*';

/**
 * The districts an event concerns (recorded in its metadata as `districts`): the district of its aggregate before and
 * after it (a subject moved concerns both), the one its payload names, a district party's. None found: the whole
 * campaign for a campaign-wide aggregate (`['*']`), else the city alone (`[]`: an unassigned tip).
 */
export function districtsOf(
  decider: { campaignWide?: boolean },
  before: unknown,
  after: unknown,
  event: DomainEvent,
): string[] {
  const found = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string' && v !== '') found.add(v);
  };
  add((before as { districtCode?: unknown } | null)?.districtCode);
  add((after as { districtCode?: unknown } | null)?.districtCode);
  const data = (event.data ?? {}) as { districtCode?: unknown; previousDistrict?: unknown; party?: unknown };
  add(data.districtCode);
  add(data.previousDistrict);
  if (typeof data.party === 'string' && data.party.startsWith('district:')) add(data.party.slice('district:'.length));
  if (found.size === 0) return decider.campaignWide ? [CAMPAIGN_WIDE] : [];
  return [...found].sort();
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
