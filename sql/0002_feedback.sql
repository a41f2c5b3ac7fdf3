-- Fact table of customer feedback (topic servicepulse.feedback): surveys and
-- complaints. Ratings not given are -1. Same idempotence scheme as service_events.
CREATE TABLE IF NOT EXISTS feedback
(
    event_id           String,
    event_type         LowCardinality(String),
    schema_version     UInt8,
    occurred_at        DateTime('UTC'),
    request_id         String,
    contract_id        LowCardinality(String),
    partner_id         LowCardinality(String),
    customer_ref       String,
    csat               Int8,
    nps                Int8,
    ces                Int8,
    complaint_id       String,
    complaint_category LowCardinality(String),
    complaint_severity LowCardinality(String),
    has_comment        UInt8,
    src_topic          LowCardinality(String),
    src_partition      Int32,
    src_offset         Int64,
    ingested_at        DateTime('UTC')
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYear(occurred_at)
ORDER BY (request_id, event_id)
