import { PoolClient } from 'pg';
import { ProjectedEvent } from '../event-store/event-store';
import type { DomainEvent } from '../shared/decider';
import { foldStreams } from './evolve-row';
import { RowBuffer } from './row-buffer';
import { Projection } from './projection';
import { PROBLEMS } from './problem-list';
import { FINDINGS, INSPECTIONS, PENALTIES, projectInspection } from '../enforcement/inspection.read-model';
import { INSPECTION_EVENT_TYPES, inspectionDecider } from '../enforcement/inspection.decider';
import { projectSelfInspection, SELF_INSPECTIONS } from '../self-correction/self-inspection.read-model';
import { SELF_INSPECTION_EVENT_TYPES, selfInspectionDecider } from '../self-correction/self-inspection.decider';

/**
 * The two phases' read models (self-correction/self-inspection.read-model.ts, enforcement/inspection.read-model.ts),
 * in one projection because the problem list (清单) spans both: rm_self_inspections,
 * rm_inspections, rm_problems, rm_findings, rm_penalties. The projection folds each form with the aggregate's own
 * evolve — a batch in memory, the earlier events of the streams it continues read from the log in one query — and
 * writes the columns lists filter, order and count by through a RowBuffer per table; a form itself is served folded
 * from its stream up to the row's version (selfInspectionView, inspectionView), so no copy of its state is kept.
 * Rows of a stream that starts in the batch go in by COPY, its problems, findings and penalties too: they are keyed
 * by ids new with that stream, so the table cannot hold them.
 */
export const rectificationProjection: Projection = {
  name: 'rectification',
  tables: ['rm_self_inspections', 'rm_inspections', 'rm_problems', 'rm_findings', 'rm_penalties'],
  eventTypes: [...SELF_INSPECTION_EVENT_TYPES, ...INSPECTION_EVENT_TYPES],
  async apply(tx: PoolClient, event: ProjectedEvent): Promise<void> {
    await rectificationProjection.applyBatch!(tx, [event]);
  },
  async applyBatch(tx: PoolClient, events: ProjectedEvent[]): Promise<void> {
    const out = {
      self: new RowBuffer(SELF_INSPECTIONS),
      inspections: new RowBuffer(INSPECTIONS),
      problems: new RowBuffer(PROBLEMS),
      findings: new RowBuffer(FINDINGS),
      penalties: new RowBuffer(PENALTIES),
    };
    const selfEvents = events.filter((e) => e.type.startsWith('self-inspection.'));
    const inspectionEvents = events.filter((e) => !e.type.startsWith('self-inspection.'));
    const selfStates = await foldEach(tx, selfInspectionDecider, selfEvents, 'self-inspection.started');
    selfEvents.forEach((event, i) => projectSelfInspection(out, event, selfStates[i]));
    const inspectionStates = await foldEach(tx, inspectionDecider, inspectionEvents, 'inspection.scheduled');
    inspectionEvents.forEach((event, i) => projectInspection(out, event, inspectionStates[i]));
    for (const buffer of Object.values(out)) await buffer.flush(tx);
  },
};

/** Each event's stream folded with the aggregate's evolve, up to and after it (a stream starts with `first`). */
function foldEach<E extends DomainEvent, S>(
  tx: PoolClient,
  decider: { initialState: S; evolve(s: S, e: E): S },
  events: ProjectedEvent[],
  first: E['type'],
) {
  return foldStreams(
    tx,
    decider,
    events.map((event) => ({
      key: event.streamId,
      version: event.streamVersion,
      event: { type: event.type, data: event.data } as E,
      first: event.type === first,
    })),
  );
}
