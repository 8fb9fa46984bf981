-- Order channels (an online shop recording its orders) get credentials of their own: kind
-- 'channel', bound like a register's to a store (the channel's own, e.g. 'online') and a
-- register id (the channel instance that numbers its events, e.g. 'web-1').
ALTER TABLE credentials DROP CONSTRAINT credentials_kind_check;

ALTER TABLE credentials ADD CONSTRAINT credentials_kind_check CHECK (kind IN ('store', 'register', 'consumer', 'admin', 'region', 'channel'));

ALTER TABLE tokens DROP CONSTRAINT tokens_kind_check;

ALTER TABLE tokens ADD CONSTRAINT tokens_kind_check CHECK (kind IN ('store', 'register', 'consumer', 'admin', 'region', 'channel'));

ALTER TABLE tokens DROP CONSTRAINT tokens_store_check;

ALTER TABLE tokens ADD CONSTRAINT tokens_store_check CHECK ((kind IN ('store', 'register', 'channel')) = (store_id IS NOT NULL));

ALTER TABLE tokens DROP CONSTRAINT tokens_register_check;

ALTER TABLE tokens ADD CONSTRAINT tokens_register_check CHECK ((kind IN ('register', 'channel')) = (register_id IS NOT NULL));
