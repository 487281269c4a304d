-- Read models of issue 4: the folded state of each cross-check, reporting and summary aggregate, one row per
-- stream (supervision groups, district visits, self-evaluations, monthly reports, typical cases, public tips,
-- summary reports, bulletins). Low-volume documents queried per campaign; rebuildable from the log.
CREATE TABLE rm_documents (
  stream_id      text PRIMARY KEY,
  kind           text NOT NULL,
  campaign_id    uuid NOT NULL,
  district_code  text,
  state          jsonb NOT NULL,
  version        bigint NOT NULL,
  updated_at     timestamptz NOT NULL
);
CREATE INDEX rm_documents_campaign_idx ON rm_documents (campaign_id, kind, district_code);
