-- Issue 20: Idempotency-Key on every POST (as Stripe defines it). The first answer to a key is kept, per principal,
-- with the request it answered (method, path and body, hashed): the same request again gets that answer and appends
-- nothing; the same key on another request is refused. Not a read model: it is not derived from the log, and rows
-- expire (IDEMPOTENCY_KEY_TTL_HOURS, default 24).

CREATE TABLE idempotency_keys (
  principal     text NOT NULL,
  key           text NOT NULL,
  fingerprint   bytea NOT NULL,
  -- null while the first request runs; it holds the key until locked_until (a process that died lets it go)
  status        integer,
  headers       jsonb,
  body          bytea,
  locked_until  timestamptz NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);
