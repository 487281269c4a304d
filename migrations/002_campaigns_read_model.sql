-- Read model of the campaigns projection (rebuildable from the log at any time).
CREATE TABLE rm_campaigns (
  id             uuid PRIMARY KEY,
  title          text NOT NULL,
  issuer         text NOT NULL,
  jurisdiction   text NOT NULL,
  districts      jsonb NOT NULL,
  subject_types  jsonb NOT NULL,
  phases         jsonb NOT NULL,
  deadlines      jsonb NOT NULL,
  current_phase  text,
  status         text NOT NULL,
  version        bigint NOT NULL,
  launched_at    timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);
CREATE INDEX rm_campaigns_launched_idx ON rm_campaigns (launched_at DESC, id);
CREATE INDEX rm_campaigns_jurisdiction_idx ON rm_campaigns (jurisdiction);
