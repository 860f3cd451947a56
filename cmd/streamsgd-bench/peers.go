package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/produce"
	"github.com/streamsgd/streamsgd/topology"
)

// peersOptions configure the peers benchmark (-peers): streamsgd against
// River, Vowpal Wabbit and scikit-learn on the same data and broker (a fresh
// one for each data set), in the same run (issue 14).
type peersOptions struct {
	rows, wideRows int64
	dir            string // data, configs and scratch files
	python         string // the pinned venv's interpreter
	script         string // scripts/peers/peers.py
	streamsgd      string // the streamsgd binary (make build)
	results        string // the directory of the markdown results
	// Row caps of the slow peers (rows/s are measured on the first rows).
	sklearnRows, riverWideRows int64
	// sets, if set, runs only the data sets of these names; noPython runs
	// streamsgd only (for profiling it: -cpuprofile).
	sets     []string
	noPython bool // riverWideRows: River's and sklearn per row's on the wide set
}

// peerRow is one line of the peers table.
type peerRow struct {
	set, path, system string
	rows              int64
	seconds, cpu      float64
	preqAcc, preqLoss float64
	heldAcc           float64
	note              string
	base              *peerRow // the streamsgd row it is compared with
}

func (r *peerRow) rate() float64 { return float64(r.rows) / r.seconds }

// cpuPerRow is the CPU seconds per row: on a loaded machine a steadier
// figure than rows/s, which counts the time spent waiting for a core.
func (r *peerRow) cpuPerRow() float64 { return r.cpu / float64(r.rows) }

// peerResult is what peers.py prints.
type peerResult struct {
	Rows        int64              `json:"rows"`
	Seconds     float64            `json:"seconds"`
	CPUSeconds  float64            `json:"cpu_seconds"`
	Prequential map[string]float64 `json:"prequential"`
	HeldOut     map[string]float64 `json:"held_out"`
}

// peerSet is a data set with its pipeline config and learning rate.
type peerSet struct {
	dataSet
	lr     float64
	config string // path of the pipeline YAML
	model  string
}

// runPeers runs the whole comparison, prints the table and writes it
// under po.results.
func runPeers(ctx context.Context, po peersOptions) error {
	if err := os.MkdirAll(po.dir, 0o755); err != nil {
		return err
	}
	start := time.Now()
	logf("writing data into %s", po.dir)
	ds, err := writeDataSets(po.dir, po.rows, po.wideRows, po.sets...)
	if err != nil {
		return err
	}
	var sets []peerSet
	for _, d := range ds {
		s := peerSet{dataSet: d, lr: 0.01, model: "logreg"}
		if d.classes > 2 {
			s.lr, s.model = 0.001, "softmax"
		}
		if s.config, err = s.writeConfig(); err != nil {
			return err
		}
		sets = append(sets, s)
	}
	var rows []*peerRow
	for _, s := range sets {
		rs, err := po.fileRows(ctx, s)
		if err != nil {
			return fmt.Errorf("%s from a file: %w", s.name, err)
		}
		rows = append(rows, rs...)
	}
	// Each data set gets a fresh embedded broker, shared by every system
	// run on that set: after the SUSY-shaped set's runs the broker holds
	// gigabytes of their records, and the 784-feature rows that followed
	// on it ran at 9,500-10,700 rows/s instead of 17,200-17,400.
	for _, s := range sets {
		rs, err := po.kafkaRowsOnFreshBroker(ctx, s, rows)
		if err != nil {
			return fmt.Errorf("%s through Kafka: %w", s.name, err)
		}
		rows = append(rows, rs...)
	}
	table := peersTable(rows)
	fmt.Print(table)
	return po.writeResults(table, start)
}

