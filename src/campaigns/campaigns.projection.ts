import { PoolClient, QueryResultRow } from 'pg';
import { ProjectedEvent } from '../event-store/event-store';
import { foldRows, withoutExists } from '../projections/evolve-row';
import { RowBuffer, TableSpec } from '../projections/row-buffer';
import { Projection } from '../projections/projection';
import {
  CAMPAIGN_EVENT_TYPES,
  CampaignEvent,
  CampaignState,
  campaignDecider,
  campaignStatus,
  currentPhase,
} from './campaign.decider';

interface CampaignRow {
  id: string;
  title: string;
  issuer: string;
  jurisdiction: string;
  districts: unknown;
  subject_types: unknown;
  phases: unknown;
  deadlines: unknown;
  current_phase: string | null;
  status: string;
  version: number;
  launched_at: Date;
  updated_at: Date;
  checklists: unknown;
  reminder_schedule: unknown;
}
const CAMPAIGN_ROWS: TableSpec<CampaignRow> = {
  table: 'rm_campaigns',
  columns: {
    id: 'uuid',
    title: 'text',
    issuer: 'text',
    jurisdiction: 'text',
    districts: 'jsonb',
    subject_types: 'jsonb',
    phases: 'jsonb',
    deadlines: 'jsonb',
    current_phase: 'text',
    status: 'text',
    version: 'bigint',
    launched_at: 'timestamptz',
    updated_at: 'timestamptz',
    checklists: 'jsonb',
    reminder_schedule: 'jsonb',
  },
  key: ['id'],
  onConflict: [
    'title',
    'issuer',
    'jurisdiction',
    'districts',
    'subject_types',
    'phases',
    'deadlines',
    'current_phase',
    'status',
    'version',
    'updated_at',
    'checklists',
    'reminder_schedule',
  ],
};

/** rm_campaigns: one row per campaign, folded with the aggregate's own evolve (a batch in memory, one read, one write). */
export const campaignsProjection: Projection = {
  name: 'campaigns',
  tables: ['rm_campaigns'],
  eventTypes: CAMPAIGN_EVENT_TYPES,
  async apply(tx: PoolClient, event: ProjectedEvent): Promise<void> {
    await campaignsProjection.applyBatch!(tx, [event]);
  },
  async applyBatch(tx: PoolClient, events: ProjectedEvent[]): Promise<void> {
    const steps = events.map((event) => {
      const e = { type: event.type, data: event.data } as CampaignEvent;
      return { key: event.streamId.slice('campaign-'.length), event: e, first: e.type === 'campaign.launched' };
    });
    const states = await foldRows(tx, { table: 'rm_campaigns', key: 'id', state: rowToState }, campaignDecider, steps);
    const out = new RowBuffer(CAMPAIGN_ROWS);
    events.forEach((event, i) => {
      const { after: state, created } = states[i];
      if (!state) return;
      out.upsert(
        {
          id: steps[i].key,
          title: state.title,
          issuer: state.issuer,
          jurisdiction: state.jurisdiction,
          districts: state.districts,
          subject_types: state.subjectTypes,
          phases: state.phases,
          deadlines: state.deadlines,
          current_phase: currentPhase(state),
          status: campaignStatus(state),
          version: event.streamVersion,
          launched_at: event.recordedAt,
          updated_at: event.recordedAt,
          checklists: state.checklists,
          reminder_schedule: state.reminderSchedule,
        },
        created,
      );
    });
    await out.flush(tx);
  },
};

export function rowToState(row: QueryResultRow): CampaignState {
  return {
    exists: true,
    id: row.id,
    title: row.title,
    issuer: row.issuer,
    jurisdiction: row.jurisdiction,
    districts: row.districts,
    subjectTypes: row.subject_types,
    phases: row.phases,
    deadlines: row.deadlines,
    checklists: row.checklists,
    reminderSchedule: row.reminder_schedule,
  };
}

export function rowToCampaign(row: QueryResultRow) {
  return {
    ...withoutExists(rowToState(row)),
    currentPhase: row.current_phase,
    status: row.status,
    version: Number(row.version),
    launchedAt: row.launched_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
