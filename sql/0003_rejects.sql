-- Messages that failed validation, one row per Kafka offset. The payload is the
-- redacted form (personal data masked); the original bytes are in the DLQ topic,
-- sealed with the PII key, findable by payload_sha256. Keyed by the source offset
-- so a redelivered reject collapses into one row; no partitioning by time, so two
-- copies rejected on different days still collapse.
CREATE TABLE IF NOT EXISTS rejects
(
    src_topic      LowCardinality(String),
    src_partition  Int32,
    src_offset     Int64,
    reason         LowCardinality(String),
    detail         String,
    payload        String,
    payload_size   UInt32,
    payload_sha256 String,
    rejected_at    DateTime('UTC')
)
ENGINE = ReplacingMergeTree(rejected_at)
ORDER BY (src_topic, src_partition, src_offset)
