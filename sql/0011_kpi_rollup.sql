-- The daily rollup of the catalog's additive KPIs (issue [5/7],
-- docs/queries.md "The daily rollup"): per opening date and group, the sums
-- that every rate, mean, share and count of the catalog is made of, built
-- from request_state one month at a time (metrics.Rollups). A dashboard over
-- a year then adds up a few thousand rows a day instead of reading ten
-- million request states with FINAL. A query reads a month from here only
-- while its build is current (kpi_rollups, checked in the query itself);
-- every other month it reads from request_state, so the numbers never
-- depend on the rollup being kept up to date.

-- One row per build, opening date and group. terms is a digest of the
-- catalog's sums (sums[i] is the i-th of them), so a binary with another
-- catalog never reads a build of this one. version tells builds apart;
-- valid_until is the first instant recorded in the group's states that was
-- still ahead when it was built.
CREATE TABLE IF NOT EXISTS kpi_rollup
(
    terms         String,
    month         UInt32,
    version       UInt64,
    opened_date   Date,
    contract_id   LowCardinality(String),
    partner_id    LowCardinality(String),
    product_model LowCardinality(String),
    region        LowCardinality(String),
    channel       LowCardinality(String),
    sums          Array(Float64),
    valid_until   DateTime('UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(opened_date)
ORDER BY (terms, month, version, opened_date);

-- The newest build of each month: what request_state's partition held when
-- it was built (its highest block number and mutation), the as-of instant
-- of its sums (built_at) and until when they hold (valid_until).
CREATE TABLE IF NOT EXISTS kpi_rollups
(
    terms       String,
    month       UInt32,
    version     UInt64,
    built_at    DateTime('UTC'),
    blocks      Int64,
    mutation    UInt64,
    valid_until DateTime('UTC'),
    groups      UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (terms, month);
