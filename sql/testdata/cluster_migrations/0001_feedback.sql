-- A small sharded table for TestIntegrationClusterAddColumn. Its name is
-- feedback because Render places only the schema's tables; the
-- LowCardinality column needs the cluster nodes' default profile to allow
-- it on 18.16, as the shipped facts do.
CREATE TABLE IF NOT EXISTS feedback
(
    request_id  String,
    event_id    String,
    channel     LowCardinality(String),
    csat        Int8,
    ingested_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY (request_id, event_id);
