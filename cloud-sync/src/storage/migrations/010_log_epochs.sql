-- A log's epoch: its identity, changed whenever its history may have been rewound (a restore, a
-- database that lost its tail). Positions are only comparable within one history: an epoch
-- shares the positions up to its starts_after with the one before it, and no more. The newest
-- row (highest n) is the current epoch.
CREATE TABLE log_epochs (
  n integer PRIMARY KEY,
  epoch text NOT NULL UNIQUE,
  starts_after bigint NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  reason text NOT NULL
);

INSERT INTO log_epochs (n, epoch, starts_after, reason)
VALUES (1, substr(md5(random()::text || clock_timestamp()::text), 1, 12), 0, 'the log was created');

-- A peer's cursor names the epoch it was read in and the record at it, so a peer whose log was
-- rewound is found out. healed_epoch: the epoch of this log in which the peer's whole log was
-- last pulled, records that came from here included (after a rewind, that is how it heals).
ALTER TABLE peer_cursors ADD COLUMN epoch text;

ALTER TABLE peer_cursors ADD COLUMN cursor_record text;

ALTER TABLE peer_cursors ADD COLUMN healed_epoch text;
