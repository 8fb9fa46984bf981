-- Replication: how far this region has pulled each peer's log, and what each peer holds per register.
CREATE TABLE peer_cursors (
  peer text PRIMARY KEY,
  cursor bigint NOT NULL DEFAULT 0,
  peer_head bigint NOT NULL DEFAULT 0,
  lag_events bigint NOT NULL DEFAULT 0,
  pending_since timestamptz,
  last_success_at timestamptz,
  last_attempt_at timestamptz,
  last_error text
);

CREATE TABLE peer_watermarks (
  peer text NOT NULL,
  store_id text NOT NULL,
  register_id text NOT NULL,
  contiguous_seq bigint NOT NULL,
  PRIMARY KEY (peer, store_id, register_id)
);

-- Since when a register has had a gap above contiguousSeq (null: none), for the gap-age rule.
ALTER TABLE register_state ADD COLUMN gap_since timestamptz;

-- Jobs that follow the local log by position (the ledger indexer), one cursor each.
CREATE TABLE job_cursors (
  job text PRIMARY KEY,
  cursor bigint NOT NULL DEFAULT 0
);

-- The merged ledger, derived from events: every tender paid, every refund slice paid back.
CREATE TABLE sale_tenders (
  transaction_id text NOT NULL,
  tender_id text NOT NULL,
  event_id uuid NOT NULL,
  store_id text NOT NULL,
  tender_type text NOT NULL,
  amount bigint NOT NULL,
  currency text NOT NULL,
  PRIMARY KEY (transaction_id, tender_id)
);

CREATE TABLE refund_lines (
  return_event_id uuid NOT NULL,
  line_no integer NOT NULL,
  return_transaction_id text NOT NULL,
  store_id text NOT NULL,
  original_transaction_id text NOT NULL,
  tender_id text NOT NULL,
  amount bigint NOT NULL,
  currency text NOT NULL,
  occurred_at timestamptz NOT NULL,
  PRIMARY KEY (return_event_id, line_no)
);
CREATE INDEX refund_lines_original ON refund_lines (original_transaction_id);

-- Original transactions whose refunds must be re-checked (a refund or the sale itself arrived).
CREATE TABLE refund_checks (
  transaction_id text PRIMARY KEY,
  marked_at timestamptz NOT NULL DEFAULT now()
);

-- Offline card tenders waiting for the processor's details. owner_region: the one region that
-- looks this tender up (the others take over only when it is long overdue).
CREATE TABLE reconcile_work (
  event_id uuid NOT NULL,
  tender_id text NOT NULL,
  transaction_id text NOT NULL,
  store_id text NOT NULL,
  terminal_txn_id text NOT NULL,
  amount bigint NOT NULL,
  currency text NOT NULL,
  card_token text NOT NULL,
  last4 text NOT NULL,
  occurred_at timestamptz NOT NULL,
  owner_region text NOT NULL,
  first_seen timestamptz NOT NULL DEFAULT now(),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'details_from_register')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz,
  last_outcome text,
  PRIMARY KEY (event_id, tender_id)
);
CREATE INDEX reconcile_work_due ON reconcile_work (next_attempt_at) WHERE status = 'pending';

-- Problems surfaced to people: reconciliation outcomes, over-refunds, anomalies. One row per key.
CREATE TABLE exceptions (
  exception_key text PRIMARY KEY,
  kind text NOT NULL,
  store_id text,
  subject text NOT NULL,
  detail text NOT NULL,
  raised_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  occurrences integer NOT NULL DEFAULT 1
);
CREATE INDEX exceptions_kind ON exceptions (kind, raised_at);
