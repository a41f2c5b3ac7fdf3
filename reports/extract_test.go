package reports

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"servicepulse/metrics"
)

func ptr[T any](v T) *T { return &v }

// TestExtractsReadBack writes a report's extracts and reads both files back:
// the same rows, values, nulls and restatement flags.
func TestExtractsReadBack(t *testing.T) {
	r := &Report{
		Period: Period{Label: "2026-09"},
		KPIs: []KPIValue{
			{Result: metrics.Result{ID: "reply_sla_rate", Title: "Reply SLA rate", TitleZH: "服务请求回复及时率", Unit: "percent",
				Value: ptr(75.0), Target: ptr(95.0), Met: ptr(false)}, Reported: ptr(50.0), Restated: true},
			{Result: metrics.Result{ID: "cause_misuse_share", Title: "Faults from user misuse", Unit: "percent"}}, // no data, no target
		},
		Partners: []PartnerRank{{PartnerID: "PT-A", Score: ptr(79.6)}},
	}
	base := filepath.Join(t.TempDir(), "report-2026-09")
	paths, err := WriteExtracts(base, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 {
		t.Fatalf("wrote %v", paths)
	}

	f, err := os.Open(base + ".arrow")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ar, err := ipc.NewFileReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer ar.Close()
	rec, err := ar.Record(0)
	if err != nil {
		t.Fatal(err)
	}
	checkExtract(t, "arrow", rec)

	pf, err := file.OpenParquetFile(base+".parquet", false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	pr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := pr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	tr := array.NewTableReader(tbl, -1)
	defer tr.Release()
	if !tr.Next() {
		t.Fatal("parquet file has no rows")
	}
	checkExtract(t, "parquet", tr.Record())
}

func checkExtract(t *testing.T, which string, rec arrow.Record) {
	t.Helper()
	if rec.NumRows() != 3 || rec.Schema().NumFields() != ExtractSchema.NumFields() {
		t.Fatalf("%s: %d rows, schema %v", which, rec.NumRows(), rec.Schema())
	}
	for i, f := range ExtractSchema.Fields() { // Parquet adds field-id metadata; names and types must match
		if g := rec.Schema().Field(i); g.Name != f.Name || !arrow.TypeEqual(g.Type, f.Type) {
			t.Errorf("%s: column %d is %s %s, want %s %s", which, i, g.Name, g.Type, f.Name, f.Type)
		}
	}
	col := func(name string) arrow.Array {
		idx := rec.Schema().FieldIndices(name)
		return rec.Column(idx[0])
	}
	kpi := col("kpi").(*array.String)
	value := col("value").(*array.Float64)
	target := col("target").(*array.Float64)
	met := col("met").(*array.Boolean)
	reported := col("reported_value").(*array.Float64)
	restated := col("restated").(*array.Boolean)
	scope := col("scope").(*array.String)
	if kpi.Value(0) != "reply_sla_rate" || value.Value(0) != 75 || target.Value(0) != 95 || met.Value(0) ||
		reported.Value(0) != 50 || !restated.Value(0) || col("clause").(*array.String).Value(0) != "2.3.1" ||
		col("title_zh").(*array.String).Value(0) != "服务请求回复及时率" {
		t.Errorf("%s row 0 wrong", which)
	}
	if !value.IsNull(1) || !target.IsNull(1) || !met.IsNull(1) || !reported.IsNull(1) || restated.Value(1) {
		t.Errorf("%s row 1: a KPI without data must be nulls", which)
	}
	if scope.Value(2) != "PT-A" || kpi.Value(2) != "evaluation_score" || value.Value(2) != 79.6 {
		t.Errorf("%s row 2: partner score wrong", which)
	}
}
