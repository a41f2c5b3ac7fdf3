package metrics

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The daily rollup (docs/queries.md, "The daily rollup"): kpi_rollup holds,
// for every opening date and group of the rollup's dimensions, the sums of
// every additive KPI of the catalog, built one month of request_state at a
// time as of the instant of the build; kpi_rollups says, per month, which
// build is the newest, what request_state held when it was built, and until
// when its as-of sums hold. A query reads from kpi_rollup the days it may
// (a few thousand rows a day instead of tens of thousands of requests) and
// the rest from request_state with FINAL, as before, and adds up both: the
// numbers are the same either way.
//
// A query may read a day from a build when all of these hold, checked in
// the query itself, so no reader depends on anyone keeping the rollup
// fresh:
//   - the build is of this catalog's sums (terms, a digest of them);
//   - request_state's month is what the build read: the partition's
//     highest block number (every insert takes a new, higher one) and its
//     highest mutation (an ALTER … DELETE) are unchanged. A merge keeps
//     both, so merging does not make a build stale;
//   - the build was made at or before the query's as-of instant and, if the
//     query reads sums that depend on that instant (an SLA rate, a breach,
//     at risk), the instant is before every groups' of the day valid_until:
//     the first instant of its states' deadlines and warnings still ahead
//     at the build. Until then no as-of sum can change. In the month being
//     worked on, the days with a promise still ahead are read from
//     request_state.
//
// On a cluster the check finds no parts of request_state (its parts are on
// the shards, under request_state_local) and so no build: every month is
// read from request_state, and the rollup is never built there. The
// queries name the rollup's database (Scope.Database), so the check runs
// the same wherever a node runs it.

// rollupDims are the columns a rollup row is grouped by: the opening date
// and the attributes every filter and grouping of the catalog names.
var rollupDims = []string{"opened_date", "contract_id", "partner_id", "product_model", "region", "channel"}

// rollupable reports whether every dimension in by is computed from
// rollupDims alone (the periods are functions of opened_date).
func rollupable(by []Dimension) bool {
	for _, d := range by {
		switch d {
		case ByPartner, ByContract, ByModel, ByRegion, ByChannel, ByDay, ByWeek, ByMonth, ByQuarter:
		default:
			return false
		}
	}
	return true
}

// rolledKPIs are the KPIs the daily rollup may hold: the catalog's, then
// those of the dashboards' panels that are not KPIs of the catalog: the
// histograms' bucket counts (Distribution.BucketKPIs), the warranty mix
// (WarrantyKPIs) and the complaints by category (ComplaintKPIs).
func rolledKPIs() []KPI {
	kpis := slices.Clone(catalog)
	for _, d := range Distributions {
		kpis = append(kpis, d.BucketKPIs()...)
	}
	kpis = append(kpis, WarrantyKPIs()...)
	return append(kpis, ComplaintKPIs()...)
}

// additives holds the additive form of each additive KPI of rolledKPIs (by
// id), and rollupTerms every sum they need, each once, in that order: the
// positions of the sums array of kpi_rollup (rollupDigest, their digest
// with the samples', tells builds of another catalog apart).
var additives, rollupTerms = func() (map[string]rolled, []string) {
	byKPI := map[string]rolled{}
	var terms []string
	index := map[string]int{}
	for _, k := range rolledKPIs() {
		if k.Expr == "" {
			continue
		}
		a, ok := splitAdditive(k.Expr)
		if !ok {
			continue
		}
		r := rolled{additive: a, pos: make([]int, len(a.Terms))}
		for i, t := range a.Terms {
			j, seen := index[t]
			if !seen {
				j = len(terms)
				index[t] = j
				terms = append(terms, t)
			}
			r.pos[i] = j
		}
		byKPI[k.ID] = r
	}
	return byKPI, terms
}()

