-- A register's own credential: bound to its store and its register, so a stolen or cloned register
-- cannot write another register's seqs. A store-wide token remains for tooling.
ALTER TABLE tokens ADD COLUMN register_id text;

ALTER TABLE tokens DROP CONSTRAINT tokens_kind_check;

ALTER TABLE tokens ADD CONSTRAINT tokens_kind_check CHECK (kind IN ('store', 'register', 'consumer', 'admin', 'region'));

ALTER TABLE tokens DROP CONSTRAINT tokens_check;

ALTER TABLE tokens ADD CONSTRAINT tokens_store_check CHECK ((kind IN ('store', 'register')) = (store_id IS NOT NULL));

ALTER TABLE tokens ADD CONSTRAINT tokens_register_check CHECK ((kind = 'register') = (register_id IS NOT NULL));
