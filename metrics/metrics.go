// Package metrics holds the server's Prometheus collectors. A nil *Metrics
// records nothing, so tests and tools can leave it out.
package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

type Metrics struct {
	Registry    *prometheus.Registry
	outByType   sync.Map // frame type -> prometheus.Counter, skipping the label lookup per frame
	messagesIn  *prometheus.CounterVec
	messagesOut *prometheus.CounterVec
	errors      *prometheus.CounterVec
	commit      prometheus.Histogram
	delivery    prometheus.Histogram
	queueDrops  prometheus.Counter
	resumes     prometheus.Counter
	resyncs     prometheus.Counter
	authFails   *prometheus.CounterVec
}

// New registers the collectors; connections and seq are read when scraped.
func New(connections func() int, seq func() int64) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		messagesIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "livedash_ws_messages_in_total", Help: "WebSocket frames received, by request type.",
		}, []string{"type"}),
		messagesOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "livedash_ws_messages_out_total", Help: "WebSocket frames sent, by frame type.",
		}, []string{"type"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "livedash_errors_total", Help: "Error replies (WebSocket and REST), by code.",
		}, []string{"code"}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "livedash_mutation_commit_seconds", Help: "From a mutation's submission to its committed outcome.",
			Buckets: prometheus.ExponentialBuckets(0.0002, 2, 15),
		}),
		delivery: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "livedash_event_delivery_seconds", Help: "From an event's commit to its write on each connection.",
			Buckets: prometheus.ExponentialBuckets(0.0002, 2, 15),
		}),
		queueDrops: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livedash_send_queue_drops_total", Help: "Connections closed because their send queue was full.",
		}),
		resumes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livedash_resumes_total", Help: "Connections that resumed from the event log.",
		}),
		resyncs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livedash_resyncs_total", Help: "Connections told to reload the snapshot.",
		}),
		authFails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "livedash_auth_failures_total", Help: "Requests and upgrades refused for their credential, by reason (missing, wrong, expired, revoked, limited).",
		}, []string{"reason"}),
	}
	reg.MustRegister(m.messagesIn, m.messagesOut, m.errors, m.commit, m.delivery, m.queueDrops, m.resumes, m.resyncs, m.authFails,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "livedash_connections", Help: "Open WebSocket connections.",
		}, func() float64 { return float64(connections()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "livedash_seq", Help: "Seq of the last committed event.",
		}, func() float64 { return float64(seq()) }),
	)
	return m
}

func (m *Metrics) MessageIn(typ string) {
	if m != nil {
		if typ == "" {
			typ = "invalid"
		}
		m.messagesIn.WithLabelValues(typ).Inc()
	}
}

// MessageOut counts one frame sent. It runs for every frame to every
// connection, so the counter of each (server-chosen) type is looked up once.
func (m *Metrics) MessageOut(typ string) {
	if m == nil {
		return
	}
	c, ok := m.outByType.Load(typ)
	if !ok {
		c, _ = m.outByType.LoadOrStore(typ, m.messagesOut.WithLabelValues(typ))
	}
	c.(prometheus.Counter).Inc()
}

func (m *Metrics) Error(code string) {
	if m != nil {
		m.errors.WithLabelValues(code).Inc()
	}
}

func (m *Metrics) Commit(d time.Duration) {
	if m != nil {
		m.commit.Observe(d.Seconds())
	}
}

func (m *Metrics) Delivery(d time.Duration) {
	if m != nil {
		m.delivery.Observe(d.Seconds())
	}
}

func (m *Metrics) QueueDrop() {
	if m != nil {
		m.queueDrops.Inc()
	}
}

func (m *Metrics) Resume() {
	if m != nil {
		m.resumes.Inc()
	}
}

func (m *Metrics) Resync() {
	if m != nil {
		m.resyncs.Inc()
	}
}

// AuthFailure counts one refused credential by its reason, never by the
// credential itself.
func (m *Metrics) AuthFailure(reason string) {
	if m != nil {
		m.authFails.WithLabelValues(reason).Inc()
	}
}
