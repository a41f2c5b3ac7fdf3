// Package reports builds the periodic evaluation report of contract chapters
// 9.3, 10.2 and 11: a plain Report value computed from the KPI catalog
// (package metrics) for a calendar period — month, quarter or year — with
// trends over the previous periods, breaches by clause, the partner ranking
// and the cause mix. Rendering (HTML, Arrow, Parquet) works from that value
// only, so every output shows the same numbers.
package reports
