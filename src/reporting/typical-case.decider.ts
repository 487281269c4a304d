import { requirePastDay } from '../shared/dates';
import type { FileRef } from '../domain';
import { conflict, Decider, DecideContext, DomainEvent, invalid, notFound } from '../shared/decider';

/**
 * 典型案例: a district's typical case (subject, violation, penalty, summary). The city marks it adopted — by the
 * city, or by the Ministry (rubric item 16) — and records its exposure in the media (rubric item 10).
 */

export const ADOPTION_LEVELS = ['city', 'ministry'] as const;
export type AdoptionLevel = (typeof ADOPTION_LEVELS)[number];

export interface CaseBody {
  title: string;
  violation: string;
  penalty: string;
  summary: string;
  /** its materials: files stored with POST /api/v1/files (decisions, photos, records), as they were when cited */
  materials?: FileRef[];
}
export interface RecordCase extends CaseBody {
  kind: 'RecordCase';
  caseId: string;
  campaignId: string;
  districtCode: string;
  subject: { subjectId: string; name: string } | null;
}
export interface AdoptCase {
  kind: 'AdoptCase';
  level: AdoptionLevel;
  adoptedOn: string;
  note?: string;
}
export interface ExposeCase {
  kind: 'ExposeCase';
  exposedOn: string;
  outlet: string;
  url?: string;
}
export type TypicalCaseCommand = RecordCase | AdoptCase | ExposeCase;

type E<T extends string, D> = DomainEvent<T, { caseId: string } & D>;
export type CaseRecorded = E<'typical-case.recorded', Omit<RecordCase, 'kind' | 'caseId'> & { recordedAt: string }>;
export type CaseAdopted = E<'typical-case.adopted', { level: AdoptionLevel; adoptedOn: string; note: string | null }>;
export type CaseExposed = E<'typical-case.exposed', { exposedOn: string; outlet: string; url: string | null }>;
export type TypicalCaseEvent = CaseRecorded | CaseAdopted | CaseExposed;
export const TYPICAL_CASE_EVENT_TYPES: TypicalCaseEvent['type'][] = [
  'typical-case.recorded',
  'typical-case.adopted',
  'typical-case.exposed',
];

export interface TypicalCaseState extends CaseBody {
  exists: boolean;
  caseId: string;
  campaignId: string;
  districtCode: string;
  subject: { subjectId: string; name: string } | null;
  recordedAt: string;
  adoptions: { level: AdoptionLevel; adoptedOn: string; note: string | null }[];
  exposures: { exposedOn: string; outlet: string; url: string | null }[];
}
export const initialTypicalCaseState: TypicalCaseState = {
  exists: false,
  caseId: '',
  campaignId: '',
  districtCode: '',
  subject: null,
  title: '',
  violation: '',
  penalty: '',
  summary: '',
  recordedAt: '',
  adoptions: [],
  exposures: [],
};

export const typicalCaseStream = (caseId: string) => `typical-case-${caseId}`;

function decide(c: TypicalCaseCommand, s: TypicalCaseState, ctx: DecideContext): TypicalCaseEvent[] {
  if (c.kind === 'RecordCase') {
    if (s.exists) throw conflict(`case ${c.caseId} is already recorded`, 'already-exists');
    for (const f of ['title', 'violation', 'penalty', 'summary'] as const)
      if (!c[f].trim()) throw invalid(f, 'must not be blank');
    const { kind: _k, caseId, ...rest } = c;
    return [{ type: 'typical-case.recorded', data: { caseId, ...rest, recordedAt: ctx.now.toISOString() } }];
  }
  if (!s.exists) throw notFound('case not found');
  switch (c.kind) {
    case 'AdoptCase':
      requirePastDay(c.adoptedOn, 'adoptedOn', ctx.now);
      if (s.adoptions.some((a) => a.level === c.level))
        throw conflict(`the case is already adopted at ${c.level} level`, 'already-adopted');
      return [
        {
          type: 'typical-case.adopted',
          data: { caseId: s.caseId, level: c.level, adoptedOn: c.adoptedOn, note: c.note ?? null },
        },
      ];
    case 'ExposeCase':
      requirePastDay(c.exposedOn, 'exposedOn', ctx.now);
      if (!c.outlet.trim()) throw invalid('outlet', 'must not be blank');
      if (s.exposures.some((x) => x.outlet === c.outlet && x.exposedOn === c.exposedOn)) return [];
      return [
        {
          type: 'typical-case.exposed',
          data: { caseId: s.caseId, exposedOn: c.exposedOn, outlet: c.outlet, url: c.url ?? null },
        },
      ];
  }
}

function evolve(s: TypicalCaseState, e: TypicalCaseEvent): TypicalCaseState {
  switch (e.type) {
    case 'typical-case.recorded':
      return { ...initialTypicalCaseState, ...e.data, exists: true };
    case 'typical-case.adopted': {
      const { caseId: _c, ...a } = e.data;
      return { ...s, adoptions: [...s.adoptions, a] };
    }
    case 'typical-case.exposed': {
      const { caseId: _c, ...x } = e.data;
      return { ...s, exposures: [...s.exposures, x] };
    }
    default:
      return s;
  }
}

export const typicalCaseDecider: Decider<TypicalCaseCommand, TypicalCaseEvent, TypicalCaseState> = {
  aggregate: 'typical-case',
  initialState: initialTypicalCaseState,
  decide,
  evolve,
};
