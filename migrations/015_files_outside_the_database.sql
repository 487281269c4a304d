-- Issue 23: evidence bytes may live outside this database (FILE_STORE_URL: an S3-compatible store), so a file no
-- longer references file_blobs (the Postgres store's own table). An upload and the sweep of unreferenced files
-- serialise per sha256 with an advisory lock instead (FilesService): a blob is removed only while no file names it,
-- and a file is recorded only while its blob is stored.
ALTER TABLE files DROP CONSTRAINT files_sha256_fkey;