// logf prints a progress line with the time of day.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "peers %s: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// writeConfig writes the set's pipeline: one partition, so that every
// consumer reads the rows in file order (streamsgd then learns exactly what
// `streamsgd learn` learns from the file), the learner configured
// explicitly (Adam, standardisation), whatever the defaults.
func (s peerSet) writeConfig() (string, error) {
	task := "task: binary\n    learner: logistic"
	if s.classes > 2 {
		task = fmt.Sprintf("task: multiclass\n    classes: %d\n    learner: softmax", s.classes)
	}
	yaml := fmt.Sprintf(`name: peers-%s
partitions: 1
input:
  topics: [peers-%s-in]
  columns: [%s]
  label: {from: column, column: label}
models:
  - name: %s
    %s
    optimizer: {name: adam, learning_rate: %g, beta1: 0.9, beta2: 0.999, epsilon: 1e-8}
    l1: 0
    l2: 0
    standardize: true
`, s.name, s.name, strings.Join(s.columns(), ", "), s.model, task, s.lr)
	path := filepath.Join(s.dir, s.name+".yaml")
	return path, os.WriteFile(path, []byte(yaml), 0o644)
}

// fileRows: streamsgd learn, VW from its text and its cache, River.
func (po peersOptions) fileRows(ctx context.Context, s peerSet) ([]*peerRow, error) {
	sgd, err := po.learnFile(ctx, s)
	if err != nil {
		return nil, err
	}
	rows := []*peerRow{sgd}
	work := filepath.Join(s.dir, "vw-"+s.name)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}
	for _, cache := range []bool{false, true} {
		args := []string{"vwfile", "--input", s.path("train", "vw"), "--test", s.path("test", "vw"), "--workdir", work,
			"--rows", strconv.FormatInt(s.trainRows, 10), "--classes", strconv.Itoa(s.classes)}
		system, note := "VW text (-d FILE)", "python -m vowpalwabbit's driver (no vw binary on PyPI: parser thread + learner)"
		if cache {
			args = append(args, "--cache")
			system, note = "VW cache (--cache_file)", "cache built by an untimed first pass"
		}
		r, err := po.peer(ctx, s, "file", system, args)
		if err != nil || r == nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		r.note, r.base = note, sgd
		rows = append(rows, r)
	}
	n := s.riverRows(po)
	r, err := po.peer(ctx, s, "file", "River", []string{"file", "--learner", "river", "--input", s.path("train", "csv"),
		"--test", s.path("test", "csv"), "--rows", strconv.FormatInt(n, 10), "--classes", strconv.Itoa(s.classes), "--lr", fmt.Sprint(s.lr)})
	if err != nil || r == nil {
		return rows, err
	}
	r.base = sgd
	r.note = capNote(n, s.trainRows, "StandardScaler | "+s.riverModel())
	return append(rows, r), nil
}

func (s peerSet) riverModel() string {
	if s.classes > 2 {
		return fmt.Sprintf("SoftmaxRegression(Adam(%g))", s.lr)
	}
	return fmt.Sprintf("LogisticRegression(Adam(%g))", s.lr)
}

func (s peerSet) riverRows(po peersOptions) int64 {
	if s.classes > 2 {
		return min(s.trainRows, po.riverWideRows)
	}
	return s.trainRows
}

func capNote(n, all int64, note string) string {
	if n < all {
		return fmt.Sprintf("%s; first %d rows only (too slow for all)", note, n)
	}
	return note
}

var (
	learnedRe = regexp.MustCompile(`learned \S+: (\d+) rows, .* in ([0-9.]+)s`)
	metricRe  = regexp.MustCompile(`(?m)^\s*(prequential|held-out) (accuracy|logloss)\s+([0-9.]+)`)
)

