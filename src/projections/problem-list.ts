import type { Answer } from '../checklists';
import type { TableSpec } from './row-buffer';

/**
 * The problem list (清单) as read: one row per problem, a self-inspection's (source self-correction) or an
 * inspection's rectification order (source enforcement), in rm_problems. Both phases write it, through the
 * rectification projection (src/projections/rectification.projection.ts); lists of problems read it.
 */
export interface ProblemRow {
  id: string;
  source: 'self-correction' | 'enforcement';
  source_id: string;
  campaign_id: string;
  district_code: string;
  subject_id: string;
  subject_type: string;
  item_code: string;
  description: string;
  measure: string;
  deadline: string;
  responsible: string | null;
  status: string;
  evidence: object | null;
  verification: object | null;
  created_at: string;
  updated_at: Date;
}
/** The columns every row about a subject carries, for scoping and counting. */
export const SUBJECT_COLUMNS = {
  campaign_id: 'uuid',
  district_code: 'text',
  subject_id: 'uuid',
  subject_type: 'text',
} as const;
export const PROBLEMS: TableSpec<ProblemRow> = {
  table: 'rm_problems',
  columns: {
    id: 'uuid',
    source: 'text',
    source_id: 'uuid',
    ...SUBJECT_COLUMNS,
    item_code: 'text',
    description: 'text',
    measure: 'text',
    deadline: 'date',
    responsible: 'text',
    status: 'text',
    evidence: 'jsonb',
    verification: 'jsonb',
    created_at: 'timestamptz',
    updated_at: 'timestamptz',
  },
  key: ['id'],
  onConflict: ['status', 'evidence', 'verification', 'updated_at'],
};

/** A form as read: its answers in item order, and the items still unanswered. */
export function formView(s: { itemCodes: string[]; answers: Record<string, Answer> }) {
  return {
    answers: s.itemCodes.filter((c) => s.answers[c]).map((c) => s.answers[c]),
    unanswered: s.itemCodes.filter((c) => !s.answers[c]),
  };
}

/** A form as served: its state folded from its stream, the stream version it stands at and when that event was recorded. */
export interface FoldedForm<S> {
  state: S;
  version: number;
  updatedAt: Date;
}
