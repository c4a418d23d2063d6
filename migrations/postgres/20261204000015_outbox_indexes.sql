-- A report's card rows found by the report (the sweep asks for every open report).
-- json_extract is the function of migration 1 (immutable, so it may index).
CREATE INDEX outbox_card ON outbox (json_extract(payload, '$.report')) WHERE kind = 'reports.card';
-- Old rows pruned by when they ended.
CREATE INDEX outbox_done ON outbox (done_at) WHERE done_at IS NOT NULL;
