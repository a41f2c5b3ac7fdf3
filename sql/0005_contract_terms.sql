-- Every term of every version of every service contract, as loaded by
-- `servicepulse contracts load FILE` (package contracts). One row per
-- (contract_id, effective_from): a version applies to the requests OPENED at or
-- after effective_from, until the next version of the same contract, so
-- changing a contract adds a version and never rewrites the SLA outcome of
-- requests opened under the old terms. Reloading a version replaces it: the row
-- with the newest updated_at wins (ReplacingMergeTree); readers use FINAL.
-- Plain types only (no Map, Bool, JSON or LowCardinality), so that the same
-- table works on ClickHouse 18.16 and on current ClickHouse: KPI-keyed
-- overrides are two parallel arrays, keys sorted, e.g.
--   target_values[indexOf(target_kpis, 'reply_sla_rate')]  (0 when absent).
CREATE TABLE IF NOT EXISTS contract_terms
(
    contract_id          String,
    effective_from       DateTime('UTC'),
    name                 String,
    response_hours       Float64,        -- clause 2.3.1 reply, business hours of the contract clock
    onsite_hours         Float64,        -- clause 2.3.1 on site / remote done, business hours
    parts_days           Float64,        -- clause 3.2.2, calendar days (24 h periods) from the part request
    warranty_years       UInt8,          -- clause 4.1
    extension_years      UInt8,          -- clause 4.4
    calendar             String,         -- prc | mon-fri | 24x7
    support_window       String,         -- HH:MM-HH:MM or 24h, local time of timezone
    timezone             String,         -- IANA name
    pause_reasons        Array(String),  -- clock_paused reasons that stop the SLA clock
    fee_call_out         Decimal(18, 2), -- clause 6.x, out of warranty only
    fee_hourly           Decimal(18, 2),
    parts_markup_percent Decimal(18, 2),
    target_kpis          Array(String),  -- KPI id → target override (clause 11.2)
    target_values        Array(Float64),
    weight_kpis          Array(String),  -- KPI id → evaluation weight override (clause 11.2)
    weight_values        Array(Float64),
    updated_at           DateTime('UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (contract_id, effective_from)
