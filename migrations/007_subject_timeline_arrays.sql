-- Issue 6: a subject's timeline as one row of log positions rather than one row per position. A rebuild wrote a
-- million index entries into rm_subject_timeline for a million events; one row per subject, its positions
-- appended in log order, is a sixth of the rows and of the index. The rows are carried over, so the projection's
-- checkpoint stays valid.

CREATE TABLE rm_subject_timeline_arrays (
  subject_id uuid PRIMARY KEY,
  -- ascending: each batch appends its positions, and batches are applied in log order
  positions  bigint[] NOT NULL
);
INSERT INTO rm_subject_timeline_arrays (subject_id, positions)
  SELECT subject_id, array_agg(global_position ORDER BY global_position) FROM rm_subject_timeline GROUP BY subject_id;
DROP TABLE rm_subject_timeline;
ALTER TABLE rm_subject_timeline_arrays RENAME TO rm_subject_timeline;
ALTER INDEX rm_subject_timeline_arrays_pkey RENAME TO rm_subject_timeline_pkey;
