-- The values the catalog's exact percentiles sort, per row of the daily
-- rollup (issue [5/7], docs/queries.md "Percentiles from the rollup"):
-- samples[i] holds the values of the i-th (value, condition) of the
-- catalog's quantileExactIf KPIs (reply, on-site and resolve hours) over
-- the row's requests. A percentile of a group is the exact quantile of its
-- days' values put together, so a year's median reads these arrays instead
-- of ten million request states with FINAL. The builds before this column
-- were of another digest (metrics.rollupDigest covers the samples), so no
-- query reads their empty arrays.
ALTER TABLE kpi_rollup ADD COLUMN samples Array(Array(Float64)) AFTER sums