// quantiles holds, by KPI id, each exact percentile of rolledKPIs
// (quantileExactIf(level)(value, condition), quantileExactArray(level)(array))
// that the daily rollup answers, and rollupSamples the values they sort,
// each once in that order: kpi_rollup's samples_<position>, one array
// of values per rollup row. A percentile is no sum, but the values of a
// group are the values of its days put together, so the same exact
// quantile comes out of them.
var quantiles, rollupSamples = func() (map[string]rolledQuantile, []sample) {
	byKPI := map[string]rolledQuantile{}
	var samples []sample
	for _, k := range rolledKPIs() {
		var s sample
		if m := exactQuantile.FindStringSubmatch(k.Expr); m != nil {
			value, cond, ok := splitTopComma(m[2])
			if !ok {
				continue
			}
			s = sample{value: strings.TrimSpace(value), cond: strings.TrimSpace(cond)}
		} else if m = exactArrayQuantile.FindStringSubmatch(k.Expr); m != nil {
			s = sample{value: m[2], array: true}
		} else {
			continue
		}
		j := slices.Index(samples, s)
		if j < 0 {
			j = len(samples)
			samples = append(samples, s)
		}
		byKPI[k.ID] = rolledQuantile{level: quantileLevel.FindStringSubmatch(k.Expr)[1], pos: j}
	}
	return byKPI, samples
}()

// exactArrayQuantile is a KPI expression quantileExactArray(level)(array):
// the percentile of the elements of an array column's values.
var exactArrayQuantile = regexp.MustCompile(`^quantileExactArray\(([0-9.]+)\)\((.*)\)$`)

// quantileLevel is the level of a percentile KPI's expression.
var quantileLevel = regexp.MustCompile(`^quantileExact(?:If|Array)\(([0-9.]+)\)`)

// sample is what a percentile sorts: the values of an expression over the
// requests of a condition, or (array) the elements of an array expression
// over every request.
type sample struct {
	value, cond string
	array       bool
}

// values is the aggregate of a group's values of s.
func (s sample) values() string {
	if s.array {
		return "groupArrayArray(arrayMap(x -> toFloat64(x), " + s.value + "))"
	}
	return "groupArrayIf(toFloat64(" + s.value + "), " + s.cond + ")"
}

// sampleColumn is the column of kpi_rollup holding the values of
// rollupSamples[j] (sql/0013_rollup_samples.sql declares one per sample).
func sampleColumn(j int) string { return "samples_" + strconv.Itoa(j) }

// rolledQuantile is a percentile's level and the position of its values in
// rollupSamples.
type rolledQuantile struct {
	level string
	pos   int
}

