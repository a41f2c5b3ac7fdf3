package sla_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"servicepulse/internal/pipelinetest"
	"servicepulse/sla"
)

// BenchmarkIntegrationWriteStates measures writing 20k request states (two
// part lines and one complaint each) into the real ClickHouse server.
func BenchmarkIntegrationWriteStates(b *testing.B) {
	ctx := context.Background()
	conn := pipelinetest.Migrated(b, "", slog.New(slog.DiscardHandler))
	opened := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	states := make([]sla.Request, 20000)
	for i := range states {
		states[i] = sla.Request{
			RequestID: fmt.Sprintf("R-%06d", i), ContractID: "CT-GOLD", PartnerID: "PT-NORTH", Channel: "phone",
			Region: "East", ProductSerial: fmt.Sprintf("SN-%06d", i), ProductModel: "AC-200", CustomerRef: "ref",
			TermsFrom: opened.AddDate(-1, 0, 0), OpenedAt: opened, OpenedDate: opened.Truncate(24 * time.Hour),
			Status: "resolved", RepliedAt: opened.Add(time.Hour), ReplyDue: opened.Add(4 * time.Hour), ReplyBH: 1,
			ResolvedAt: opened.Add(30 * time.Hour), ResolveBH: 12.5, Visits: 1, CertifiedVisits: 1, FirstVisitFix: true,
			Parts: []sla.PartLine{{LineID: "L1", Due: opened.Add(48 * time.Hour), DeliveredAt: opened.Add(24 * time.Hour)},
				{LineID: "L2", Due: opened.Add(48 * time.Hour), FromStock: true}},
			Cause: "product_quality", Warranty: "in_warranty", PartsFee: decimal.RequireFromString("120.50"),
			LabourFee: decimal.RequireFromString("80.00"), CSAT: 5, NPS: 9, CES: 2,
			Complaints: []sla.Complaint{{ID: "C1", Category: "delay", ClosedBH: -1}}, Events: 9, ComputedAt: opened.AddDate(0, 1, 0),
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := sla.WriteStates(ctx, conn, states); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(states))/b.Elapsed().Seconds(), "rows/s")
}
