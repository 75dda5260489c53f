-- FactoryFL coordinator store, schema 1 (PostgreSQL): jobs, their events and their strategy state.
CREATE TABLE jobs (
  job_id          TEXT    NOT NULL PRIMARY KEY,
  ordinal         BIGINT  NOT NULL UNIQUE,
  name            TEXT    NOT NULL,
  spec_json       TEXT    NOT NULL,
  spec_hash       TEXT    NOT NULL,
  submitted_by    TEXT    NOT NULL,
  submitted_at_ms BIGINT  NOT NULL,
  checkpoint_json TEXT    NOT NULL,
  updated_at_ms   BIGINT  NOT NULL
);

CREATE TABLE job_events (
  job_id   TEXT   NOT NULL REFERENCES jobs (job_id),
  sequence BIGINT NOT NULL,
  event    BYTEA  NOT NULL,
  PRIMARY KEY (job_id, sequence)
);

CREATE TABLE job_arrays (
  job_id TEXT    NOT NULL REFERENCES jobs (job_id),
  round  INTEGER NOT NULL,
  name   TEXT    NOT NULL,
  data   BYTEA   NOT NULL,
  PRIMARY KEY (job_id, round, name)
);
