-- FactoryFL coordinator store, schema 2 (PostgreSQL only): the lease of an active/standby pair.
-- One row per lease (name 'coordinator'): who holds it, its fencing token (one more at each
-- takeover, never reused) and until when, by the database's clock. Every write of the store locks
-- this row FOR SHARE and compares the token with the one its coordinator holds (CoordinatorLease).
-- The embedded store keeps its data-directory lock instead.
CREATE TABLE coordinator_lease (
  name        TEXT        NOT NULL PRIMARY KEY,
  holder      TEXT        NOT NULL,
  token       BIGINT      NOT NULL CHECK (token > 0),
  acquired_at TIMESTAMPTZ NOT NULL,
  renewed_at  TIMESTAMPTZ NOT NULL,
  expires_at  TIMESTAMPTZ NOT NULL
);
