-- Fact table of service-request lifecycle events (topic servicepulse.service-records).
-- One row per event_id. ReplacingMergeTree collapses redelivered copies of an
-- event (same sorting key) at merge time; readers that must not double-count use
-- FINAL or GROUP BY event_id (see README, "Exactly-once by idempotence").
-- Partitioned by the year the event happened, so a redelivered copy always lands
-- in the same partition as the original and can be collapsed. Yearly, not
-- monthly: every insert writes one part per partition it touches, and on 18.16
-- a batch spanning five months took 2-4x longer to insert than the same batch
-- in one yearly partition (measured, see BENCHMARKS.md).
-- Sorted by request: the SLA state of a request is rebuilt from all its events,
-- looked up by request_id; KPI queries read the derived per-request state, not
-- these rows.
CREATE TABLE IF NOT EXISTS service_events
(
    event_id             String,
    event_type           LowCardinality(String),
    schema_version       UInt8,
    occurred_at          DateTime('UTC'),
    request_id           String,
    contract_id          LowCardinality(String),
    partner_id           LowCardinality(String),
    channel              LowCardinality(String),
    region               LowCardinality(String),
    product_serial       String,
    product_model        LowCardinality(String),
    purchase_date        Date,
    customer_ref         String,
    technician_id        String,
    technician_certified UInt8,
    visit_no             UInt16,
    planned_follow_up    UInt8,
    part_line_id         String,
    part_no              String,
    part_quantity        UInt16,
    part_from_stock      UInt8,
    cause                LowCardinality(String),
    warranty             LowCardinality(String),
    parts_fee            Decimal(18, 2),
    labour_fee           Decimal(18, 2),
    currency             LowCardinality(String),
    pause_reason         LowCardinality(String),
    reopen_reason        String,
    has_note             UInt8,
    src_topic            LowCardinality(String),
    src_partition        Int32,
    src_offset           Int64,
    ingested_at          DateTime('UTC')
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYear(occurred_at)
ORDER BY (request_id, event_id)
