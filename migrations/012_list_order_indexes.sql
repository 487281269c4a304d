-- Issue 21: list pages that cost what a page costs, not what the campaign holds. Each list's ORDER BY, led by the
-- campaign, as an index: a page is then an index scan that stops after LIMIT rows, where it was a sort of every row
-- of the campaign (GET /api/v1/subjects of a 20,000-subject campaign: 0.23x of /health, falling as it grew).
-- The indexes they supersede (the same leading columns) are dropped.

CREATE INDEX rm_subjects_list_idx ON rm_subjects (campaign_id, district_code, name, id);
DROP INDEX rm_subjects_name_idx;
CREATE INDEX rm_self_inspections_list_idx ON rm_self_inspections (campaign_id, district_code, started_at, subject_id);
DROP INDEX rm_self_inspections_campaign_idx;
CREATE INDEX rm_inspections_list_idx ON rm_inspections (campaign_id, district_code, planned_on, id);
DROP INDEX rm_inspections_campaign_idx;
CREATE INDEX rm_obligations_list_idx ON rm_obligations (campaign_id, due, id);
CREATE INDEX rm_problems_list_idx ON rm_problems (campaign_id, deadline, created_at, id);
