-- Issue 19: an obligation that starts after the report discharging it was submitted starts fulfilled.
--
-- A deadline added (or a district or subject that owes it appearing) after the report that discharges it only
-- found no row to close, so the row it then inserted stayed open and sent false "overdue" reminders. The
-- obligations projection now keeps, per deadline obligation id (deterministic: deadline.<campaign>.<key>.<party>),
-- whether its discharging report stands (a returned report undoes it) and since when; a row inserted later starts
-- fulfilled at that time. This table is part of the projection (a rebuild empties and refills it).

CREATE TABLE rm_obligation_discharges (
  id           text PRIMARY KEY,
  campaign_id  uuid NOT NULL,
  subject_id   uuid,
  discharged   boolean NOT NULL,
  at           timestamptz NOT NULL
);
CREATE INDEX rm_obligation_discharges_campaign_idx ON rm_obligation_discharges (campaign_id);
CREATE INDEX rm_obligation_discharges_subject_idx ON rm_obligation_discharges (subject_id) WHERE subject_id IS NOT NULL;

-- What the log already holds: the last discharging (or undoing) event of each deadline obligation. The reports
-- and the deadlines they meet are the projection's (obligations.projection.ts: DISTRICT_REPORTS, the
-- self-correction report of a subject). Events past the projection's checkpoint are applied again by it: the
-- same rows.
INSERT INTO rm_obligation_discharges (id, campaign_id, subject_id, discharged, at)
SELECT DISTINCT ON (id) id, campaign_id, subject_id, discharged, at
  FROM (
    SELECT 'deadline.' || (e.data->>'campaignId') || '.' ||
             CASE e.type
               WHEN 'monthly-report.submitted' THEN 'monthly-report-' || to_char(((e.data->>'month') || '-01')::date + interval '1 month', 'YYYY-MM')
               WHEN 'self-evaluation.submitted' THEN 'self-evaluation'
               WHEN 'typical-case.recorded' THEN 'typical-cases'
               ELSE 'summary-report'
             END || '.district-' || (e.data->>'districtCode') AS id,
           (e.data->>'campaignId')::uuid AS campaign_id, NULL::uuid AS subject_id,
           e.type <> 'summary-report.returned' AS discharged, e.recorded_at AS at, e.global_position
      FROM events e
     WHERE e.type IN ('monthly-report.submitted', 'self-evaluation.submitted', 'typical-case.recorded', 'summary-report.submitted',
                      'summary-report.returned')
    UNION ALL
    SELECT 'deadline.' || s.campaign_id || '.self-correction-report.subject-' || s.subject_id, s.campaign_id, s.subject_id,
           e.type = 'self-inspection.submitted', e.recorded_at, e.global_position
      FROM events e JOIN rm_obligation_subjects s ON s.subject_id = (e.data->>'subjectId')::uuid
     WHERE e.type IN ('self-inspection.submitted', 'self-inspection.returned')
  ) d
 ORDER BY id, global_position DESC;

-- Rows inserted open after their discharge: fulfilled since it, as a rebuild now inserts them (their revision is
-- left as it is, as a rebuild has it; a reminder job already planned for one decides nothing when it fires).
UPDATE rm_obligations o
   SET status = 'fulfilled', fulfilled_at = d.at
  FROM rm_obligation_discharges d
 WHERE o.id = d.id AND d.discharged AND o.status = 'open' AND o.kind = 'deadline';