// learnFile runs `streamsgd learn` on the train file, timed without
// --test, then once more with --test for the held-out metrics.
func (po peersOptions) learnFile(ctx context.Context, s peerSet) (*peerRow, error) {
	args := []string{"learn", "--config", s.config, "--input", s.path("train", "csv")}
	out, cpu, err := runCmd(ctx, po.streamsgd, args...)
	if err != nil {
		return nil, err
	}
	m := learnedRe.FindStringSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("streamsgd learn printed no summary:\n%s", out)
	}
	r := &peerRow{set: s.label(), path: "file", system: "streamsgd learn --input", cpu: cpu.Seconds(),
		note: "CPU: the whole process (start-up, both decode workers)"}
	r.rows, _ = strconv.ParseInt(m[1], 10, 64)
	r.seconds, _ = strconv.ParseFloat(m[2], 64)
	held, _, err := runCmd(ctx, po.streamsgd, append(args, "--test", s.path("test", "csv"))...)
	if err != nil {
		return nil, err
	}
	for _, mm := range metricRe.FindAllStringSubmatch(out+held, -1) {
		v, _ := strconv.ParseFloat(mm[3], 64)
		switch mm[1] + " " + mm[2] {
		case "prequential accuracy":
			r.preqAcc = v
		case "prequential logloss":
			r.preqLoss = v
		case "held-out accuracy":
			r.heldAcc = v
		}
	}
	return r, nil
}

func (s peerSet) label() string {
	return fmt.Sprintf("%s (%d features, %d classes)", s.name, s.features, s.classes)
}

// peer runs peers.py and reads its JSON line.
func (po peersOptions) peer(ctx context.Context, s peerSet, path, system string, args []string) (*peerRow, error) {
	if po.noPython {
		return nil, nil
	}
	logf("%s, %s: %s", s.name, path, system)
	out, _, err := runCmd(ctx, po.python, append([]string{po.script}, args...)...)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var pr peerResult
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &pr); err != nil {
		return nil, fmt.Errorf("%s: %w in %q", system, err, out)
	}
	return &peerRow{set: s.label(), path: path, system: system, rows: pr.Rows, seconds: pr.Seconds, cpu: pr.CPUSeconds,
		preqAcc: pr.Prequential["accuracy"], preqLoss: pr.Prequential["logloss"], heldAcc: pr.HeldOut["accuracy"]}, nil
}

// runCmd runs a command, returning its standard output and CPU time (user
// and system, its waited-for children included); standard error passes
// through.
func runCmd(ctx context.Context, name string, args ...string) (string, time.Duration, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return out.String(), 0, fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	var cpu time.Duration
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return out.String(), cpu, nil
}

// kafkaRowsOnFreshBroker is kafkaRows on an embedded broker of its own.
func (po peersOptions) kafkaRowsOnFreshBroker(ctx context.Context, s peerSet, fileRows []*peerRow) ([]*peerRow, error) {
	b, err := startChildBroker()
	if err != nil {
		return nil, err
	}
	defer b.Close()
	return po.kafkaRows(ctx, b.addrs, s, fileRows)
}

