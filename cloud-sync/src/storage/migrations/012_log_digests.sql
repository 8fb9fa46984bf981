-- The digest kept as the log grows (replication/digest.ts), so /v1/digest reads a row per register
-- instead of scanning the log: per register, its events' count and the XOR of
-- sha256('<seq>:<content_hash>') over them; per store, the same over its tender results with
-- sha256('<record_id>:<content_hash>'). XOR does not depend on order, so two regions holding the
-- same records agree whatever order they took them in, and an append only adds its own.
CREATE TABLE register_digests (
  store_id text NOT NULL,
  register_id text NOT NULL,
  events bigint NOT NULL,
  hash bit(256) NOT NULL,
  PRIMARY KEY (store_id, register_id)
);

CREATE TABLE tender_result_digests (
  store_id text PRIMARY KEY,
  results bigint NOT NULL,
  hash bit(256) NOT NULL
);

INSERT INTO register_digests (store_id, register_id, events, hash)
SELECT store_id, register_id, count(*),
  bit_xor(('x' || encode(sha256(convert_to(seq::text || ':' || content_hash, 'UTF8')), 'hex'))::bit(256))
FROM records WHERE kind = 'event' GROUP BY store_id, register_id;

INSERT INTO tender_result_digests (store_id, results, hash)
SELECT store_id, count(*),
  bit_xor(('x' || encode(sha256(convert_to(record_id::text || ':' || content_hash, 'UTF8')), 'hex'))::bit(256))
FROM records WHERE kind = 'tender_result' GROUP BY store_id;
