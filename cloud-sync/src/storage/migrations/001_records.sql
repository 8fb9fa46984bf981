-- The region's log: every record it holds, in local ingest order (pos). Register events and, later,
-- records the cloud itself derives (reconciliation results) share it, so replication and the feed
-- read one ordered stream. body is the record's canonical JSON, byte for byte as hashed.
CREATE TABLE records (
  pos bigserial PRIMARY KEY,
  record_id uuid NOT NULL UNIQUE,
  kind text NOT NULL CHECK (kind IN ('event', 'tender_result')),
  origin_region text NOT NULL,
  ingested_at timestamptz NOT NULL DEFAULT now(),
  content_hash text NOT NULL,
  body text NOT NULL,
  store_id text NOT NULL,
  register_id text,
  seq bigint,
  event_type text,
  subject_event_id uuid,
  tender_id text
);

-- A (store, register, seq) belongs to one event: reuse by another eventId is a conflict.
CREATE UNIQUE INDEX records_register_seq ON records (store_id, register_id, seq) WHERE kind = 'event';

-- One reconciliation result per tender, whichever instance or region decided it.
CREATE UNIQUE INDEX records_tender_result ON records (subject_event_id, tender_id) WHERE kind = 'tender_result';

-- How far each register's sequence is complete here.
CREATE TABLE register_state (
  store_id text NOT NULL,
  register_id text NOT NULL,
  contiguous_seq bigint NOT NULL DEFAULT 0,
  max_seq bigint NOT NULL DEFAULT 0,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, register_id)
);

-- Access tokens, kept only as SHA-256 hashes: a token is shown once, when it is created.
CREATE TABLE tokens (
  token_hash text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('store', 'consumer', 'admin', 'region')),
  store_id text,
  region_name text,
  label text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'store') = (store_id IS NOT NULL)),
  CHECK ((kind = 'region') = (region_name IS NOT NULL))
);

-- Per-store ingest outcomes per minute, for anomaly rules shared by every instance.
CREATE TABLE ingest_outcomes (
  store_id text NOT NULL,
  minute timestamptz NOT NULL,
  accepted bigint NOT NULL DEFAULT 0,
  duplicates bigint NOT NULL DEFAULT 0,
  conflicts bigint NOT NULL DEFAULT 0,
  rejected bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (store_id, minute)
);
