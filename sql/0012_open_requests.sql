-- The open requests of each build of the daily rollup (issue [5/7],
-- docs/queries.md "Open requests"): with every build of a month of
-- request_state, metrics.Rollups copies the states of its open requests
-- (status = 'open'), with the columns their promises are judged by. The
-- SLA dashboard's table of open promises reads a month from here while its
-- build is current (kpi_rollups, checked in the query itself), and from
-- request_state with FINAL otherwise: over a year of 10M requests it read
-- every state with FINAL to keep the few hundred thousand still open.
-- Whether a request is open depends on its rows only, not on the clock, so
-- a build's copy holds as long as its month is unchanged.
--
-- The columns are request_state's, with the same names and types
-- (metrics.OpenColumns; TestIntegrationOpenRequestsColumns compares them),
-- after the build they belong to: terms, month and version, as in
-- kpi_rollup (terms tells the builds of two catalogs apart, so that the
-- builder of one never deletes the copy a build of the other reads).
CREATE TABLE IF NOT EXISTS open_requests
(
    terms              String,
    month              UInt32,
    version            UInt64,
    request_id         String,
    contract_id        LowCardinality(String),
    partner_id         LowCardinality(String),
    channel            LowCardinality(String),
    region             LowCardinality(String),
    product_model      LowCardinality(String),
    opened_at          DateTime('UTC'),
    opened_date        Date,
    status             LowCardinality(String),
    cancelled_at       DateTime('UTC'),
    paused_since       DateTime('UTC'),
    replied_at         DateTime('UTC'),
    reply_due          DateTime('UTC'),
    onsite_at          DateTime('UTC'),
    onsite_due         DateTime('UTC'),
    resolved_at        DateTime('UTC'),
    reply_warn_50      DateTime('UTC'),
    reply_warn_75      DateTime('UTC'),
    reply_warn_hours   DateTime('UTC'),
    onsite_warn_50     DateTime('UTC'),
    onsite_warn_75     DateTime('UTC'),
    onsite_warn_hours  DateTime('UTC'),
    reply_runs_from    Array(DateTime('UTC')),
    reply_runs_to      Array(DateTime('UTC')),
    onsite_runs_from   Array(DateTime('UTC')),
    onsite_runs_to     Array(DateTime('UTC')),
    part_due           Array(DateTime('UTC')),
    part_delivered_at  Array(DateTime('UTC')),
    part_warn_50       Array(DateTime('UTC')),
    part_warn_75       Array(DateTime('UTC')),
    part_warn_hours    Array(DateTime('UTC'))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(opened_date)
ORDER BY (terms, month, version, request_id)
