-- The values the catalog's exact percentiles sort, per row of the daily
-- rollup (issue [5/7], docs/queries.md "Percentiles from the rollup"):
-- samples_<i> holds the values the i-th of the catalog's exact percentiles
-- sorts (metrics.rollupSamples: the reply, on-site and resolve hours of
-- quantileExactIf, the complaints' close times of quantileExactArray, then
-- those of each complaint category for the complaints by category) over
-- the row's requests. A percentile of a group is the exact quantile of its
-- days' values put together, so a year's median reads these arrays instead
-- of ten million request states with FINAL. The builds before this column
-- were of another digest (metrics.rollupDigest covers the samples), so no
-- query reads their empty arrays.
--
-- One column per percentile's values (samples_<i>), not one array of
-- arrays: a year's median read the nested column of every measure, 0.16 s
-- of the 0.35 s it took over 10M requests, against 0.04 s for its own
-- column. A percentile on another measure adds a column here.
ALTER TABLE kpi_rollup ADD COLUMN samples_0 Array(Float64) AFTER sums;
ALTER TABLE kpi_rollup ADD COLUMN samples_1 Array(Float64) AFTER samples_0;
ALTER TABLE kpi_rollup ADD COLUMN samples_2 Array(Float64) AFTER samples_1;
ALTER TABLE kpi_rollup ADD COLUMN samples_3 Array(Float64) AFTER samples_2;
ALTER TABLE kpi_rollup ADD COLUMN samples_4 Array(Float64) AFTER samples_3;
ALTER TABLE kpi_rollup ADD COLUMN samples_5 Array(Float64) AFTER samples_4;
ALTER TABLE kpi_rollup ADD COLUMN samples_6 Array(Float64) AFTER samples_5;
ALTER TABLE kpi_rollup ADD COLUMN samples_7 Array(Float64) AFTER samples_6;
ALTER TABLE kpi_rollup ADD COLUMN samples_8 Array(Float64) AFTER samples_7;
ALTER TABLE kpi_rollup ADD COLUMN samples_9 Array(Float64) AFTER samples_8
