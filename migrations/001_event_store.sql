-- Event store: the only source of truth.
--
-- Global positions come from the appending transaction's id: position = xid * 65536 + index of the event in
-- the transaction (rectify_position_base()). So for any two appending transactions A and B,
--   xid(A) < xid(B)  <=>  every position of A < every position of B,
-- by construction, with no lock and no sequence. A reader that must never skip an event (subscriptions,
-- projections, the auditors' log) returns only positions below rectify_safe_position(): the xmin of its
-- snapshot times 65536. Every transaction below xmin has finished; one still in flight has xid >= xmin, so
-- every position it may yet commit lies above anything already returned. An event that commits after a
-- later-numbered one is therefore never skipped; it is only held back until the older transaction ends.
-- Positions are increasing and sparse (gaps are normal, as with any sequence).

CREATE FUNCTION rectify_position_base() RETURNS bigint LANGUAGE sql VOLATILE AS $$
  SELECT pg_current_xact_id()::text::bigint * 65536
$$;

CREATE FUNCTION rectify_safe_position() RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint * 65536
$$;

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
  hash            bytea NOT NULL,
  CONSTRAINT events_stream_version_uq UNIQUE (stream_id, stream_version)
);

CREATE INDEX events_type_idx ON events (type, global_position);
CREATE INDEX events_recorded_at_idx ON events (recorded_at);
CREATE INDEX events_stream_prefix_idx ON events (stream_id text_pattern_ops, global_position);

-- The canonical text whose SHA-256 (after the previous hash of the stream) is the event's hash.
-- Keys in code-point order, no white space; data and metadata arrive already canonical from the writer,
-- which checks that ids, stream ids and types are plain ASCII (so to_json and JSON.stringify agree).
-- The recorded time and the stream id come preformatted (rectify_time_text, to_json) once per append.
CREATE FUNCTION rectify_event_canonical(
  p_data text, p_event_id uuid, p_position bigint, p_metadata text, p_recorded_at text,
  p_schema_version int, p_stream_id_json text, p_stream_version bigint, p_type text
) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT '{"data":' || p_data
      || ',"eventId":"' || p_event_id::text || '"'
      || ',"globalPosition":' || p_position::text
      || ',"metadata":' || p_metadata
      || ',"recordedAt":"' || p_recorded_at || '"'
      || ',"schemaVersion":' || p_schema_version::text
      || ',"streamId":' || p_stream_id_json
      || ',"streamVersion":' || p_stream_version::text
      || ',"type":' || to_json(p_type)::text
      || '}'
$$;

-- The recorded time as the canonical JSON has it (and JavaScript's toISOString prints it).
CREATE FUNCTION rectify_time_text(p_at timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- The hash chain of one append of several events: element i is sha256(element i-1 (the stream's last hash
-- for the first) || canonical JSON of event i). One PL/pgSQL call per append, not one per event.
CREATE FUNCTION rectify_chain(previous bytea, canonicals text[]) RETURNS bytea[]
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  h bytea := previous;
  out bytea[] := '{}';
  c text;
BEGIN
  FOREACH c IN ARRAY canonicals LOOP
    h := sha256(h || convert_to(c, 'UTF8'));
    out := out || h;
  END LOOP;
  RETURN out;
END;
$$;

-- Appending is one prepared statement issued by the application (src/event-store/pg-event-store.ts): read the
-- stream's last version and hash, check the expected version, chain the hashes, insert. The unique
-- (stream_id, stream_version) index is the optimistic lock between concurrent appends to one stream.

-- Projections: one checkpoint row per named projection, written in the same transaction as its read model.
CREATE TABLE projection_checkpoints (
  name        text PRIMARY KEY,
  position    bigint NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
