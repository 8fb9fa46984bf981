-- Returns anywhere (#17): every sale, exchange and online order in the log is a returnable
-- original, whichever register, store, channel or region recorded it.
CREATE TABLE ledger_originals (
  transaction_id text PRIMARY KEY,
  -- normalizeReceiptNumber() of the receipt number, or null (sales recorded before receipt numbers).
  receipt_number text,
  kind text NOT NULL CHECK (kind IN ('sale', 'exchange', 'order')),
  event_id uuid NOT NULL,
  store_id text NOT NULL,
  register_id text NOT NULL,
  channel text,
  -- As the register recorded it (ISO-8601 with its offset).
  occurred_at text NOT NULL,
  currency text NOT NULL
);
CREATE INDEX ledger_originals_receipt ON ledger_originals (receipt_number) WHERE receipt_number IS NOT NULL;

CREATE TABLE ledger_original_lines (
  transaction_id text NOT NULL,
  line_no integer NOT NULL,
  sku text NOT NULL,
  description text NOT NULL,
  quantity integer NOT NULL,
  unit_price bigint NOT NULL,
  tax bigint NOT NULL,
  currency text NOT NULL,
  PRIMARY KEY (transaction_id, line_no)
);

-- Tenders masked: never a card number, never a gift card's number or token.
CREATE TABLE ledger_original_tenders (
  transaction_id text NOT NULL,
  tender_no integer NOT NULL,
  tender_id text NOT NULL,
  tender_type text NOT NULL,
  amount bigint NOT NULL,
  currency text NOT NULL,
  card_brand text,
  card_last4 text,
  card_token text,
  processor_ref text,
  gift_card_last4 text,
  PRIMARY KEY (transaction_id, tender_id)
);

-- Units every return and exchange in the log took back. original_ref is the item's
-- originalTransactionId as sent (a transaction id, or a receipt number for an unverified return);
-- original_norm is it normalised as a receipt number.
CREATE TABLE returned_units (
  return_event_id uuid NOT NULL,
  item_no integer NOT NULL,
  original_ref text NOT NULL,
  original_norm text NOT NULL,
  sku text NOT NULL,
  quantity integer NOT NULL,
  PRIMARY KEY (return_event_id, item_no)
);
CREATE INDEX returned_units_ref ON returned_units (original_ref);
CREATE INDEX returned_units_norm ON returned_units (original_norm);

-- Short holds on an original's remaining units and refundable amounts while a return is recorded.
CREATE TABLE return_reservations (
  return_event_id text PRIMARY KEY,
  -- The same id as the ledger holds it (a UUID, lower case), or null: then it never reaches the ledger.
  event_uuid uuid,
  store_id text NOT NULL,
  register_id text NOT NULL,
  -- Canonical JSON of what is held: the same id asked again must hold the same.
  content text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE TABLE return_reservation_units (
  return_event_id text NOT NULL,
  transaction_id text NOT NULL,
  sku text NOT NULL,
  quantity integer NOT NULL,
  PRIMARY KEY (return_event_id, transaction_id, sku)
);
CREATE INDEX return_reservation_units_original ON return_reservation_units (transaction_id);

CREATE TABLE return_reservation_refunds (
  return_event_id text NOT NULL,
  transaction_id text NOT NULL,
  tender_id text NOT NULL,
  amount bigint NOT NULL,
  currency text NOT NULL,
  PRIMARY KEY (return_event_id, transaction_id, tender_id)
);
CREATE INDEX return_reservation_refunds_original ON return_reservation_refunds (transaction_id);

-- Returns refunded to store credit without their original, and what the cloud made of them.
CREATE TABLE unverified_returns (
  return_event_id uuid PRIMARY KEY,
  transaction_id text NOT NULL,
  store_id text NOT NULL,
  register_id text NOT NULL,
  occurred_at text NOT NULL,
  refund_amount bigint NOT NULL,
  currency text NOT NULL,
  approved_by text,
  status text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'verified', 'mismatch')),
  reason text,
  checked_at timestamptz
);
CREATE INDEX unverified_returns_store ON unverified_returns (store_id, status);

CREATE TABLE unverified_return_items (
  return_event_id uuid NOT NULL,
  item_no integer NOT NULL,
  original_ref text NOT NULL,
  original_norm text NOT NULL,
  sku text NOT NULL,
  quantity integer NOT NULL,
  refund_amount bigint NOT NULL,
  currency text NOT NULL,
  PRIMARY KEY (return_event_id, item_no)
);
CREATE INDEX unverified_return_items_ref ON unverified_return_items (original_ref);
CREATE INDEX unverified_return_items_norm ON unverified_return_items (original_norm);

-- A region whose log was indexed before this migration learns the originals, returned units and
-- unverified returns of those records too: the indexer re-reads them, for the returns ledger only,
-- up to where it had got (ledger-indexer.ts, backfillReturns). A fresh region has nothing to re-read.
INSERT INTO job_cursors (job, cursor) SELECT 'returns_backfill_end', cursor FROM job_cursors WHERE job = 'ledger' AND cursor > 0;
