package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/contracts"
	"servicepulse/daemon"
	"servicepulse/dashboards"
	"servicepulse/generator"
	"servicepulse/internal/secrets"
	"servicepulse/reports"
	"servicepulse/warehouse"
)

// summary prints what was generated against what ClickHouse stored, and
// how fast it was ingested.
func (d *run) summary(sum generator.Summary, res daemon.Result, st warehouse.Stats) error {
	tw := tabwriter.NewWriter(d.cfg.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\nservicepulse demo — %d tickets, seed %d, %s … %s\n\n", sum.Tickets, sum.Seed,
		sum.From.Format(time.DateOnly), sum.To.Format(time.DateOnly))
	fmt.Fprintln(tw, "\tgenerated\tstored in ClickHouse\t")
	check := func(name string, want int, got uint64) {
		mark := "ok"
		if uint64(want) != got {
			mark = "MISMATCH"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", name, want, got, mark)
	}
	check("service records", sum.Records, st.Events)
	check("feedback", sum.Feedback, st.Feedback)
	check("malformed → rejects", sum.Malformed, st.Rejected)
	reasons := make([]string, 0, len(sum.MalformedByReason))
	for r := range sum.MalformedByReason {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		check("  "+r, sum.MalformedByReason[r], st.RejectedByReason[r])
	}
	fmt.Fprintf(tw, "\ningested %d messages in %.1fs of work (%.0f messages/s)\n", res.Consumed, res.ActiveSeconds,
		float64(res.Consumed)/max(res.ActiveSeconds, 1e-9))
	fmt.Fprintf(tw, "ClickHouse: %s    total time: %.1fs\n", secrets.Mask(d.dsn), time.Since(d.start).Seconds())
	return tw.Flush()
}

// grafana writes the dashboards' file provisioning for the demo's
// ClickHouse, and provisions the running Grafana of Config.Grafana, if any.
func (d *run) grafana(ctx context.Context) error {
	ds, err := dashboards.DatasourceFromDSN(d.dsn)
	if err != nil {
		return err
	}
	set, err := dashboards.Build(ds)
	if err != nil {
		return err
	}
	out := d.cfg.Dir + "/grafana"
	files, err := dashboards.Export(set, out)
	if err != nil {
		return err
	}
	w := d.cfg.Stdout
	fmt.Fprintf(w, "Grafana provisioning written: %s (%d files; point Grafana's provisioning directory at it)\n", out, len(files))
	if d.cfg.Grafana.URL == "" {
		fmt.Fprintln(w, "set SERVICEPULSE_GRAFANA_URL (and GRAFANA_TOKEN, or GRAFANA_USER/GRAFANA_PASSWORD) to provision a running Grafana")
		return nil
	}
	report, err := dashboards.Provision(ctx, d.cfg.Grafana, set, false, d.log)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "Grafana provisioned:")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(report)
}

// report writes the evaluation report of the last generated quarter (the
// one last holds), its PDF when Chromium is installed, and the scorecard
// of its best-ranked partner, and prints their paths. It makes sure a CJK
// font is installed first, for the Chinese titles (reports.EnsureCJKFont:
// installed as root with apt-get, else a warning naming the package).
func (d *run) report(ctx context.Context, conn driver.Conn, terms *contracts.File, last time.Time) error {
	last = last.In(shanghai)
	p, err := reports.ParsePeriod(fmt.Sprintf("%d-Q%d", last.Year(), (int(last.Month())+2)/3))
	if err != nil {
		return err
	}
	out := d.cfg.Dir + "/reports"
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	asOf := time.Now().UTC()
	r, err := reports.Build(ctx, conn, p, asOf, terms)
	if err != nil {
		return err
	}
	files, err := reports.WriteFiles(out, r)
	if err != nil {
		return err
	}
	reports.EnsureCJKFont(ctx, d.log)
	if pdf, err := d.pdf(ctx, files[0]); err != nil {
		return err
	} else if pdf != "" {
		files = append(files, pdf)
	}
	if len(r.Partners) > 0 {
		s, err := reports.BuildScorecard(ctx, conn, p, asOf, r.Partners[0].PartnerID)
		if err != nil {
			return err
		}
		more, err := reports.WriteScorecardFiles(out, s)
		if err != nil {
			return err
		}
		files = append(files, more...)
	}
	fmt.Fprintln(d.cfg.Stdout, "\nevaluation report and partner scorecard:")
	for _, f := range files {
		fmt.Fprintln(d.cfg.Stdout, "  "+f)
	}
	return nil
}

// pdf prints the report page to PDF with headless Chromium, or says on
// Stdout how to get one when Chromium is not installed ("" then).
func (d *run) pdf(ctx context.Context, page string) (string, error) {
	bin, err := reports.FindChromium()
	if err != nil {
		fmt.Fprintf(d.cfg.Stdout, "no PDF of the report: %v\n", err)
		return "", nil
	}
	pdf := strings.TrimSuffix(page, ".html") + ".pdf"
	return pdf, reports.Chromium{Bin: bin}.PrintPDF(ctx, page, pdf)
}