// kafkaRows: the train file produced to a one-partition topic in 1-row
// messages and in 64-row ones; on each, the franz-go ceiling, the goka
// floors, streamsgd run, and the peers consuming the same topic with
// confluent-kafka and producing one prediction per row.
func (po peersOptions) kafkaRows(ctx context.Context, brokers []string, s peerSet, fileRows []*peerRow) ([]*peerRow, error) {
	cl, err := kafkaclient.NewClient(brokers)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	var sgdFile *peerRow
	for _, r := range fileRows {
		if r.set == s.label() && r.system == "streamsgd learn --input" {
			sgdFile = r
		}
	}
	shapes := []int{1, 64}
	var rows []*peerRow
	for _, per := range shapes {
		topic := fmt.Sprintf("peers-%s-%d", s.name, per)
		st, err := po.produceTopic(ctx, cl, adm, s, topic, per)
		if err != nil {
			return nil, err
		}
		path := fmt.Sprintf("Kafka, %d-row msgs", per)
		ceil, err := ceiling(ctx, brokers, adm, topic, topic+"-ceiling", st)
		if err != nil {
			return nil, err
		}
		ceilRow := &peerRow{set: s.label(), path: path, system: "franz-go consume+produce (ceiling)",
			rows: ceil.rows, seconds: ceil.elapsed.Seconds(), note: "no learning: the broker's and client's ceiling"}
		floor, err := gokaFloor(ctx, brokers, topic, st.Messages, st.Rows, topic)
		if err != nil {
			return nil, err
		}
		floorRow := &peerRow{set: s.label(), path: path, system: "goka consume, no-op callback (floor)",
			rows: floor.rows, seconds: floor.elapsed.Seconds(), note: "no learning: " + floor.note}
		cfg, err := pipelineConfig(s, topic, per)
		if err != nil {
			return nil, err
		}
		dag, err := dagFloor(ctx, brokers, adm, cfg, st, topic)
		if err != nil {
			return nil, err
		}
		dagRow := &peerRow{set: s.label(), path: path, system: "two goka stages, nothing in them (floor)",
			rows: dag.rows, seconds: dag.elapsed.Seconds(), note: "no learning: " + dag.note}
		sgd, err := po.runPipeline(ctx, brokers, adm, s, topic, per, st)
		if err != nil {
			return nil, err
		}
		sgd.path = path
		if sgdFile != nil {
			sgd.heldAcc = sgdFile.heldAcc
			sgd.note += "; held-out: the file's (same rows, same order, same step)"
		}
		ceilRow.base, floorRow.base, dagRow.base = sgd, sgd, sgd
		rows = append(rows, ceilRow, floorRow, dagRow, sgd)
		// River reads both shapes (its cost is its learning, so the shape
		// is streamsgd's to gain from, as a user batching rows would);
		// VW and scikit-learn per row the 1-row messages, scikit-learn per
		// 64 rows the 64-row ones.
		learners := []string{"river", "vw", "sklearn"}
		if per == 64 {
			learners = []string{"river", "sklearn64"}
		}
		for _, learner := range learners {
			n := st.Rows
			switch {
			case learner == "river":
				n = s.riverRows(po)
			case learner == "sklearn" && s.classes > 2:
				n = min(n, po.riverWideRows)
			case learner == "sklearn":
				n = min(n, po.sklearnRows)
			}
			if err := operations.CreateTopic(ctx, adm, topic+"-"+learner, 1, 1); err != nil {
				return nil, err
			}
			system := map[string]string{"river": "River", "vw": "VW (pyvw, per row)", "sklearn": "sklearn partial_fit per row",
				"sklearn64": "sklearn partial_fit per 64 rows"}[learner]
			r, err := po.peer(ctx, s, path, system, []string{"kafka", "--learner", learner, "--brokers", strings.Join(brokers, ","),
				"--topic", topic, "--output-topic", topic + "-" + learner, "--rows", strconv.FormatInt(n, 10),
				"--classes", strconv.Itoa(s.classes), "--lr", fmt.Sprint(s.lr), "--test", s.path("test", "csv")})
			if err != nil {
				return nil, err
			}
			if r == nil {
				continue
			}
			r.base = sgd
			r.note = capNote(n, st.Rows, "confluent-kafka consumer, one JSON prediction per row")
			rows = append(rows, r)
		}
	}
	return rows, nil
}

// produceTopic writes the train CSV into topic, per rows a message.
func (po peersOptions) produceTopic(ctx context.Context, cl *kgo.Client, adm *kadm.Client, s peerSet, topic string, per int) (produce.Stats, error) {
	if err := operations.CreateTopic(ctx, adm, topic, 1, 1); err != nil {
		return produce.Stats{}, err
	}
	f, err := os.Open(s.path("train", "csv"))
	if err != nil {
		return produce.Stats{}, err
	}
	defer f.Close()
	src, err := produce.NewCSVSource(f, produce.CSVOptions{LabelColumn: "0"})
	if err != nil {
		return produce.Stats{}, err
	}
	return produce.Run(ctx, cl, src, produce.Options{Topic: topic, LabelIn: produce.LabelInValue, RowsPerMessage: per})
}

