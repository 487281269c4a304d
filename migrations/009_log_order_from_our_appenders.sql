-- The log's order waits only for our own appends (issue 18).
--
-- Positions stay what they were: position = xid × 65536 + index of the event in its append, so every position,
-- cursor, checkpoint and hash already handed out stays valid. What changes is the bound a reader stops at.
-- Before, it was the snapshot's xmin × 65536: every transaction of the whole Postgres server holding an xid (in
-- any database, appending or not) held every reader back. Now it is computed from our appenders alone:
--
--   1. An append takes a transaction-level advisory lock (key RECTIFY_APPENDER = 1919247220, the backend's pid)
--      before its transaction has an xid, and keeps it until commit or rollback. So a transaction that holds an
--      xid and not that lock never appends (rectify_position_base() refuses an append after another write).
--   2. A reader takes its snapshot S (the statement's), then looks at the lock table. For every xid x in flight in
--      S (pg_snapshot_xip):
--        - x is still running and holds no appender lock: it never appends; the reader may pass it (unless a fresh
--          snapshot shows it completed with events: caught between leaving the snapshot and releasing its locks);
--        - x is an appender still in flight: the reader stops below x × 65536;
--        - x has ended since S was taken: S cannot see what it committed, so the reader asks a fresh snapshot
--          (rectify_xid_appended) whether x left events; if it did, the reader stops below x × 65536 for this read.
--          On a busy server some transaction always ends between a snapshot and the look: treating every one of
--          them as a possible appender starved readers; a fresh look at the events tells the two apart.
--      With none of those, it stops at S's xmax × 65536: every transaction that gets an xid later has xid ≥ xmax.
--
-- So an event that commits late is still never skipped, and nothing but our own appends still in flight (and, for
-- one read, an append that committed between the snapshot and the look) holds a reader back.

CREATE OR REPLACE FUNCTION rectify_position_base() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF pg_current_xact_id_if_assigned() IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM pg_locks
        WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND classid = 1919247220::oid
          AND objid = pg_backend_pid()::oid AND objsubid = 2) THEN
    RAISE EXCEPTION 'an append must be the first write of its transaction (it already holds an xid)'
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  PERFORM pg_advisory_xact_lock(1919247220, pg_backend_pid());
  RETURN pg_current_xact_id()::text::bigint * 65536;
END;
$$;

-- Whether transaction x, which showed no lock, may hold or have committed events: asked in one statement with a
-- snapshot of its own, taken now (VOLATILE, read committed). x completed before that snapshot: it sees whatever x
-- committed, so the answer is whether x left events. x not completed (it got its xid just before the reader's look
-- and had not yet entered it in the lock table; it may be an appender): yes. Under another isolation level there is no
-- fresh snapshot to ask, and the answer is yes (the reader stops below x, as it must when it cannot tell).
CREATE FUNCTION rectify_xid_appended(x bigint) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RETURN true;
  END IF;
  RETURN CASE WHEN pg_visible_in_snapshot(x::text::xid8, pg_current_snapshot())
              THEN EXISTS (SELECT 1 FROM events WHERE global_position >= x * 65536 AND global_position < (x + 1) * 65536)
              ELSE true END;
END;
$$;

-- Whether transaction x has completed (by a snapshot taken now) and left events: one seen running without an
-- appender lock is passed unless this holds (it may have been caught releasing its locks at commit).
CREATE FUNCTION rectify_xid_committed_events(x bigint) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RETURN true;
  END IF;
  RETURN pg_visible_in_snapshot(x::text::xid8, pg_current_snapshot())
     AND EXISTS (SELECT 1 FROM events WHERE global_position >= x * 65536 AND global_position < (x + 1) * 65536);
END;
$$;

-- STABLE: it sees the calling statement's snapshot, the one the reader's rows come from. Call it once per
-- statement (as an uncorrelated subquery or a materialized CTE): a bound that moved within one scan could pass a row
-- below another. PL/pgSQL so that its plans are cached per session (a SQL function's body is planned at every call).
CREATE OR REPLACE FUNCTION rectify_safe_position() RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
  snap pg_snapshot := pg_current_snapshot();
  xip bigint[];
  bound bigint;
BEGIN
  SELECT array_agg(x::text::bigint) INTO xip FROM pg_snapshot_xip(snap) AS x;
  IF xip IS NOT NULL THEN
    -- one look at the lock table: every transaction running now with an xid (32-bit there), and whether it holds an
    -- appender lock in this database
    WITH running AS (
      SELECT max(l.transactionid::text::bigint) FILTER (WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock') AS xid,
             bool_or(l.locktype = 'advisory' AND l.classid = 1919247220::oid AND l.objsubid = 2
                     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS appender
        FROM pg_locks l WHERE l.granted GROUP BY l.virtualtransaction
    )
    SELECT min(x.x) INTO bound
      FROM unnest(xip) AS x(x)
      LEFT JOIN (SELECT xid, appender FROM running WHERE xid IS NOT NULL) r ON r.xid = x.x % 4294967296
     WHERE CASE WHEN r.appender THEN true
                -- shown running without an appender lock: passed while it is still running. At commit a transaction
                -- leaves the snapshot (ProcArray) first and releases its locks one by one after: a look in between
                -- can see its xid lock without its appender lock, so one that has completed is asked afresh too
                WHEN r.xid IS NOT NULL THEN rectify_xid_committed_events(x.x)
                ELSE rectify_xid_appended(x.x) END;
  END IF;
  RETURN 65536 * coalesce(bound, pg_snapshot_xmax(snap)::text::bigint);
END;
$$;
