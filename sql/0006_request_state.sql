-- The SLA state of every service request, derived from its events, its feedback
-- and the contract terms in force when it was opened (package sla rebuilds a
-- request's row whenever one of its events arrives, late ones included). Every
-- KPI of the catalog (package metrics) is one aggregate over these rows,
-- grouped by the request's cohort (the local date it was opened) and
-- attributes. One row per request: ReplacingMergeTree keeps the newest
-- computation, readers use FINAL. A request appears only once its
-- request_created event is known. The partition (month of opened_date) can
-- still change, rarely: a corrected request_created, or a contract in another
-- time zone loaded after the request was first built. The refresher then
-- deletes the row left in the old partition (sla.Refresher, ALTER … DELETE),
-- since FINAL never collapses rows across partitions.
--
-- Business hours (*_bh) are measured on the contract's calendar and support
-- window, minus clock pauses; deadlines (*_due) are UTC instants, so a breach
-- of an open request is visible "now" by comparing a due time with the query's
-- as-of time, without recomputing anything. Epoch 0 means "not happened".
CREATE TABLE IF NOT EXISTS request_state
(
    request_id          String,
    contract_id         LowCardinality(String),
    partner_id          LowCardinality(String),
    channel             LowCardinality(String),
    region              LowCardinality(String),
    product_serial      String,
    product_model       LowCardinality(String),
    customer_ref        String,
    terms_from          DateTime('UTC'),
    opened_at           DateTime('UTC'),
    opened_date         Date,
    status              LowCardinality(String),
    cancelled_at        DateTime('UTC'),
    paused_since        DateTime('UTC'),
    paused_bh           Float64,

    replied_at          DateTime('UTC'),
    reply_due           DateTime('UTC'),
    reply_bh            Float64,
    onsite_at           DateTime('UTC'),
    onsite_due          DateTime('UTC'),
    onsite_bh           Float64,
    resolved_at         DateTime('UTC'),
    resolve_bh          Float64,
    closed_at           DateTime('UTC'),

    visits              UInt16,
    certified_visits    UInt16,
    first_visit_fix     UInt8,
    reopened            UInt8,
    planned_follow_up   UInt8,
    repeat_within_30d   UInt8,
    is_repeat           UInt8,

    part_due            Array(DateTime('UTC')),
    part_delivered_at   Array(DateTime('UTC')),
    part_from_stock     Array(UInt8),

    cause               LowCardinality(String),
    warranty            LowCardinality(String),
    parts_fee           Decimal(18, 2),
    labour_fee          Decimal(18, 2),

    csat                Int8,
    nps                 Int8,
    ces                 Int8,
    complaints          UInt16,
    complaint_category  Array(String),
    complaint_close_bh  Array(Float64),

    events              UInt32,
    computed_at         DateTime('UTC')
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMM(opened_date)
ORDER BY request_id;

-- When each refresh ran and up to which ingest time it looked: the next refresh
-- starts from the newest watermark (minus a safety margin).
CREATE TABLE IF NOT EXISTS state_refreshes
(
    refreshed_at DateTime('UTC'),
    watermark    DateTime('UTC'),
    requests     UInt64
)
ENGINE = MergeTree
ORDER BY refreshed_at
