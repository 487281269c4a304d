import { PoolClient, QueryResultRow } from 'pg';
import { StoredEvent } from '../event-store/event-store';
import { withoutExists } from '../projections/evolve-row';
import { Projection } from '../projections/projection';
import {
  CAMPAIGN_EVENT_TYPES,
  CampaignEvent,
  CampaignState,
  campaignDecider,
  campaignStatus,
  currentPhase,
} from './campaign.decider';

/** rm_campaigns: one row per campaign, folded with the aggregate's own evolve. */
export const campaignsProjection: Projection = {
  name: 'campaigns',
  tables: ['rm_campaigns'],
  eventTypes: CAMPAIGN_EVENT_TYPES,
  async apply(tx: PoolClient, event: StoredEvent): Promise<void> {
    const domainEvent = { type: event.type, data: event.data } as CampaignEvent;
    const id = event.streamId.slice('campaign-'.length);
    let state: CampaignState;
    if (domainEvent.type === 'campaign.launched') {
      state = campaignDecider.evolve(campaignDecider.initialState, domainEvent);
    } else {
      const res = await tx.query('SELECT * FROM rm_campaigns WHERE id = $1', [id]);
      if (!res.rows.length) return;
      state = campaignDecider.evolve(rowToState(res.rows[0]), domainEvent);
    }
    await tx.query(
      `INSERT INTO rm_campaigns (id, title, issuer, jurisdiction, districts, subject_types, phases, deadlines,
         current_phase, status, version, launched_at, updated_at, checklists, reminder_schedule)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14)
       ON CONFLICT (id) DO UPDATE SET title = $2, issuer = $3, jurisdiction = $4, districts = $5, subject_types = $6,
         phases = $7, deadlines = $8, current_phase = $9, status = $10, version = $11, updated_at = $12, checklists = $13, reminder_schedule = $14`,
      [
        id,
        state.title,
        state.issuer,
        state.jurisdiction,
        JSON.stringify(state.districts),
        JSON.stringify(state.subjectTypes),
        JSON.stringify(state.phases),
        JSON.stringify(state.deadlines),
        currentPhase(state),
        campaignStatus(state),
        event.streamVersion,
        event.recordedAt,
        JSON.stringify(state.checklists),
        JSON.stringify(state.reminderSchedule),
      ],
    );
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
