-- Signed credentials: a region keeps a record of each (never the credential itself), and records
-- replicate between regions so a revocation or a rotation holds everywhere. change_seq orders the
-- changes for peers; every write takes the credential write lock, so seqs commit in order.
CREATE SEQUENCE credential_change_seq;

CREATE TABLE credentials (
  id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('store', 'register', 'consumer', 'admin', 'region')),
  store_id text,
  register_id text,
  region_name text,
  label text NOT NULL DEFAULT '',
  issued_at timestamptz NOT NULL,
  issued_by text NOT NULL,
  not_after timestamptz,
  revoked_at timestamptz,
  revoked_by text,
  change_seq bigint NOT NULL DEFAULT nextval('credential_change_seq')
);

CREATE INDEX credentials_change_seq ON credentials (change_seq);

CREATE INDEX credentials_store ON credentials (store_id, register_id);

-- Revoking a whole store: every credential of it issued before revoked_before is refused.
CREATE TABLE store_credential_cutoffs (
  store_id text PRIMARY KEY,
  revoked_before timestamptz NOT NULL,
  revoked_by text,
  change_seq bigint NOT NULL DEFAULT nextval('credential_change_seq')
);

CREATE TABLE peer_credential_cursors (
  peer text PRIMARY KEY,
  cursor bigint NOT NULL DEFAULT 0,
  last_success_at timestamptz,
  last_error text
);
