import { PoolClient, QueryResultRow } from 'pg';
import { BULLETIN_EVENT_TYPES, bulletinDecider } from '../summary/bulletin.decider';
import { SUMMARY_REPORT_EVENT_TYPES, summaryReportDecider } from '../summary/summary-report.decider';
import { SELF_EVALUATION_EVENT_TYPES, selfEvaluationDecider } from '../cross-check/self-evaluation.decider';
import { SUPERVISION_EVENT_TYPES, supervisionDecider } from '../cross-check/supervision.decider';
import { VISIT_EVENT_TYPES, visitDecider } from '../cross-check/district-visit.decider';
import { MONTHLY_REPORT_EVENT_TYPES, monthlyReportDecider } from '../reporting/monthly-report.decider';
import { TIP_EVENT_TYPES, tipDecider } from '../reporting/public-tip.decider';
import { TYPICAL_CASE_EVENT_TYPES, typicalCaseDecider } from '../reporting/typical-case.decider';
import { ProjectedEvent } from '../event-store/event-store';
import { DomainEvent } from '../shared/decider';
import { foldRows, stateColumn, withoutExists } from './evolve-row';
import { RowBuffer, TableSpec } from './row-buffer';
import { Projection } from './projection';

/** Any of those aggregates' deciders, as a fold over stored state (each one's own state and event types). */
interface Folding {
  aggregate: string;
  initialState: object;
  evolve(s: never, e: never): object;
}
type Documented = { campaignId: string; districtCode?: string | null };
interface DocumentRow {
  stream_id: string;
  kind: string;
  campaign_id: string;
  district_code: string | null;
  state: Documented;
  version: number;
  updated_at: Date;
}
const DOCUMENT_ROWS: TableSpec<DocumentRow> = {
  table: 'rm_documents',
  columns: {
    stream_id: 'text',
    kind: 'text',
    campaign_id: 'uuid',
    district_code: 'text',
    state: 'jsonb',
    version: 'bigint',
    updated_at: 'timestamptz',
  },
  key: ['stream_id'],
  onConflict: ['district_code', 'state', 'version', 'updated_at'],
};

/** The aggregates whose folded state is their read model, with the event types each owns. */
const DOCUMENTS: [Folding, string[]][] = [
  [supervisionDecider, SUPERVISION_EVENT_TYPES],
  [visitDecider, VISIT_EVENT_TYPES],
  [selfEvaluationDecider, SELF_EVALUATION_EVENT_TYPES],
  [monthlyReportDecider, MONTHLY_REPORT_EVENT_TYPES],
  [typicalCaseDecider, TYPICAL_CASE_EVENT_TYPES],
  [tipDecider, TIP_EVENT_TYPES],
  [summaryReportDecider, SUMMARY_REPORT_EVENT_TYPES],
  [bulletinDecider, BULLETIN_EVENT_TYPES],
];
const BY_TYPE = new Map(DOCUMENTS.flatMap(([d, types]) => types.map((t) => [t, d] as const)));

/** Document kinds, named after their aggregates. */
export const DOC = {
  supervision: supervisionDecider.aggregate,
  visit: visitDecider.aggregate,
  selfEvaluation: selfEvaluationDecider.aggregate,
  monthlyReport: monthlyReportDecider.aggregate,
  typicalCase: typicalCaseDecider.aggregate,
  tip: tipDecider.aggregate,
  summaryReport: summaryReportDecider.aggregate,
  bulletin: bulletinDecider.aggregate,
} as const;

/**
 * rm_documents: one row per stream of the cross-check, reporting and summary aggregates, holding the state their
 * own evolve folds (so a read is exactly what a command is decided against, as of the projection's position).
 */
export const documentsProjection: Projection = {
  name: 'documents',
  tables: ['rm_documents'],
  eventTypes: [...BY_TYPE.keys()],
  async apply(tx: PoolClient, event: ProjectedEvent): Promise<void> {
    await documentsProjection.applyBatch!(tx, [event]);
  },
  /** The batch folded in memory per stream, from the rows it continues (one read per kind), written back through one RowBuffer. */
  async applyBatch(tx: PoolClient, events: ProjectedEvent[]): Promise<void> {
    const out = new RowBuffer(DOCUMENT_ROWS);
    for (const [decider] of DOCUMENTS) {
      const mine = events.filter((e) => BY_TYPE.get(e.type) === decider);
      if (!mine.length) continue;
      const fold = decider as unknown as {
        initialState: Documented;
        evolve(s: Documented, e: DomainEvent): Documented;
      };
      const states = await foldRows(
        tx,
        { table: 'rm_documents', key: 'stream_id', state: stateColumn<Documented> },
        fold,
        mine.map((e) => ({ key: e.streamId, event: { type: e.type, data: e.data }, first: e.streamVersion === 1 })),
      );
      mine.forEach((event, i) => {
        const { after: next, created } = states[i];
        if (!next) return;
        out.upsert(
          {
            stream_id: event.streamId,
            kind: decider.aggregate,
            campaign_id: next.campaignId,
            district_code: next.districtCode ?? null,
            state: next,
            version: event.streamVersion,
            updated_at: event.recordedAt,
          },
          created,
        );
      });
    }
    await out.flush(tx);
  },
};

/** A document row as the API shows it: its state without the fold's bookkeeping, its version and update time. */
export function rowToDocument<S extends { exists?: boolean }>(
  row: QueryResultRow,
): Omit<S, 'exists'> & { version: number; updatedAt: string } {
  return { ...withoutExists(row.state as S), version: Number(row.version), updatedAt: row.updated_at.toISOString() };
}
