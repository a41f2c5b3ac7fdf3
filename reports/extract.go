package reports

import (
	"fmt"
	"os"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"servicepulse/metrics"
)

// ExtractSchema is the table analysts get, one row per KPI value of the
// report (scope "all") and per partner's evaluation score (scope = partner):
//
//	period          the report's period label: 2026-09, 2026-Q3, 2026
//	scope           "all", or a partner id for the partner scores
//	kpi             catalog id (metrics.All()), e.g. reply_sla_rate
//	title, title_zh the KPI's English and Chinese titles
//	unit, clause    as in the catalog
//	value           the value now (null: no data)
//	target          the target (null for informational KPIs)
//	met             whether value meets target (null: unknown)
//	reported_value  the value as first published for this period (null: never published)
//	restated        true when value differs from reported_value
var ExtractSchema = arrow.NewSchema([]arrow.Field{
	{Name: "period", Type: arrow.BinaryTypes.String},
	{Name: "scope", Type: arrow.BinaryTypes.String},
	{Name: "kpi", Type: arrow.BinaryTypes.String},
	{Name: "title", Type: arrow.BinaryTypes.String},
	{Name: "title_zh", Type: arrow.BinaryTypes.String},
	{Name: "unit", Type: arrow.BinaryTypes.String},
	{Name: "clause", Type: arrow.BinaryTypes.String},
	{Name: "value", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "target", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "met", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "reported_value", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "restated", Type: arrow.FixedWidthTypes.Boolean},
}, nil)

// Record lays the report's numbers out as one Arrow record (ExtractSchema).
// The caller releases it.
func Record(r *Report) arrow.Record {
	b := array.NewRecordBuilder(memory.DefaultAllocator, ExtractSchema)
	defer b.Release()
	str := func(i int, s string) { b.Field(i).(*array.StringBuilder).Append(s) }
	f64 := func(i int, v *float64) {
		if v == nil {
			b.Field(i).AppendNull()
			return
		}
		b.Field(i).(*array.Float64Builder).Append(*v)
	}
	boolean := func(i int, v *bool) {
		if v == nil {
			b.Field(i).AppendNull()
			return
		}
		b.Field(i).(*array.BooleanBuilder).Append(*v)
	}
	for _, k := range r.KPIs {
		str(0, r.Period.Label)
		str(1, "all")
		str(2, k.ID)
		str(3, k.Title)
		str(4, k.TitleZH)
		str(5, string(k.Unit))
		str(6, clauseOf(k.ID))
		f64(7, k.Value)
		f64(8, k.Target)
		boolean(9, k.Met)
		f64(10, k.Reported)
		b.Field(11).(*array.BooleanBuilder).Append(k.Restated)
	}
	for _, p := range r.Partners {
		str(0, r.Period.Label)
		str(1, p.PartnerID)
		str(2, "evaluation_score")
		str(3, "Evaluation score")
		str(4, "服务绩效评估得分")
		str(5, "score")
		str(6, clauseOf("evaluation_score"))
		f64(7, p.Score)
		b.Field(8).AppendNull()
		b.Field(9).AppendNull()
		b.Field(10).AppendNull()
		b.Field(11).(*array.BooleanBuilder).Append(false)
	}
	return b.NewRecord()
}

// WriteExtracts writes the report's numbers as base.arrow (Arrow IPC file)
// and base.parquet, and returns their paths.
func WriteExtracts(base string, r *Report) ([]string, error) {
	rec := Record(r)
	defer rec.Release()

	f, err := os.Create(base + ".arrow")
	if err != nil {
		return nil, fmt.Errorf("write %s.arrow: %w", base, err)
	}
	w, err := ipc.NewFileWriter(f, ipc.WithSchema(ExtractSchema))
	if err == nil {
		err = w.Write(rec)
	}
	if err == nil {
		err = w.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("write %s.arrow: %w", base, err)
	}

	p, err := os.Create(base + ".parquet")
	if err != nil {
		return nil, fmt.Errorf("write %s.parquet: %w", base, err)
	}
	pw, err := pqarrow.NewFileWriter(ExtractSchema, p, parquet.NewWriterProperties(), pqarrow.DefaultWriterProps())
	if err == nil {
		err = pw.Write(rec)
	}
	if err == nil {
		err = pw.Close() // closes p too
	} else {
		p.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("write %s.parquet: %w", base, err)
	}
	return []string{base + ".arrow", base + ".parquet"}, nil
}

func clauseOf(id string) string {
	k, _ := metrics.ByID(id)
	return k.Clause
}
