package httpapi

import (
	"context"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// The metrics of /metrics. Counters are read from runstats and goka at
// scrape time (the processors pay an atomic add, not a label lookup).
var (
	descRowsIn = prometheus.NewDesc("streamsgd_rows_in_total",
		"Rows read per group and partition (route and score: decoded rows; learn: example rows).", []string{"group", "partition"}, nil)
	descRowsOut = prometheus.NewDesc("streamsgd_rows_out_total",
		"Rows written per group and partition (route: rows routed, summed over models; learn and score: predictions).", []string{"group", "partition"}, nil)
	descDead = prometheus.NewDesc("streamsgd_dead_letters_total",
		"Dead letters written per group and reason kind.", []string{"group", "reason"}, nil)
	descLag = prometheus.NewDesc("streamsgd_consumer_lag",
		"Messages of an input partition not yet committed by a group (end offset - committed offset).", []string{"group", "topic", "partition"}, nil)
	descTableWrites = prometheus.NewDesc("streamsgd_table_writes_total",
		"Writes to a group table partition by its processor in this process (since the processor started).", []string{"group", "partition"}, nil)
	descRestoreOffset = prometheus.NewDesc("streamsgd_restore_offset",
		"Last changelog offset a table partition recovered or wrote.", []string{"group", "partition"}, nil)
	descRestoreEnd = prometheus.NewDesc("streamsgd_restore_end_offset",
		"Changelog end offset a table partition recovers up to.", []string{"group", "partition"}, nil)
	descRecovered = prometheus.NewDesc("streamsgd_partition_recovered",
		"1 when an assigned partition's table is recovered and processing, else 0.", []string{"group", "partition"}, nil)
	descRebalances = prometheus.NewDesc("streamsgd_rebalances_total",
		"Consumer-group sessions the group's processors set up (each rebalance, each restart).", []string{"group"}, nil)
	descReady = prometheus.NewDesc("streamsgd_group_ready",
		"1 when the group runs here and every assigned partition is recovered.", []string{"group"}, nil)
	descModelRows = prometheus.NewDesc("streamsgd_model_rows_learned_total",
		"Rows a model learned in this process, all its keys.", []string{"model"}, nil)
	descModelMetric = prometheus.NewDesc("streamsgd_model_metric",
		"Rolling learning metric of a model: the row-weighted mean of its keys' latest snapshots (accuracy, logloss, auc; rmse, mae, r2).", []string{"model", "metric"}, nil)
	descModelKeys = prometheus.NewDesc("streamsgd_model_snapshots",
		"Key snapshots (one per key that reported in the last period) behind streamsgd_model_metric.", []string{"model"}, nil)
)

// newRegistry is the server's own Prometheus registry: the run's
// collector, and Go's and the process's.
func newRegistry(s *Server) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector{s},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// collector reads the run's stats at scrape time.
type collector struct{ s *Server }

// Describe implements prometheus.Collector.
func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRowsIn, descRowsOut, descDead, descLag, descTableWrites, descRestoreOffset,
		descRestoreEnd, descRecovered, descRebalances, descReady, descModelRows, descModelMetric, descModelKeys} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c collector) Collect(ch chan<- prometheus.Metric) {
	s := c.s
	ctx := context.Background()
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	_, ready := s.ready(ctx)
	for _, name := range s.o.Groups {
		gs := s.groupStatus(ctx, name)
		for _, p := range gs.Partitions {
			part := strconv.Itoa(int(p.Partition))
			counter(descRowsIn, p.In, name, part)
			counter(descRowsOut, p.Out, name, part)
			if ts, ok := gs.Tables[p.Partition]; ok && ts.HasTable && !ts.Standby {
				counter(descTableWrites, ts.Writes, name, part)
				gauge(descRestoreOffset, float64(ts.Offset), name, part)
				gauge(descRestoreEnd, float64(ts.End), name, part)
				gauge(descRecovered, b2f(ts.Recovered), name, part)
			}
		}
		for kind, n := range gs.DeadByKind {
			counter(descDead, n, name, kind)
		}
		for _, l := range gs.LagDetail {
			gauge(descLag, float64(l.Lag), name, l.Topic, strconv.Itoa(int(l.Partition)))
		}
		counter(descRebalances, gs.Rebalances, name)
		gauge(descReady, b2f(ready[name]), name)
	}
	for _, m := range s.o.Stats.Models.All() {
		counter(descModelRows, m.Rows.Load(), m.Name)
		mt := m.Metrics()
		for k, v := range mt.Values {
			gauge(descModelMetric, v, m.Name, k)
		}
		gauge(descModelKeys, float64(mt.Keys), m.Name)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