// pipelineConfig is the pipeline of set s on the topic of its per-row
// messages.
func pipelineConfig(s peerSet, topic string, per int) (*config.Pipeline, error) {
	data, err := os.ReadFile(s.config)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("peers-%s-%d", s.name, per)
	yaml := strings.Replace(string(data), "name: peers-"+s.name+"\n", "name: "+name+"\n", 1)
	yaml = strings.Replace(yaml, "topics: [peers-"+s.name+"-in]", "topics: ["+topic+"]", 1)
	return config.Parse([]byte(yaml), s.config)
}

// runPipeline runs streamsgd's pipeline on topic, then reads its
// predictions back (untimed) for the prequential metrics.
func (po peersOptions) runPipeline(ctx context.Context, brokers []string, adm *kadm.Client, s peerSet, topic string, per int, st produce.Stats) (*peerRow, error) {
	cfg, err := pipelineConfig(s, topic, per)
	if err != nil {
		return nil, err
	}
	logf("%s, Kafka %d-row msgs: streamsgd run", s.name, per)
	cpu0 := processCPU()
	res, err := streamsgd(ctx, brokers, adm, cfg, st, false)
	if err != nil {
		return nil, err
	}
	cpu := processCPU() - cpu0
	r := &peerRow{set: s.label(), system: "streamsgd run", rows: res.rows, seconds: res.elapsed.Seconds(), cpu: cpu.Seconds() * float64(res.rows) / float64(st.Rows),
		note: "route+learn+predict, 1 partition; CPU: the bench process (pipeline and prediction counter), pro rata; " + res.note}
	p, err := topology.Build(cfg)
	if err != nil {
		return nil, err
	}
	acc, loss, err := predictionMetrics(ctx, brokers, p, st.Rows)
	if err != nil {
		return nil, err
	}
	r.preqAcc, r.preqLoss = acc, loss
	return r, nil
}