// rollupDigest is the digest of the rollup's sums and samples: a build of
// another catalog's is never read.
var rollupDigest = func() string {
	parts := slices.Clone(rollupTerms)
	for _, s := range rollupSamples {
		parts = append(parts, fmt.Sprintf("samples of %s if %s (array %t)", s.value, s.cond, s.array))
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\n")))
	return hex.EncodeToString(sum[:8])
}()

// rolled is a KPI's additive form and the position of each of its sums in
// rollupTerms.
type rolled struct {
	additive
	pos []int
}

// Additive reports whether k is a sum of the daily rollup.
func Additive(k KPI) bool { _, ok := additives[k.ID]; return ok }

// Rolled reports whether k can be read from the daily rollup: a sum, or an
// exact percentile of its samples.
func Rolled(k KPI) bool { _, ok := quantiles[k.ID]; return ok || Additive(k) }

// rollupExpr is k's value from the summed sums array s (an expression)
// holding the terms at, in that order (positions of rollupTerms).
func rollupExpr(k KPI, s string, at []int) string {
	r := additives[k.ID]
	return r.expand(func(i int) string { return s + "[" + strconv.Itoa(slices.Index(at, r.pos[i])+1) + "]" })
}

// neededTerms lists the positions in rollupTerms of the sums kpis read,
// in order: a query asks ClickHouse for those only (18.16 takes time to
// analyse each sum, whether rows are read or not: the whole catalog's cost
// 40 ms per arm of a UNION).
func neededTerms(kpis []KPI) []int {
	var at []int
	for _, k := range kpis {
		at = append(at, additives[k.ID].pos...)
	}
	slices.Sort(at)
	return slices.Compact(at)
}

// termsArray is the array of the sums at (positions of rollupTerms) of the
// requests of a group, as of asOf.
func termsArray(pos []int, asOf string) string {
	parts := make([]string, len(pos))
	for i, j := range pos {
		parts[i] = "toFloat64(" + at(rollupTerms[j], asOf) + ")"
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// allTerms is every position of rollupTerms: a build stores them all.
func allTerms() []int {
	at := make([]int, len(rollupTerms))
	for i := range at {
		at[i] = i
	}
	return at
}

// rollupTables names the rollup's tables and request_state's parts in
// database db. Its subqueries name db: on a cluster, a shard runs an IN
// subquery of a query it is sent in its own default database, which need
// not be db (it finds there kpi_rollups empty, as the rollup is not built
// on a cluster, and no part of request_state, its Distributed table).
type rollupTables struct{ db string }

func (t rollupTables) table(name string) string { return "`" + t.db + "`." + name }

// parts is, per partition of request_state, its month and what changes
// with its data: the highest block number and the highest mutation (the
// fifth field of a part's name).
func (t rollupTables) parts() string {
	return "SELECT toUInt32(partition) AS month, max(max_block_number) AS blocks, " +
		"max(toUInt64OrZero(splitByChar('_', name)[5])) AS mutation FROM system.parts " +
		"WHERE database = " + Quote(t.db) + " AND table = 'request_state' AND active GROUP BY partition"
}

// builtBuilds selects (terms, month, version) of the builds a query as of
// asOf may read: of this catalog, built at or before asOf, from the
// partition request_state holds now (see the file comment).
func (t rollupTables) builtBuilds(asOf string) string {
	return "SELECT terms, month, version FROM " + t.table("kpi_rollups") + " FINAL WHERE terms = '" + rollupDigest + "'" +
		" AND built_at <= " + asOf + " AND (month, blocks, mutation) IN (" + t.parts() + ")"
}

// currentBuilds is, for a query of sums that depend on the as-of instant
// (clock), builtBuilds whose every day holds at asOf; for one of sums that
// do not, builtBuilds: the months a query reads from the rollup alone.
func (t rollupTables) currentBuilds(asOf string, clock bool) string {
	if !clock {
		return t.builtBuilds(asOf)
	}
	return "SELECT terms, month, version FROM " + t.table("kpi_rollups") + " FINAL WHERE terms = '" + rollupDigest + "'" +
		" AND built_at <= " + asOf + " AND " + asOf + " < valid_until AND (month, blocks, mutation) IN (" + t.parts() + ")"
}

// servedDays selects the opening dates a query as of asOf reads from the
// rollup: those of a build it may read, and for sums that depend on the
// as-of instant (clock), whose every group holds at asOf. In the month being
// worked on, the days with a promise still ahead are read from
// request_state, the others from the rollup.
func (t rollupTables) servedDays(asOf string, clock bool) string {
	q := "SELECT opened_date FROM " + t.table("kpi_rollup") + " WHERE (terms, month, version) IN (" + t.builtBuilds(asOf) + ") GROUP BY opened_date"
	if clock {
		q += " HAVING min(valid_until) > " + asOf
	}
	return q
}

// staleMonths lists the months a Date can hold (1970-01 to 2149-12) whose
// build is not current, of residue k modulo liveArms: the months of
// request_state one arm reads. A positive list, since ClickHouse 18.16
// skips the partitions outside an IN set but reads those a NOT IN excludes.
// (k < 0: of every residue.)
func (t rollupTables) staleMonths(asOf string, clock bool, k int) string {
	residue := ""
	if k >= 0 {
		residue = "m % " + strconv.Itoa(liveArms) + " = " + strconv.Itoa(k) + " AND "
	}
	return "SELECT m FROM (SELECT toYYYYMM(addMonths(toDate('1970-01-01'), toInt32(number))) AS m FROM system.numbers LIMIT 2160)" +
		" WHERE " + residue + "m NOT IN (SELECT month FROM (" + t.currentBuilds(asOf, clock) + "))"
}

// DistinctSQL lists the distinct values of dimension d (a column of the
// rollup's, as DimensionExpr writes it) in request_state of database db, in
// order: a dashboard variable's choices. The months with a build read the
// values of their newest states from the rollup (a few thousand rows a
// day), the others every version of request_state's rows.
func DistinctSQL(d Dimension, db string) string {
	t := rollupTables{db}
	col := DimensionExpr(d)
	return "SELECT DISTINCT " + col + " FROM (SELECT " + col + " FROM " + t.table("kpi_rollup") + " WHERE (terms, month, version) IN (" +
		t.builtBuilds("now()") + ") UNION ALL SELECT " + col + " FROM request_state WHERE toYYYYMM(opened_date) IN (" +
		t.staleMonths("now()", false, -1) + ")) ORDER BY " + col
}

// liveArms is how many FINAL reads of request_state a query over the rollup
// makes, each of the stale months of one residue modulo liveArms: they run
// in parallel, where one FINAL runs in one thread. Their count is what
// analysing the query costs even when they read nothing (about 25 ms an arm
// for its stale set on 18.16): one arm per month, as Source reads, cost a
// dashboard's panel 0.3 s over a year with every month current, four arms
// 0.15 s, two 0.11 s. Two keep both cores of the build machine busy when
// every month is stale.
const liveArms = 2

// clockTerms reports whether any of the sums at (positions of rollupTerms)
// depends on the as-of instant.
func clockTerms(at []int) bool {
	return slices.ContainsFunc(at, func(i int) bool { return strings.Contains(rollupTerms[i], asOfPlaceholder) })
}

// clockColumns are the columns the sums that depend on the as-of instant
// read: a sum changes with the instant only when it passes one of their
// values (TestClockTermsCompareColumnsWithTheInstant), so a build's sums
// hold until the first of their instants still ahead.
var clockColumns = func() map[string]bool {
	cols := map[string]bool{}
	for _, t := range rollupTerms {
		if !strings.Contains(t, asOfPlaceholder) {
			continue
		}
		for i := 0; i < len(t); i++ {
			switch {
			case t[i] == '\'':
				if j := skipString(t, i); j > 0 {
					i = j - 1
				}
			case isIdentStart(t[i]) && (i == 0 || !isIdent(t[i-1])):
				j := i
				for j < len(t) && isIdent(t[j]) {
					j++
				}
				cols[t[i:j]] = true
				i = j - 1
			}
		}
	}
	return cols
}()

// rollupSelect is SelectSQL of the kpis read from the rollup (Rolled) over
// s, read from the daily rollup (s.Database) where its builds are current
// and, for the other months of the range (the months s.Split selects), from
// request_state with FINAL, as Source reads it. Each arm applies the cohort
// and the filters (after the FINAL) and yields the groupings with the sums
// the kpis need and the values their percentiles sort (s_<position>); the
// outer query adds the sums up and sorts the values. The terms are
// computed once over the FINAL reads (computed in each of 14 arms,
// analysing them cost 35 ms an arm), grouped by the query's groupings alone
// (grouping by every rollup dimension made a stale month 1.6 times as slow
// to read).
func rollupSelect(kpis []KPI, by []Dimension, s Scope) string {
	t := rollupTables{s.Database}
	var sums []KPI
	var samples []int // positions in rollupSamples, in order
	for _, k := range kpis {
		if q, ok := quantiles[k.ID]; ok {
			samples = append(samples, q.pos)
		} else {
			sums = append(sums, k)
		}
	}
	slices.Sort(samples)
	samples = slices.Compact(samples)
	need := neededTerms(sums)
	// The samples hold whatever the instant: the days they may come from
	// are those of the sums, if any depends on it.
	clock := clockTerms(need)
	var picked, fresh []string
	if len(need) > 0 {
		p := make([]string, len(need))
		for i, j := range need {
			p[i] = "sums[" + strconv.Itoa(j+1) + "]"
		}
		picked = append(picked, "["+strings.Join(p, ", ")+"] AS sums")
		fresh = append(fresh, termsArray(need, s.AsOf)+" AS sums")
	}
	for _, j := range samples {
		col := " AS s_" + strconv.Itoa(j)
		picked = append(picked, sampleColumn(j)+col)
		fresh = append(fresh, rollupSamples[j].values()+col)
	}
	var keys []string
	for _, d := range by {
		keys = append(keys, DimensionExpr(d)+" AS "+DimensionColumn(d))
	}
	lead := strings.Join(append(keys, ""), ", ")
	group := ""
	if len(by) > 0 {
		group = " GROUP BY " + GroupColumns(by)
	}
	served := t.servedDays(s.AsOf, clock)
	rolled := "SELECT " + lead + strings.Join(picked, ", ") + " FROM " + t.table("kpi_rollup") +
		" WHERE (terms, month, version) IN (" + t.builtBuilds(s.AsOf) + ") AND opened_date IN (" + served + ") AND " + s.Where()
	within := "((" + strings.Join(s.Split, ") OR (") + "))"
	live := make([]string, liveArms)
	for k := range live {
		live[k] = "SELECT * FROM request_state FINAL WHERE " + within + " AND toYYYYMM(opened_date) IN (" + t.staleMonths(s.AsOf, clock, k) + ")"
	}
	read := "SELECT " + lead + strings.Join(fresh, ", ") + " FROM (\n    " + strings.Join(live, "\n    UNION ALL\n    ") +
		"\n  ) WHERE " + s.Where() + " AND opened_date NOT IN (" + served + ")" + group
	var sel []string
	for _, d := range by {
		sel = append(sel, DimensionColumn(d))
	}
	levels := map[int][]string{} // the levels asked of each sample, fused in one quantilesExactArray
	for _, k := range kpis {
		if q, ok := quantiles[k.ID]; ok && !slices.Contains(levels[q.pos], q.level) {
			levels[q.pos] = append(levels[q.pos], q.level)
		}
	}
	for _, k := range kpis {
		e := ""
		if q, ok := quantiles[k.ID]; ok {
			// NaN without values, as quantileExactIf on 18.16 (current
			// ClickHouse gives zeros).
			v := "s_" + strconv.Itoa(q.pos)
			e = "if(sum(length(" + v + ")) = 0, nan, quantilesExactArray(" + strings.Join(levels[q.pos], ", ") + ")(" + v + ")[" +
				strconv.Itoa(slices.Index(levels[q.pos], q.level)+1) + "])"
		} else {
			e = rollupExpr(k, "sumForEach(sums)", need)
		}
		sel = append(sel, e+" AS k_"+k.ID)
	}
	return "SELECT " + strings.Join(sel, ",\n  ") + "\nFROM (\n  " + rolled + "\n  UNION ALL\n  " + read + "\n)" + strings.Replace(group, " ", "\n", 1)
}

// rollupBuildSQL is the INSERT of one build of month (YYYYMM) of the daily
// rollup under version, its as-of sums taken at builtAt (an SQL instant):
// one row per opening date and group, with the first instant of its states
// still ahead at builtAt (2100 when none is) among the instants its as-of
// sums compare the instant with (clockColumns). Columns names
// request_state's DateTime columns (false) and Array(DateTime) columns
// (true).
func rollupBuildSQL(month int, version uint64, builtAt string, columns map[string]bool) string {
	next := rollupNever
	for _, c := range slices.Sorted(maps.Keys(columns)) {
		if !clockColumns[c] {
			continue
		}
		ahead := "if(" + c + " >= " + builtAt + ", " + c + ", " + rollupNever + ")"
		if columns[c] {
			ahead = "if(empty(" + c + "), " + rollupNever + ", arrayReduce('min', arrayMap(x -> if(x >= " + builtAt + ", x, " + rollupNever + "), " + c + ")))"
		}
		if next == rollupNever {
			next = ahead
		} else { // least takes two arguments on 18.16
			next = "least(" + ahead + ", " + next + ")"
		}
	}
	dims := strings.Join(rollupDims, ", ")
	cols, values := []string{"sums"}, []string{termsArray(allTerms(), builtAt)}
	for j, smp := range rollupSamples {
		cols, values = append(cols, sampleColumn(j)), append(values, smp.values())
	}
	return "INSERT INTO kpi_rollup (terms, month, version, " + dims + ", " + strings.Join(cols, ", ") + ", valid_until)\n" +
		"SELECT '" + rollupDigest + "', toUInt32(" + strconv.Itoa(month) + "), toUInt64(" + strconv.FormatUint(version, 10) + "), " + dims + ",\n  " +
		strings.Join(values, ",\n  ") + ",\n  min(" + next + ")\n" +
		"FROM request_state FINAL WHERE toYYYYMM(opened_date) = " + strconv.Itoa(month) + "\nGROUP BY " + dims
}

// rollupNever is valid_until when no instant is ahead: the last DateTime.
const rollupNever = "toDateTime('2100-01-01 00:00:00', 'UTC')"
