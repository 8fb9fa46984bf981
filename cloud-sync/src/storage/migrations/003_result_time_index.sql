-- The decline-rate rule reads recent reconciliation results every jobs round: index them by time
-- so it never scans the whole log.
CREATE INDEX records_results_by_time ON records (ingested_at) WHERE kind = 'tender_result';
