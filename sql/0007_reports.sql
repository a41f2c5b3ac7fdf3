-- Published reports and improvement actions (contract chapters 9.3 and 11,
-- package reports). Plain types only, so the tables work on ClickHouse 18.16
-- and on current ClickHouse.

-- The values a report showed when it was published: one row per KPI and
-- scope ('all', or a partner id for the partner-level values). Rows are only
-- ever added: a period published twice keeps both, so a later report can show
-- each KPI as first reported (the earliest published_at) beside its restated
-- value. value is NaN where the report had no data.
CREATE TABLE IF NOT EXISTS report_values
(
    report_id    String,
    period       String,                 -- "2026-09", "2026-Q3", "2026"
    kpi          String,                 -- catalog id (metrics.Catalog)
    scope        String,                 -- 'all' or a partner id
    value        Float64,
    published_at DateTime('UTC')
)
ENGINE = MergeTree
ORDER BY (period, scope, kpi, published_at);

-- Improvement actions of clause 11.4: who improves which KPI by when. The
-- baseline is the KPI's value (over all partners) for baseline_period when
-- the action was added; reports judge the action against it.
CREATE TABLE IF NOT EXISTS improvement_actions
(
    id              String,
    kpi             String,
    owner           String,
    due             Date,
    note            String,
    created_at      DateTime('UTC'),
    baseline_period String,
    baseline        Float64             -- NaN when there was no data
)
ENGINE = MergeTree
ORDER BY (created_at, id);
