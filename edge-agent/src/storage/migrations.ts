/**
 * Schema migrations, keyed on SQLite's `user_version`. Each entry moves the schema from version
 * i to i+1 and runs in its own transaction, so an upgrade migrates the outbox in place and an
 * interrupted upgrade leaves the previous version intact. Never edit a shipped migration; append.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: outbox, ledger, idempotency.
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

  -- Every index here is written by each sale, so there are as few as the queries need: the
  -- commit's fsync and the WAL checkpoints grow with the pages a transaction dirties.
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'acked', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    acked_region TEXT,
    acked_at INTEGER,
    replicated_at INTEGER,
    dead_reason TEXT
  ) STRICT;
  CREATE INDEX outbox_unreplicated ON outbox (seq) WHERE state = 'acked' AND replicated_at IS NULL;

  CREATE TABLE offline_card_tenders (
    tender_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    currency TEXT NOT NULL,
    amount INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX offline_card_tenders_seq ON offline_card_tenders (seq);

  -- The ledger: one row per transaction. receipt is the recorded event's JSON; state holds the
  -- lines (units returned) and tenders (amount refunded) the offline refund maths needs.
  CREATE TABLE transactions (
    seq INTEGER PRIMARY KEY,
    transaction_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('sale', 'return', 'exchange')),
    recorded_at INTEGER NOT NULL,
    currency TEXT NOT NULL,
    total INTEGER NOT NULL,
    receipt TEXT NOT NULL,
    state TEXT NOT NULL
  ) STRICT;

  CREATE TABLE refunds (
    refund_transaction_id TEXT NOT NULL,
    original_transaction_id TEXT NOT NULL,
    tender_id TEXT NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL
  ) STRICT;
  CREATE INDEX refunds_original ON refunds (original_transaction_id);

  CREATE TABLE idempotency (
    key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    response TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX idempotency_created ON idempotency (created_at);
  `,
  // 2: gaps the cloud reports for this register, for the queue screen and resends.
  `
  CREATE TABLE cloud_gaps (
    region TEXT NOT NULL,
    from_seq INTEGER NOT NULL,
    to_seq INTEGER NOT NULL,
    reported_at INTEGER NOT NULL,
    PRIMARY KEY (region, from_seq)
  ) STRICT;
  `,
  // 3: the event JSON is stored once, in the outbox; the ledger row is small and keyed by its
  // transaction id (WITHOUT ROWID), so a sale writes one ledger page instead of a row page plus a
  // unique-index page, and no second copy of the receipt. receipt holds the event JSON only once
  // the outbox row is pruned (retention moves it there); rows whose outbox row is already gone
  // keep theirs here. state is NULL while it is what the receipt says with nothing returned yet.
  `
  CREATE TABLE ledger (
    transaction_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('sale', 'return', 'exchange')),
    recorded_at INTEGER NOT NULL,
    currency TEXT NOT NULL,
    total INTEGER NOT NULL,
    receipt TEXT,
    state TEXT
  ) STRICT, WITHOUT ROWID;
  INSERT INTO ledger (transaction_id, seq, kind, recorded_at, currency, total, receipt, state)
    SELECT t.transaction_id, t.seq, t.kind, t.recorded_at, t.currency, t.total,
      CASE WHEN EXISTS (SELECT 1 FROM outbox o WHERE o.seq = t.seq) THEN NULL ELSE t.receipt END,
      t.state
    FROM transactions t;
  DROP TABLE transactions;
  ALTER TABLE ledger RENAME TO transactions;
  `,
  // 4: the sync engine's alerts (dead letters, conflicts, refused resends), the newest kept, so the
  // store manager still sees them after the agent restarts.
  `
  CREATE TABLE sync_alerts (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('conflict', 'rejected_resend', 'dead_letter')),
    seq INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    reason TEXT NOT NULL
  ) STRICT;
  `,
  // 5: wrong manager PINs in a row and the lock they lead to, kept here so a restart does not
  // hand a guesser a fresh set of tries.
  `
  CREATE TABLE manager_lockouts (
    manager_id TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    locked_until INTEGER
  ) STRICT, WITHOUT ROWID;
  `,
  // 6: the short receipt number a person types or scans (shared/src/receipts/receipt-number.ts),
  // found by its index. Partial: only sales have one, so returns write no index page. Sales
  // recorded before it have none (their payload has none either) and are found by transaction id.
  `
  ALTER TABLE transactions ADD COLUMN receipt_number TEXT;
  CREATE UNIQUE INDEX transactions_receipt_number ON transactions (receipt_number) WHERE receipt_number IS NOT NULL;
  `,
  // 7: offline gift card and store credit redemptions (risk/offline-stored-value-limits.ts), joined
  // to the outbox like offline_card_tenders. Agents before this made the table themselves with this
  // very statement, so IF NOT EXISTS: on their databases this keeps the table and its rows.
  `
  CREATE TABLE IF NOT EXISTS offline_stored_value_tenders (
    tender_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('gift_card', 'store_credit')),
    currency TEXT NOT NULL,
    amount INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    approved_by TEXT
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS offline_stored_value_tenders_seq ON offline_stored_value_tenders (seq);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
