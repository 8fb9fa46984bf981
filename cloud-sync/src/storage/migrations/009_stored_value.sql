-- Stored value (#18): gift cards and store credit. Accounts and their append-only entries are
-- derived from the replicated log (stored-value/stored-value-indexer.ts), so every region holds
-- the same; holds are this region's own (online authorisations at a register).
-- Never a card or credit number: accounts are named by their token (a keyed hash) and last four.
CREATE TABLE sv_accounts (
  token text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('gift_card', 'store_credit')),
  last4 text NOT NULL,
  currency text NOT NULL,
  -- false for an account known only from redemptions of events recorded before the ledger (a legacy token).
  issued boolean NOT NULL DEFAULT false
);

-- One row per entry, `eventId:part` its idempotency key; amount signed (issue, load, refund add; redeem, void take).
CREATE TABLE sv_entries (
  entry_id text PRIMARY KEY,
  token text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('issue', 'load', 'redeem', 'refund', 'void')),
  amount bigint NOT NULL,
  currency text NOT NULL,
  event_id uuid NOT NULL,
  store_id text NOT NULL,
  register_id text NOT NULL,
  occurred_at text NOT NULL,
  online boolean NOT NULL,
  -- Redemptions: the transaction and tender (a refund finds its account by them) and the hold captured.
  transaction_id text,
  tender_id text,
  hold_id text
);
CREATE INDEX sv_entries_token ON sv_entries (token);
CREATE INDEX sv_entries_tender ON sv_entries (transaction_id, tender_id) WHERE transaction_id IS NOT NULL;

-- Refunds to a gift card or store credit tender whose redemption is not in the ledger yet (it may
-- arrive later, from another register or region).
CREATE TABLE sv_pending_refunds (
  entry_id text PRIMARY KEY,
  original_transaction_id text NOT NULL,
  tender_id text NOT NULL,
  amount bigint NOT NULL,
  currency text NOT NULL,
  event_id uuid NOT NULL,
  store_id text NOT NULL,
  register_id text NOT NULL,
  occurred_at text NOT NULL
);

CREATE TABLE sv_holds (
  hold_id text PRIMARY KEY,
  token text NOT NULL,
  store_id text NOT NULL,
  register_id text NOT NULL,
  amount bigint NOT NULL,
  currency text NOT NULL,
  -- canonical JSON of what was asked (store, register, account, amount): a retry must match it.
  content text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  released_at timestamptz,
  -- The redemption that captured it (its entry is in sv_entries): it no longer counts as held.
  captured_entry_id text
);
CREATE INDEX sv_holds_live ON sv_holds (token) WHERE released_at IS NULL AND captured_entry_id IS NULL;
