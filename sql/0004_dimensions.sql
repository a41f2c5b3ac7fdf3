-- Dimension tables. Rows are versioned by updated_at: the newest version of a key
-- wins (ReplacingMergeTree); contracts are further versioned by effective_from so
-- that changed terms never rewrite the SLA outcome of older requests.
CREATE TABLE IF NOT EXISTS partners
(
    partner_id   String,
    name         String,
    kind         LowCardinality(String),
    region       LowCardinality(String),
    active       UInt8,
    updated_at   DateTime('UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY partner_id;

CREATE TABLE IF NOT EXISTS products
(
    product_model  String,
    name           String,
    category       LowCardinality(String),
    warranty_years UInt8,
    updated_at     DateTime('UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY product_model;

CREATE TABLE IF NOT EXISTS contracts
(
    contract_id      String,
    effective_from   DateTime('UTC'),
    name             String,
    response_hours   Float64,
    onsite_hours     Float64,
    parts_days       Float64,
    warranty_years   UInt8,
    calendar         LowCardinality(String),
    timezone         String,
    support_window   String,
    terms_json       String,
    updated_at       DateTime('UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (contract_id, effective_from)
