-- Anomaly exceptions (gaps, silent stores, lag…) describe a condition: when a run of the rules no
-- longer finds it, it is marked resolved rather than left open forever. Raising it again reopens it.
ALTER TABLE exceptions ADD COLUMN resolved_at timestamptz;

CREATE INDEX exceptions_open ON exceptions (kind) WHERE resolved_at IS NULL;
