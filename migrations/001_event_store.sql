-- Event store: the only source of truth.
--
-- Ordering invariant used by every reader that must not skip events (subscriptions, the auditors' log):
--   for any two appending transactions A and B, xid(A) < xid(B)  <=>  every position of A < every position of B.
-- rectify_append() holds it by assigning the transaction id and reserving the positions inside one short
-- critical section (a session-level advisory lock released before the row writes and the commit), as the
-- very first thing the transaction does. A reader then only returns events whose transaction id is below the
-- xmin of its snapshot (all such transactions have finished), in position order: no transaction that is still
-- in flight can own a position below anything returned, so nothing that commits late is ever skipped.

CREATE SEQUENCE events_position_seq AS bigint MINVALUE 1 CACHE 1;

CREATE TABLE streams (
  stream_id   text PRIMARY KEY,
  version     bigint NOT NULL,
  last_hash   bytea NOT NULL,
  updated_at  timestamptz NOT NULL
);

CREATE TABLE events (
  global_position bigint PRIMARY KEY,
  event_id        uuid NOT NULL UNIQUE,
  stream_id       text NOT NULL,
  stream_version  bigint NOT NULL,
  type            text NOT NULL,
  schema_version  int NOT NULL,
  data            jsonb NOT NULL,
  metadata        jsonb NOT NULL,
  actor           text NOT NULL,
  correlation_id  uuid NOT NULL,
  causation_id    uuid,
  recorded_at     timestamptz NOT NULL,
  transaction_id  xid8 NOT NULL,
  hash            bytea NOT NULL,
  CONSTRAINT events_stream_version_uq UNIQUE (stream_id, stream_version)
);

CREATE INDEX events_type_idx ON events (type, global_position);
CREATE INDEX events_recorded_at_idx ON events (recorded_at);
CREATE INDEX events_stream_prefix_idx ON events (stream_id text_pattern_ops, global_position);

-- The canonical text whose SHA-256 (after the previous hash of the stream) is the event's hash.
-- Keys in code-point order, no white space; data and metadata arrive already canonical from the writer,
-- which checks that ids, stream ids and types are plain ASCII (so to_json and JSON.stringify agree).
CREATE FUNCTION rectify_event_canonical(
  p_data text, p_event_id uuid, p_position bigint, p_metadata text, p_recorded_at timestamptz,
  p_schema_version int, p_stream_id text, p_stream_version bigint, p_type text
) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT '{"data":' || p_data
      || ',"eventId":' || to_json(p_event_id::text)::text
      || ',"globalPosition":' || p_position::text
      || ',"metadata":' || p_metadata
      || ',"recordedAt":"' || to_char(p_recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"'
      || ',"schemaVersion":' || p_schema_version::text
      || ',"streamId":' || to_json(p_stream_id)::text
      || ',"streamVersion":' || p_stream_version::text
      || ',"type":' || to_json(p_type)::text
      || '}'
$$;

-- Append events to one stream in one round trip.
-- p_mode: 'exact' (p_expected = current version, 0 = no stream), 'no-stream', 'stream-exists', 'any'.
-- Errors: SQLSTATE 'RX409' wrong expected version (DETAIL: actual version), 'RX410' event ids reused
-- elsewhere. Re-appending the same event ids to the same stream in the same order returns the original
-- result with idempotent = true.
CREATE FUNCTION rectify_append(
  p_stream_id text, p_mode text, p_expected bigint,
  p_ids uuid[], p_types text[], p_schema_versions int[], p_data text[], p_metadata text[],
  p_actors text[], p_correlation_ids uuid[], p_causation_ids uuid[]
) RETURNS TABLE (next_version bigint, first_position bigint, last_position bigint, recorded_at timestamptz,
                 idempotent boolean)
LANGUAGE plpgsql AS $$
DECLARE
  n int := coalesce(array_length(p_ids, 1), 0);
  v_found int; v_min_version bigint; v_max_version bigint; v_min_pos bigint; v_max_pos bigint;
  v_same_stream boolean; v_in_order boolean; v_recorded timestamptz;
  v_xid xid8; v_first bigint; v_current bigint; v_hash bytea; v_exists boolean;
  v_positions bigint[] := '{}'; v_versions bigint[] := '{}'; v_hashes bytea[] := '{}';
  i int;
BEGIN
  IF n = 0 THEN
    RAISE EXCEPTION 'no events to append' USING ERRCODE = '22023';
  END IF;

  -- Idempotency: the same event ids already stored (a retried request) give back the original result.
  SELECT count(*), min(e.stream_version), max(e.stream_version), min(e.global_position), max(e.global_position),
         bool_and(e.stream_id = p_stream_id), min(e.recorded_at)
    INTO v_found, v_min_version, v_max_version, v_min_pos, v_max_pos, v_same_stream, v_recorded
    FROM events e WHERE e.event_id = ANY (p_ids);
  IF v_found > 0 THEN
    SELECT bool_and(e.stream_version = v_min_version + (t.ord - 1)) INTO v_in_order
      FROM unnest(p_ids) WITH ORDINALITY AS t(id, ord) JOIN events e ON e.event_id = t.id;
    IF v_found = n AND v_same_stream AND v_max_version - v_min_version + 1 = n AND v_in_order THEN
      RETURN QUERY SELECT v_max_version, v_min_pos, v_max_pos, v_recorded, true;
      RETURN;
    END IF;
    RAISE EXCEPTION 'event ids already used by other appends' USING ERRCODE = 'RX410';
  END IF;

  -- Ordering invariant (see the top of this file): transaction id and positions under one short lock.
  BEGIN
    PERFORM pg_advisory_lock(7526648396121073000);
    v_xid := pg_current_xact_id();
    v_first := nextval('events_position_seq');
    IF n > 1 THEN
      PERFORM setval('events_position_seq', v_first + n - 1);
    END IF;
    PERFORM pg_advisory_unlock(7526648396121073000);
  EXCEPTION WHEN OTHERS THEN
    PERFORM pg_advisory_unlock(7526648396121073000);
    RAISE;
  END;

  SELECT s.version, s.last_hash INTO v_current, v_hash FROM streams s WHERE s.stream_id = p_stream_id FOR UPDATE;
  v_exists := FOUND;
  IF NOT v_exists THEN
    v_current := 0;
    v_hash := ''::bytea;
  END IF;

  IF (p_mode = 'exact' AND v_current <> p_expected)
     OR (p_mode = 'no-stream' AND v_exists)
     OR (p_mode = 'stream-exists' AND NOT v_exists) THEN
    RAISE EXCEPTION 'wrong expected version for stream %', p_stream_id
      USING ERRCODE = 'RX409', DETAIL = v_current::text;
  END IF;
  IF p_mode NOT IN ('exact', 'no-stream', 'stream-exists', 'any') THEN
    RAISE EXCEPTION 'unknown expected-version mode %', p_mode USING ERRCODE = '22023';
  END IF;

  IF NOT v_exists THEN
    -- Claim the stream. A concurrent creator makes this a conflict for every mode but 'any'
    -- (for 'any' we wait for it and chain onto its events).
    INSERT INTO streams (stream_id, version, last_hash, updated_at)
      VALUES (p_stream_id, 0, ''::bytea, now()) ON CONFLICT (stream_id) DO NOTHING;
    IF NOT FOUND THEN
      IF p_mode <> 'any' THEN
        SELECT s.version INTO v_current FROM streams s WHERE s.stream_id = p_stream_id;
        RAISE EXCEPTION 'wrong expected version for stream %', p_stream_id
          USING ERRCODE = 'RX409', DETAIL = coalesce(v_current, 0)::text;
      END IF;
      SELECT s.version, s.last_hash INTO v_current, v_hash FROM streams s WHERE s.stream_id = p_stream_id FOR UPDATE;
    END IF;
  END IF;

  v_recorded := date_trunc('milliseconds', now());
  FOR i IN 1..n LOOP
    v_positions := v_positions || (v_first + i - 1);
    v_versions := v_versions || (v_current + i);
    v_hash := sha256(v_hash || convert_to(rectify_event_canonical(
      p_data[i], p_ids[i], v_first + i - 1, p_metadata[i], v_recorded, p_schema_versions[i],
      p_stream_id, v_current + i, p_types[i]), 'UTF8'));
    v_hashes := v_hashes || v_hash;
  END LOOP;

  INSERT INTO events (global_position, event_id, stream_id, stream_version, type, schema_version, data, metadata,
                      actor, correlation_id, causation_id, recorded_at, transaction_id, hash)
  SELECT t.pos, t.id, p_stream_id, t.ver, t.typ, t.sv, t.dat::jsonb, t.met::jsonb, t.act, t.cor, t.cau,
         v_recorded, v_xid, t.h
    FROM unnest(v_positions, p_ids, v_versions, p_types, p_schema_versions, p_data, p_metadata, p_actors,
                p_correlation_ids, p_causation_ids, v_hashes)
         AS t(pos, id, ver, typ, sv, dat, met, act, cor, cau, h);

  UPDATE streams SET version = v_current + n, last_hash = v_hash, updated_at = v_recorded
   WHERE stream_id = p_stream_id;

  RETURN QUERY SELECT v_current + n, v_first, v_first + n - 1, v_recorded, false;
END;
$$;

-- Projections: one checkpoint row per named projection, written in the same transaction as its read model.
CREATE TABLE projection_checkpoints (
  name        text PRIMARY KEY,
  position    bigint NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
