-- FactoryFL coordinator store, schema 3 (SQLite): the transcript of each job's open
-- secure-aggregation session (a serialised SecureSessionTranscript), so that a restarted
-- coordinator carries the session on (docs/durability.md). At most one row per job.
CREATE TABLE job_secure_sessions (
  job_id        TEXT   NOT NULL PRIMARY KEY REFERENCES jobs (job_id),
  transcript    BLOB   NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
