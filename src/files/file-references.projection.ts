import { PoolClient } from 'pg';
import { ProjectedEvent } from '../event-store/event-store';
import { Projection } from '../projections/projection';
import type { FileRef } from './files.service';

/** The events that cite files, and where in their data: what a file's download scope and housekeeping read. */
type Citing = {
  subjectId?: string; districtCode?: string; evidence?: { files?: FileRef[] }; scan?: FileRef; stampedScan?: FileRef; electronicFile?: FileRef; report?: FileRef;
  materials?: FileRef[];
};
const fields = (d: Citing, ...keys: ('scan' | 'stampedScan' | 'electronicFile' | 'report')[]): [string, FileRef][] => keys.flatMap((k) => (d[k] ? [[k, d[k]!] as [string, FileRef]] : []));
export const CITING: Record<string, (data: Citing) => [string, FileRef][]> = {
  'self-inspection.problem-rectified': (d) => (d.evidence?.files ?? []).map((f) => ['evidence.files', f]),
  'inspection.order-rectified': (d) => (d.evidence?.files ?? []).map((f) => ['evidence.files', f]),
  'self-inspection.commitment-signed': (d) => fields(d, 'scan'),
  'self-evaluation.submitted': (d) => fields(d, 'stampedScan', 'electronicFile'),
  'typical-case.recorded': (d) => (d.materials ?? []).map((f) => ['materials', f]),
  'summary-report.submitted': (d) => fields(d, 'report'),
};

/**
 * rm_file_references: each citation of a file by an event: the file, its hash, the event, its stream, and what it is
 * about (a subject, or a district's own document).
 */
export const fileReferencesProjection: Projection = {
  name: 'file-references',
  tables: ['rm_file_references'],
  eventTypes: Object.keys(CITING),
  async apply(tx: PoolClient, event: ProjectedEvent): Promise<void> {
    const cited = CITING[event.type]?.(event.data) ?? [];
    for (const [field, f] of cited) {
      await tx.query(
        `INSERT INTO rm_file_references (file_id, sha256, event_id, stream_id, subject_id, district_code, field) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT DO NOTHING`,
        [f.fileId, f.sha256, event.eventId, event.streamId, event.data.subjectId ?? null, event.data.subjectId ? null : event.data.districtCode ?? null, field],
      );
    }
  },
};
