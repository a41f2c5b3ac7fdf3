-- Two small tables that let a refresh cycle cost what changed, not what is
-- stored (issue [5/7], docs/refresh.md). The refresher used to find its work
-- by scanning the fact tables on columns outside their sort key: each
-- cycle read ingested_at of every event and feedback row, and each lookup
-- of the requests on a product serial read product_serial of every event,
-- so a cycle with 1,000 changed requests cost more with every month stored.
-- Both tables are fed by materialized views, so every writer (ingest,
-- import, a hand-made INSERT) keeps them current, and both are additive: the
-- fact tables are not re-sorted.

-- Requests by product serial, from their creation events: the repeat-repair
-- rule (clause 5.1) compares the requests on one serial, so a refresh of a
-- request rebuilds its serial's other requests too.
CREATE TABLE IF NOT EXISTS request_serials
(
    product_serial String,
    request_id     String
)
ENGINE = ReplacingMergeTree
ORDER BY (product_serial, request_id);

-- The view first, then the copy of what is already stored: a row inserted
-- in between reaches the table twice, which ReplacingMergeTree and the
-- readers' DISTINCT absorb; none is missed.
CREATE MATERIALIZED VIEW IF NOT EXISTS request_serials_feed TO request_serials AS
SELECT product_serial, request_id FROM service_events
WHERE event_type = 'request_created' AND product_serial != '';

INSERT INTO request_serials (product_serial, request_id)
SELECT product_serial, request_id FROM service_events
WHERE event_type = 'request_created' AND product_serial != '';

-- Which requests got rows when: one row per request and ingest instant of
-- each insert. Sorted by that instant, so "what changed since the last
-- refresh" reads only the newest rows. It only grows (a fifth to a third
-- as many rows as the fact tables, of two narrow columns); a month's partition no refresh will read again can be dropped
-- by hand (ALTER TABLE request_changes DROP PARTITION 202601).
CREATE TABLE IF NOT EXISTS request_changes
(
    ingested_at DateTime('UTC'),
    request_id  String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ingested_at)
ORDER BY (ingested_at, request_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS request_changes_events TO request_changes AS
SELECT DISTINCT ingested_at, request_id FROM service_events;

CREATE MATERIALIZED VIEW IF NOT EXISTS request_changes_feedback TO request_changes AS
SELECT DISTINCT ingested_at, request_id FROM feedback;

-- What the next refresh may still have to read: rows ingested up to a day
-- before the last refresh's watermark (the refresher re-reads a minute
-- before it). A database never refreshed copies everything: its watermark
-- is epoch 0, and "ingested_at + 86400 >=" is written so, since epoch 0
-- minus a day would wrap around to 2106 (DateTime is unsigned).
INSERT INTO request_changes (ingested_at, request_id)
SELECT DISTINCT ingested_at, request_id FROM service_events
WHERE ingested_at + 86400 >= (SELECT max(watermark) FROM state_refreshes);

INSERT INTO request_changes (ingested_at, request_id)
SELECT DISTINCT ingested_at, request_id FROM feedback
WHERE ingested_at + 86400 >= (SELECT max(watermark) FROM state_refreshes);
