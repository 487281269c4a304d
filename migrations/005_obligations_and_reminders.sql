-- Issue 5: obligations derived from the log, the reminders sent for them (the inbox), and the scheduler's own
-- record of the queue jobs it planned. The rm_* tables are read models (rebuildable); reminder_sync is not:
-- it only saves the scheduler a queue scan, and a full reconcile rewrites it.

ALTER TABLE rm_campaigns
  ADD COLUMN reminder_schedule jsonb NOT NULL DEFAULT '{"daysBefore":[7,1,0],"overdueAfterDays":1,"at":"09:00"}';

-- what the obligations projection needs to know of campaigns and subjects, kept by itself
CREATE TABLE rm_obligation_campaigns (
  campaign_id    uuid PRIMARY KEY,
  districts      text[] NOT NULL,
  deadlines      jsonb NOT NULL,
  schedule       jsonb NOT NULL
);
CREATE TABLE rm_obligation_subjects (
  subject_id     uuid PRIMARY KEY,
  campaign_id    uuid NOT NULL,
  subject_type   text NOT NULL,
  district_code  text NOT NULL,
  active         boolean NOT NULL
);
CREATE INDEX rm_obligation_subjects_campaign_idx ON rm_obligation_subjects (campaign_id, subject_type);

-- one row per obligation: a deadline owed by one party, a problem or order owed by a subject, a public tip
CREATE TABLE rm_obligations (
  id               text PRIMARY KEY,
  campaign_id      uuid NOT NULL,
  kind             text NOT NULL,         -- deadline | problem | order | tip
  ref              text NOT NULL,         -- deadline key, problem/order id, tip id
  title            text NOT NULL,
  party            text NOT NULL,         -- city | district:<code> | subject:<uuid>
  district_code    text,
  subject_id       uuid,
  due              date NOT NULL,
  status           text NOT NULL,         -- open | fulfilled | cancelled
  fulfilled_at     timestamptz,
  sent             text[] NOT NULL DEFAULT '{}',
  revision         integer NOT NULL,      -- bumped on every change: the scheduler re-plans a changed row
  source_event_id  uuid NOT NULL,         -- the last event that changed it (causation of its reminders)
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE INDEX rm_obligations_campaign_idx ON rm_obligations (campaign_id, kind, ref);
CREATE INDEX rm_obligations_party_idx ON rm_obligations (party, status, due);
CREATE INDEX rm_obligations_district_idx ON rm_obligations (district_code, status, due);
CREATE INDEX rm_obligations_subject_idx ON rm_obligations (subject_id) WHERE subject_id IS NOT NULL;

-- the inbox: one row per reminder and recipient
CREATE TABLE rm_reminders (
  reminder_id      text NOT NULL,
  recipient        text NOT NULL,
  recipient_district text,
  obligation_id    text NOT NULL,
  campaign_id      uuid NOT NULL,
  kind             text NOT NULL,         -- reminder | overdue
  "offset"         text NOT NULL,
  obligation_kind  text NOT NULL,
  ref              text NOT NULL,
  title            text NOT NULL,
  party            text NOT NULL,
  district_code    text,
  due              date NOT NULL,
  sent_at          timestamptz NOT NULL,
  read_at          timestamptz,
  position         bigint NOT NULL,
  PRIMARY KEY (reminder_id, recipient)
);
CREATE INDEX rm_reminders_recipient_idx ON rm_reminders (recipient, sent_at DESC);
CREATE INDEX rm_reminders_district_idx ON rm_reminders (recipient_district, sent_at DESC);

-- the scheduler's plan per obligation: the revision it planned and the job ids it put in the queue
CREATE TABLE reminder_sync (
  obligation_id    text PRIMARY KEY,
  revision         integer NOT NULL,
  jobs             text[] NOT NULL
);
