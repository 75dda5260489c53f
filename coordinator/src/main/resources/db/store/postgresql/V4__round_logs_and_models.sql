-- FactoryFL coordinator store, schema 4 (PostgreSQL): the jobs' round logs and the model
-- versions live in the database too, so coordinators of an active/standby pair share no disk
-- (docs/durability.md). A round log is one row per line (its record number, seq, from 1) and
-- one row for its signed head; a model is its configuration plus its parameters (little-endian
-- float32) cut into chunks of at most 1 MiB.
CREATE TABLE round_log_lines (
  job_id TEXT   NOT NULL,
  seq    BIGINT NOT NULL,
  line   BYTEA  NOT NULL,
  PRIMARY KEY (job_id, seq)
);

CREATE TABLE round_log_heads (
  job_id TEXT NOT NULL PRIMARY KEY,
  head   TEXT NOT NULL
);

CREATE TABLE models (
  hash            TEXT    NOT NULL PRIMARY KEY,
  configuration   TEXT    NOT NULL,
  parameter_bytes BIGINT  NOT NULL,
  chunks          INTEGER NOT NULL
);

CREATE TABLE model_chunks (
  hash  TEXT    NOT NULL REFERENCES models (hash),
  chunk INTEGER NOT NULL,
  data  BYTEA   NOT NULL,
  PRIMARY KEY (hash, chunk)
);
