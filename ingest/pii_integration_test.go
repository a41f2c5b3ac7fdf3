package ingest_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"servicepulse/generator"
	"servicepulse/internal/pipelinetest"
)

// TestIntegrationNoPersonalDataInClear ingests generated traffic (valid and
// malformed, full of names, phones, addresses, e-mails and comments) and then
// searches every ClickHouse table, every message of the DLQ topic and every
// log line for each clear-text personal value the generator used.
func TestIntegrationNoPersonalDataInClear(t *testing.T) {
	var logs pipelinetest.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newStack(t, nil)
	s.log = log
	gen := generator.Config{Seed: 7, Tickets: 3000, BadRate: 0.05, Now: time.Now().UTC().Truncate(time.Second)}
	if err := gen.Validate(); err != nil {
		t.Fatal(err)
	}
	sum := s.produceConfig(t, gen)
	s.ingest(t, s.cfg)
	s.assertExact(t, sum)

	pii, err := generator.PersonalData(gen)
	if err != nil {
		t.Fatal(err)
	}
	if len(pii) < 100 {
		t.Fatalf("generator reported only %d personal values; the search would prove little", len(pii))
	}

	// The detector must see personal data where it is: in the input topic.
	var input strings.Builder
	for _, m := range readAll(t, s.brokers, s.cfg.RecordsTopic) {
		input.Write(m.Value)
		input.WriteByte('\n')
	}
	if found := findAny(input.String(), pii); len(found) == 0 {
		t.Fatal("no personal value found even in the input topic: the search is broken")
	}

	places := map[string]string{"logs": logs.String()}
	var dlq strings.Builder
	for _, m := range readAll(t, s.brokers, s.cfg.DLQTopic) {
		dlq.Write(m.Key)
		dlq.Write(m.Value)
		for _, h := range m.Headers {
			dlq.WriteString(h.Key + "=" + string(h.Value) + "\n")
		}
	}
	places["dlq topic"] = dlq.String()
	for table, text := range dumpTables(t, s) {
		places["table "+table] = text
	}
	for where, text := range places {
		if found := findAny(text, pii); len(found) > 0 {
			t.Errorf("%s holds personal data in clear: %q", where, found[:min(5, len(found))])
		}
	}
}

// dumpTables returns every row of every table of the test database as text.
func dumpTables(t *testing.T, s *stack) map[string]string {
	t.Helper()
	ctx := context.Background()
	rows, err := s.conn.Query(ctx, "SELECT table, groupArray(name) FROM system.columns WHERE database = currentDatabase() GROUP BY table")
	if err != nil {
		t.Fatal(err)
	}
	cols := map[string][]string{}
	for rows.Next() {
		var table string
		var names []string
		if err := rows.Scan(&table, &names); err != nil {
			t.Fatal(err)
		}
		cols[table] = names
	}
	rows.Close()
	if len(cols) < 4 {
		t.Fatalf("found only tables %v", cols)
	}
	out := map[string]string{}
	for table, names := range cols {
		exprs := make([]string, len(names))
		for i, n := range names {
			exprs[i] = fmt.Sprintf("toString(`%s`)", n)
		}
		q := fmt.Sprintf("SELECT arrayStringConcat([%s], '\\t') FROM `%s`", strings.Join(exprs, ", "), table)
		r, err := s.conn.Query(ctx, q)
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		var b strings.Builder
		for r.Next() {
			var line string
			if err := r.Scan(&line); err != nil {
				t.Fatal(err)
			}
			b.WriteString(line)
			b.WriteByte('\n')
		}
		r.Close()
		out[table] = b.String()
	}
	return out
}

// findAny returns the needles that occur in haystack. It indexes needles by
// their first bytes so one pass over the haystack does, instead of one pass
// per needle.
func findAny(haystack string, needles []string) []string {
	const k = 6
	byPrefix := map[string][]string{}
	var short []string
	for _, n := range needles {
		if len(n) < k {
			short = append(short, n)
			continue
		}
		byPrefix[n[:k]] = append(byPrefix[n[:k]], n)
	}
	found := map[string]bool{}
	for i := 0; i+k <= len(haystack); i++ {
		for _, n := range byPrefix[haystack[i:i+k]] {
			if strings.HasPrefix(haystack[i:], n) {
				found[n] = true
			}
		}
	}
	for _, n := range short {
		if n != "" && strings.Contains(haystack, n) {
			found[n] = true
		}
	}
	out := make([]string, 0, len(found))
	for n := range found {
		out = append(out, n)
	}
	return out
}
