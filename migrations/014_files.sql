-- Issue 23: evidence files. Content is addressed by SHA-256 and stored once in chunks (the default store: this
-- database, so the embedded default needs no other server). An upload names its bytes with a file id; events that
-- cite a file record its id, sha256, size, media type and name, and the file-references projection keeps which
-- stream cited which file (the download's scope).

CREATE TABLE file_blobs (
  sha256 text PRIMARY KEY,
  size bigint NOT NULL,
  media_type text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- chunks of a blob (sha256) or of an upload in progress ('upload:<id>'), in order
CREATE TABLE file_chunks (
  blob text NOT NULL,
  n integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (blob, n)
);

CREATE TABLE files (
  file_id uuid PRIMARY KEY,
  sha256 text NOT NULL REFERENCES file_blobs (sha256),
  name text NOT NULL,
  media_type text NOT NULL,
  size bigint NOT NULL,
  uploaded_by text NOT NULL,
  uploaded_at timestamptz NOT NULL
);
CREATE INDEX files_sha256_idx ON files (sha256);
CREATE INDEX files_unreferenced_idx ON files (uploaded_at);

-- read model (projection file-references): each citation of a file by an event
CREATE TABLE rm_file_references (
  file_id uuid NOT NULL,
  sha256 text NOT NULL,
  event_id uuid NOT NULL,
  stream_id text NOT NULL,
  subject_id uuid,
  district_code text,
  field text NOT NULL,
  PRIMARY KEY (file_id, event_id, field)
);
CREATE INDEX rm_file_references_sha_idx ON rm_file_references (sha256);
