-- Read models of issue 3: campaigns' checklist choices, the subjects registry, self-inspections,
-- inspections, the problem list (清单) across both phases, findings, penalties and subject timelines.
-- All rebuildable from the log.
ALTER TABLE rm_campaigns ADD COLUMN checklists jsonb NOT NULL DEFAULT '{}';

CREATE TABLE rm_subjects (
  id             uuid PRIMARY KEY,
  campaign_id    uuid NOT NULL,
  type           text NOT NULL,
  name           text NOT NULL,
  uscc           text NOT NULL,
  district_code  text NOT NULL,
  industry       text NOT NULL,
  high_risk      boolean NOT NULL,
  principal      jsonb NOT NULL,
  contact        jsonb NOT NULL,
  active         boolean NOT NULL,
  deactivation_reason text,
  version        bigint NOT NULL,
  registered_at  timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  UNIQUE (campaign_id, uscc)
);
CREATE INDEX rm_subjects_district_idx ON rm_subjects (campaign_id, district_code, type);
CREATE INDEX rm_subjects_name_idx ON rm_subjects (campaign_id, name);

CREATE TABLE rm_self_inspections (
  subject_id       uuid PRIMARY KEY,
  campaign_id      uuid NOT NULL,
  district_code    text NOT NULL,
  subject_type     text NOT NULL,
  status           text NOT NULL,
  late             boolean NOT NULL DEFAULT false,
  started_at       timestamptz NOT NULL,
  submitted_at     timestamptz,
  accepted_at      timestamptz,
  state            jsonb NOT NULL,
  version          bigint NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE INDEX rm_self_inspections_campaign_idx ON rm_self_inspections (campaign_id, district_code);

CREATE TABLE rm_inspections (
  id               uuid PRIMARY KEY,
  campaign_id      uuid NOT NULL,
  subject_id       uuid NOT NULL,
  district_code    text NOT NULL,
  subject_type     text NOT NULL,
  status           text NOT NULL,
  planned_on       date NOT NULL,
  conducted_on     date,
  completed_at     timestamptz,
  state            jsonb NOT NULL,
  version          bigint NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE INDEX rm_inspections_campaign_idx ON rm_inspections (campaign_id, district_code);
CREATE INDEX rm_inspections_subject_idx ON rm_inspections (subject_id);

-- one row per problem on the list: self-correction problems and enforcement rectification orders
CREATE TABLE rm_problems (
  id             uuid PRIMARY KEY,
  source         text NOT NULL,            -- self-correction | enforcement
  source_id      uuid NOT NULL,            -- the self-inspection's subject id or the inspection id
  campaign_id    uuid NOT NULL,
  district_code  text NOT NULL,
  subject_id     uuid NOT NULL,
  subject_type   text NOT NULL,
  item_code      text NOT NULL,
  description    text NOT NULL,
  measure        text NOT NULL,
  deadline       date NOT NULL,
  responsible    text,
  status         text NOT NULL,            -- open | rectified | verified (overdue is computed at query time)
  evidence       jsonb,
  verification   jsonb,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);
CREATE INDEX rm_problems_campaign_idx ON rm_problems (campaign_id, district_code, deadline);
CREATE INDEX rm_problems_source_idx ON rm_problems (source_id);

CREATE TABLE rm_findings (
  inspection_id  uuid NOT NULL,
  item_code      text NOT NULL,
  campaign_id    uuid NOT NULL,
  district_code  text NOT NULL,
  subject_id     uuid NOT NULL,
  subject_type   text NOT NULL,
  manifestation  text NOT NULL,
  PRIMARY KEY (inspection_id, item_code)
);
CREATE INDEX rm_findings_campaign_idx ON rm_findings (campaign_id, district_code);

CREATE TABLE rm_penalties (
  id             uuid PRIMARY KEY,
  inspection_id  uuid NOT NULL,
  campaign_id    uuid NOT NULL,
  district_code  text NOT NULL,
  subject_id     uuid NOT NULL,
  subject_type   text NOT NULL,
  kind           text NOT NULL,
  item_code      text NOT NULL,
  amount_cny     numeric(14, 2),
  recorded_at    timestamptz NOT NULL
);
CREATE INDEX rm_penalties_campaign_idx ON rm_penalties (campaign_id, district_code);

CREATE TABLE rm_subject_timeline (
  subject_id      uuid NOT NULL,
  global_position bigint NOT NULL,
  PRIMARY KEY (subject_id, global_position)
);
