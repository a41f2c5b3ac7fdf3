package ingest

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the pipeline's own Prometheus metrics, served on /metrics.
type Metrics struct {
	registry *prometheus.Registry
	consumed *prometheus.CounterVec
	ingested *prometheus.CounterVec
	rejected *prometheus.CounterVec
	retries  *prometheus.CounterVec
	rows     prometheus.Histogram
	latency  prometheus.Histogram
	lag      *prometheus.GaugeVec
}

// NewMetrics registers the ingest metrics (and Go runtime metrics) in a fresh registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		consumed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicepulse_ingest_consumed_total", Help: "Messages consumed and accounted for (ingested or rejected), by topic.",
		}, []string{"topic"}),
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicepulse_ingest_ingested_total", Help: "Fact rows written to ClickHouse, by table.",
		}, []string{"table"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicepulse_ingest_rejected_total", Help: "Messages rejected, by reason.",
		}, []string{"reason"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicepulse_ingest_retries_total", Help: "Failed attempts that were retried, by operation.",
		}, []string{"op"}),
		rows: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "servicepulse_ingest_batch_messages", Help: "Messages per written batch.",
			Buckets: prometheus.ExponentialBuckets(10, 4, 8),
		}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "servicepulse_ingest_batch_write_seconds", Help: "Time to write a batch to ClickHouse, retries included.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 10),
		}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "servicepulse_ingest_consumer_lag", Help: "Messages left on the partition for the consumer group: its committed offset against the high-water mark, read from the broker every few seconds. Every process reports every partition of its group (the same value): aggregate with max by (group, topic, partition).",
		}, []string{"group", "topic", "partition"}),
	}
	m.registry.MustRegister(m.consumed, m.ingested, m.rejected, m.retries, m.rows, m.latency, m.lag,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) observeWrite(b *Batch, took time.Duration) {
	m.rows.Observe(float64(b.Consumed))
	m.latency.Observe(took.Seconds())
	m.ingested.WithLabelValues("service_events").Add(float64(len(b.Events)))
	m.ingested.WithLabelValues("feedback").Add(float64(len(b.Feedback)))
	for _, r := range b.Rejects {
		m.rejected.WithLabelValues(string(r.Reason)).Inc()
		m.consumed.WithLabelValues(r.Source.Topic).Inc()
	}
	if len(b.Events) > 0 {
		m.consumed.WithLabelValues(b.Events[0].Source.Topic).Add(float64(len(b.Events)))
	}
	if len(b.Feedback) > 0 {
		m.consumed.WithLabelValues(b.Feedback[0].Source.Topic).Add(float64(len(b.Feedback)))
	}
}

// setLag replaces the lag series with l. The series are the group's, not
// this process's: every process reports every partition of its group, so a
// partition whose worker stalls or whose member died still has a rising
// series, and nothing is left behind when partitions move between members
// (or a topic is recreated with fewer partitions). PromQL deduplicates
// with max by (group, topic, partition).
func (m *Metrics) setLag(l Lag) {
	m.lag.Reset()
	for _, p := range l.Partitions {
		m.lag.WithLabelValues(l.Group, p.Topic, strconv.Itoa(p.Partition)).Set(float64(p.Lag))
	}
}

// WatchLag reads r's lag every interval into the lag gauge until ctx ends.
// Pipeline.Run does this itself; WatchLag serves a process that is no
// member of the group (a monitoring sidecar, a test), whose gauge stays
// right while every member is stalled.
func (m *Metrics) WatchLag(ctx context.Context, r *LagReader, interval time.Duration, log *slog.Logger) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		l, err := r.Lag(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Warn("read the group's lag", "group", r.group, "err", err)
		default:
			m.setLag(l)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// health is what /healthz reports: unhealthy while any worker is retrying.
type health struct {
	mu      sync.Mutex
	failing map[int]string
}

func (h *health) setFailing(worker int, why string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failing == nil {
		h.failing = map[int]string{}
	}
	if why == "" {
		delete(h.failing, worker)
	} else {
		h.failing[worker] = why
	}
}

func (h *health) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	h.mu.Lock()
	problems := make([]string, 0, len(h.failing))
	for _, why := range h.failing {
		problems = append(problems, why)
	}
	h.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if len(problems) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "failing", "problems": problems})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "ok"})
}

// Handler serves /metrics and /healthz.
func (p *Pipeline) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", p.metrics.Handler())
	mux.Handle("/healthz", p.health)
	return mux
}
