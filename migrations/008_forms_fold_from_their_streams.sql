-- Issue 6: a self-inspection or an inspection is served folded from its own stream (as a command is decided
-- against it), no longer from a copy of its state kept in the read model. The copy was 1.3 KB of jsonb per form,
-- written again on every event of the form: in a rebuild of 1,000,000 events, 270 MB of JSON that Node had to
-- format and Postgres to parse, store and log, a fifth of the rebuild's time. The rows keep the columns that lists
-- filter, order and count by, and the stream version the read model has reached: a form is folded up to that
-- version, so what is served still moves with the read model. Dropping the columns loses nothing: the log holds it.

ALTER TABLE rm_self_inspections DROP COLUMN state;
ALTER TABLE rm_inspections DROP COLUMN state;