// predictionMetrics reads n predictions of p's predictions topic and
// returns their accuracy and log loss.
func predictionMetrics(ctx context.Context, brokers []string, p *topology.Pipeline, n int64) (float64, float64, error) {
	cl, err := kafkaclient.New(brokers, kgo.ConsumeTopics(string(p.Topics.Predictions)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxBytes(64<<20))
	if err != nil {
		return 0, 0, err
	}
	defer cl.Close()
	ms := metrics.ForTask(string(p.Models[0].Model.Task))
	seen := map[string]bool{}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	for int64(len(seen)) < n {
		fs := cl.PollFetches(rctx)
		if err := fs.Err0(); err != nil {
			return 0, 0, fmt.Errorf("read predictions: %w (%d of %d)", err, len(seen), n)
		}
		var derr error
		fs.EachRecord(func(rec *kgo.Record) {
			v, err := p.PredictionCodec.Decode(rec.Value)
			if err != nil {
				derr = err
				return
			}
			pb, ok := v.(*wire.PredictionBatch)
			if !ok {
				derr = fmt.Errorf("prediction codec gave %T", v)
				return
			}
			for _, pr := range pb.Predictions {
				if seen[pr.ID] || pr.Label == nil {
					continue // a redelivery's prediction
				}
				seen[pr.ID] = true
				for _, m := range ms {
					m.Update(*pr.Label, pr.Scores)
				}
			}
		})
		if derr != nil {
			return 0, 0, derr
		}
	}
	return ms[0].Value(), ms[1].Value(), nil
}

// peersTable is the markdown table, with each peer's ratio to the
// streamsgd row it is compared with.
func peersTable(rows []*peerRow) string {
	var b strings.Builder
	b.WriteString("| data | path | system | rows | rows/s | CPU µs/row | preq. accuracy | preq. log loss | held-out accuracy | streamsgd ÷ this (rows/s) | this ÷ streamsgd (CPU/row) | note |\n")
	b.WriteString("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|\n")
	for _, r := range rows {
		cpu, ratio, cpuRatio := "", "", ""
		if r.cpu > 0 {
			cpu = fmt.Sprintf("%.2f", r.cpuPerRow()*1e6)
		}
		if r.base != nil {
			ratio = fmt.Sprintf("%.2fx", r.base.rate()/r.rate())
			if r.cpu > 0 && r.base.cpu > 0 {
				cpuRatio = fmt.Sprintf("%.2fx", r.cpuPerRow()/r.base.cpuPerRow())
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %.0f | %s | %s | %s | %s | %s | %s | %s |\n", r.set, r.path, r.system, r.rows, r.rate(), cpu,
			num(r.preqAcc), num(r.preqLoss), num(r.heldAcc), ratio, cpuRatio, r.note)
	}
	return b.String()
}

func num(v float64) string {
	if v == 0 {
		return ""
	}
	return fmt.Sprintf("%.4f", v)
}

// writeResults writes the table with the machine, versions and commands
// under po.results.
func (po peersOptions) writeResults(table string, start time.Time) error {
	if err := os.MkdirAll(po.results, 0o755); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# streamsgd and its peers, %s\n\n", start.UTC().Format("2006-01-02 15:04 UTC"))
	b.WriteString("Made by `make bench-peers` (`BENCH_ROWS`, `BENCH_WIDE_ROWS`); it never fails on speed.\n\n")
	b.WriteString(table)
	b.WriteString("\n## Machine\n\n")
	for _, c := range [][]string{{"uname", "-srm"}, {"nproc"}, {"sh", "-c", "grep -m1 'model name' /proc/cpuinfo"}, {"cat", "/proc/loadavg"}} {
		out, _, err := runCmd(context.Background(), c[0], c[1:]...)
		if err == nil {
			fmt.Fprintf(&b, "- `%s`: %s\n", strings.Join(c, " "), strings.TrimSpace(out))
		}
	}
	b.WriteString("\nShared with other jobs: wall-clock rows/s move with the load; CPU µs/row less so.\n\n## Versions\n\n")
	gov, _, _ := runCmd(context.Background(), "go", "version")
	fmt.Fprintf(&b, "- %s\n", strings.TrimSpace(gov))
	pyv, _, _ := runCmd(context.Background(), po.python, "-c", "import sys, river, vowpalwabbit, sklearn, numpy, confluent_kafka; print(sys.version.split()[0], 'river', river.__version__, 'vowpalwabbit', vowpalwabbit.__version__ if hasattr(vowpalwabbit, '__version__') else '9.11.9', 'scikit-learn', sklearn.__version__, 'numpy', numpy.__version__, 'confluent-kafka', confluent_kafka.__version__, 'librdkafka', confluent_kafka.libversion()[0])")
	fmt.Fprintf(&b, "- Python %s (scripts/peers/requirements.txt)\n", strings.TrimSpace(pyv))
	fmt.Fprintf(&b, "\n## Commands\n\n- `streamsgd-bench %s`\n", strings.Join(os.Args[1:], " "))
	b.WriteString("- streamsgd: `streamsgd learn --config <set>.yaml --input <set>.train.csv [--test <set>.test.csv]`; `streamsgd run`'s pipeline (operations.Run) on the topic\n")
	b.WriteString("- peers: `scripts/peers/peers.py kafka|file|vwfile ...` (each row predicted, then learned; one JSON prediction per row produced back)\n")
	b.WriteString("- data: `streamsgd-bench -write-data DIR` (datasets/susy, datasets/pixels)\n")
	name := filepath.Join(po.results, "peers-"+start.UTC().Format("20060102-1504")+".md")
	if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "peers: wrote %s\n", name)
	return nil
}
