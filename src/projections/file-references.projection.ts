import { PoolClient } from 'pg';
import { ProjectedEvent } from '../event-store/event-store';
import { consumed, Projection } from './projection';
import type { EvaluationSubmitted, SelfEvaluationEvent } from '../cross-check/self-evaluation.decider';
import type { InspectionEvent, OrderRectified } from '../enforcement/inspection.decider';
import type { CaseRecorded, TypicalCaseEvent } from '../reporting/typical-case.decider';
import type {
  CommitmentSigned,
  ProblemRectified,
  SelfInspectionEvent,
} from '../self-correction/self-inspection.decider';
import type { SummaryReportEvent, SummarySubmitted } from '../summary/summary-report.decider';
import type { FileRef } from '../domain';

/** The events that cite files (each decider's own type), and where in their data: a download's scope reads them. */
type CitingEvent = Extract<
  SelfInspectionEvent | InspectionEvent | SelfEvaluationEvent | TypicalCaseEvent | SummaryReportEvent,
  { type: keyof typeof CITING }
>;
type Cited = [field: string, file: FileRef][];
const each = (field: string, files: FileRef[] | undefined): Cited => (files ?? []).map((f) => [field, f]);
const one = (field: string, file: FileRef | undefined): Cited => (file ? [[field, file]] : []);
export const CITING = {
  'self-inspection.problem-rectified': (d: ProblemRectified['data']) => each('evidence.files', d.evidence.files),
  'inspection.order-rectified': (d: OrderRectified['data']) => each('evidence.files', d.evidence.files),
  'self-inspection.commitment-signed': (d: CommitmentSigned['data']) => one('scan', d.scan),
  'self-evaluation.submitted': (d: EvaluationSubmitted['data']) => [
    ...one('stampedScan', d.stampedScan),
    ...one('electronicFile', d.electronicFile),
  ],
  'typical-case.recorded': (d: CaseRecorded['data']) => each('materials', d.materials),
  'summary-report.submitted': (d: SummarySubmitted['data']) => one('report', d.report),
} as const;

/**
 * rm_file_references: each citation of a file by an event: the file, its hash, the event, its stream, and what it is
 * about (a subject, or a district's own document).
 */
export const fileReferencesProjection: Projection = {
  name: 'file-references',
  tables: ['rm_file_references'],
  eventTypes: Object.keys(CITING),
  async apply(tx: PoolClient, raw: ProjectedEvent): Promise<void> {
    const event = consumed<CitingEvent>(raw);
    const cited: Cited = CITING[event.type](event.data as never);
    // a subject's files follow the subject; a district's own documents (self-evaluation, typical case, summary) that district
    const subjectId = 'subjectId' in event.data ? event.data.subjectId : null;
    const districtCode = subjectId ? null : 'districtCode' in event.data ? event.data.districtCode : null;
    for (const [field, f] of cited) {
      await tx.query(
        `INSERT INTO rm_file_references (file_id, sha256, event_id, stream_id, subject_id, district_code, field) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT DO NOTHING`,
        [f.fileId, f.sha256, raw.eventId, raw.streamId, subjectId, districtCode, field],
      );
    }
  },
};
