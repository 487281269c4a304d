-- Issue 6: webhook subscriptions (a read model of their streams), their signing secrets (credentials, kept out
-- of the log), and the outbox: one delivery per (subscription, event) with its attempts.

CREATE TABLE rm_webhook_subscriptions (
  id                uuid PRIMARY KEY,
  url               text NOT NULL,
  event_types       jsonb NOT NULL,
  districts         jsonb NOT NULL,
  description       text NOT NULL,
  enabled           boolean NOT NULL,
  disabled_reason   text,
  owner             text NOT NULL,
  secret_id         text NOT NULL,
  -- events at or before this position are not delivered unless replayed
  created_position  bigint NOT NULL,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  version           bigint NOT NULL
);

-- Secrets are credentials, not facts: the log records only their ids (and fingerprints).
CREATE TABLE webhook_secrets (
  subscription_id   uuid NOT NULL,
  secret_id         text NOT NULL,
  secret            text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  -- null while current; a rotated-out secret still signs until then
  expires_at        timestamptz,
  PRIMARY KEY (subscription_id, secret_id)
);

-- The outbox. Not a read model: it holds what was attempted, so a rebuild never touches it.
CREATE TABLE webhook_deliveries (
  subscription_id   uuid NOT NULL,
  event_id          uuid NOT NULL,
  global_position   bigint NOT NULL,
  stream_id         text NOT NULL,
  event_type        text NOT NULL,
  status            text NOT NULL,         -- pending | delivered | failed | cancelled
  attempts          integer NOT NULL DEFAULT 0,
  -- bumped by a manual redelivery or a replay: a new job for the same webhook-id
  round             integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  last_attempt_at   timestamptz,
  last_status       integer,
  last_error        text,
  delivered_at      timestamptz,
  PRIMARY KEY (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_order_idx ON webhook_deliveries (subscription_id, stream_id, global_position)
  WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (subscription_id, global_position);

CREATE TABLE webhook_attempts (
  id                bigserial PRIMARY KEY,
  subscription_id   uuid NOT NULL,
  event_id          uuid NOT NULL,
  attempted_at      timestamptz NOT NULL,
  status_code       integer,
  latency_ms        integer NOT NULL,
  error             text,
  response_snippet  text
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (subscription_id, event_id, id);

-- When a subscription started failing (null once a delivery succeeds): three days of it disables it.
CREATE TABLE webhook_health (
  subscription_id   uuid PRIMARY KEY,
  failing_since     timestamptz,
  last_success_at   timestamptz
);
