package topology

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/model"
)

// Text renders the DAG (Graph) for people: each group with its inputs,
// table and outputs, in data-flow order, then the side channels.
func (p *Pipeline) Text() string {
	var b strings.Builder
	graph := p.Graph()
	fmt.Fprintf(&b, "pipeline %s (%d partitions)\n", p.Config.Name, p.Config.Partitions)
	for _, g := range graph.Groups {
		fmt.Fprintf(&b, "\ngroup %s\n", g.Group())
		for _, e := range g.InputStreams() {
			fmt.Fprintf(&b, "  in     %s\n", e.Topic())
		}
		if t := g.GroupTable(); t != nil {
			fmt.Fprintf(&b, "  table  %s (compacted changelog)\n", t.Topic())
		}
		for _, e := range g.LookupTables() {
			fmt.Fprintf(&b, "  lookup %s\n", e.Topic())
		}
		for _, e := range g.OutputStreams() {
			fmt.Fprintf(&b, "  out    %s\n", e.Topic())
		}
		if v, ok := graph.Visit(g.Group()); ok {
			fmt.Fprintf(&b, "  visit  %s (%s)\n", v.Name, v.What)
		}
	}
	fmt.Fprintf(&b, "\nside channels (written outside the group callbacks)\n")
	for _, w := range graph.Writers {
		beside := ""
		if w.Group != "" {
			beside = fmt.Sprintf(" (beside %s)", w.Group)
		}
		fmt.Fprintf(&b, "  %s <- %s%s\n", w.Topic, w.Name, beside)
	}
	fmt.Fprintf(&b, "\nmodels\n")
	for _, m := range p.Models {
		key := "global"
		if m.PerEntity() {
			key = "per " + m.KeyColumn
		}
		shards := fmt.Sprintf("%d shard(s)", m.Shards)
		if m.Shards > 1 {
			shards += fmt.Sprintf(", mixed every %d rows", m.MixEvery)
		}
		driftText := "drift " + m.Drift.Detector
		if m.Drift.Background.Enabled {
			driftText += fmt.Sprintf(" with a background learner (window %d)", m.Drift.Background.Window)
		}
		fmt.Fprintf(&b, "  %-12s %s %s, %s, %d features, key %s, %s, %s\n", m.Name, m.Model.Task,
			m.Model.Learner, m.Model.Optimizer.Name, m.Model.Features, key, shards, driftText)
	}
	if len(p.Deployments) > 0 {
		fmt.Fprintf(&b, "\ndeployments (group %s)\n", p.Topics.ScoreGroup)
	}
	for _, d := range p.Deployments {
		fmt.Fprintf(&b, "  %-12s %s -> %s, model %s, state %s\n", d.Name, strings.Join(d.Topics, ", "), d.Output, d.Model, d.State)
	}
	return b.String()
}

// DOT renders the DAG (Graph) as a Graphviz digraph: groups are boxes,
// topics ellipses, tables cylinders, commands notes; side channels are
// dotted edges labelled with their writer.
func (p *Pipeline) DOT() string {
	var b strings.Builder
	graph := p.Graph()
	fmt.Fprintf(&b, "digraph %q {\n  rankdir=LR;\n", p.Config.Name)
	topics := map[string]string{}
	for _, g := range graph.Groups {
		fmt.Fprintf(&b, "  %q [shape=box];\n", string(g.Group()))
		for _, e := range g.InputStreams() {
			if topics[e.Topic()] == "" { // a table read as a stream stays a cylinder
				topics[e.Topic()] = "ellipse"
			}
			fmt.Fprintf(&b, "  %q -> %q;\n", e.Topic(), string(g.Group()))
		}
		if t := g.GroupTable(); t != nil {
			topics[t.Topic()] = "cylinder"
			fmt.Fprintf(&b, "  %q -> %q;\n", string(g.Group()), t.Topic())
		}
		for _, e := range g.LookupTables() {
			topics[e.Topic()] = "cylinder"
			fmt.Fprintf(&b, "  %q -> %q [style=dashed];\n", e.Topic(), string(g.Group()))
		}
		for _, e := range g.OutputStreams() {
			topics[e.Topic()] = "ellipse"
			fmt.Fprintf(&b, "  %q -> %q;\n", string(g.Group()), e.Topic())
		}
	}
	for _, w := range graph.Writers {
		from := string(w.Group)
		if from == "" {
			from = w.Name
			fmt.Fprintf(&b, "  %q [shape=note];\n", from)
		}
		if topics[string(w.Topic)] == "" {
			topics[string(w.Topic)] = "ellipse"
		}
		fmt.Fprintf(&b, "  %q -> %q [style=dotted, label=%q];\n", from, string(w.Topic), w.Name)
	}
	names := make([]string, 0, len(topics))
	for n := range topics {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %q [shape=%s];\n", n, topics[n])
	}
	b.WriteString("}\n")
	return b.String()
}

// Dangling lists topics of the DAG (Graph) that something writes and
// nothing reads, or something reads and nothing writes, other than the
// pipeline's inputs and final outputs.
func (p *Pipeline) Dangling() []string {
	graph := p.Graph()
	written, read, tables := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, w := range graph.Writers {
		written[string(w.Topic)] = true
	}
	for _, g := range graph.Groups {
		for _, e := range slices.Concat(g.InputStreams(), g.LookupTables()) {
			read[e.Topic()] = true
		}
		for _, e := range g.OutputStreams() {
			written[e.Topic()] = true
		}
		// A group table's changelog is written by its group; another
		// group may read it as a stream (the checkpoint group does).
		if t := g.GroupTable(); t != nil {
			tables[t.Topic()] = true
		}
	}
	for t := range tables {
		if read[t] {
			written[t] = true
		}
	}
	ends := map[string]bool{}
	t := p.Topics
	for _, s := range slices.Concat(t.Inputs, t.ServeInputs, t.ScoreOutputs,
		goka.Streams{t.Predictions, t.Metrics, t.DeadLetter, t.Events, t.ScoreMetrics, t.Labels}) {
		ends[string(s)] = true
	}
	var out []string
	for w := range written {
		if !read[w] && !ends[w] {
			out = append(out, w)
		}
	}
	for r := range read {
		if !written[r] && !ends[r] {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

// Description is the DAG (Graph) as data, for the HTTP API and the
// dashboard: what Text says, in fields.
type Description struct {
	Name        string            `json:"name"`
	Partitions  int               `json:"partitions"`
	Groups      []GroupDesc       `json:"groups"`
	Writers     []WriterDesc      `json:"writers"`
	Models      []ModelDesc       `json:"models"`
	Deployments []DeploymentDesc  `json:"deployments"`
	Tables      map[string]string `json:"tables"` // table topic -> "table"
	DOT         string            `json:"dot"`
}

// GroupDesc is one group of the DAG.
type GroupDesc struct {
	Name    string   `json:"name"`
	Inputs  []string `json:"inputs"`
	Table   string   `json:"table,omitempty"`
	Lookups []string `json:"lookups"`
	Outputs []string `json:"outputs"`
}

// WriterDesc is one side channel of the DAG.
type WriterDesc struct {
	Name  string `json:"name"`
	Group string `json:"group,omitempty"`
	Topic string `json:"topic"`
}

// ModelDesc is one model of the pipeline.
type ModelDesc struct {
	Name      string `json:"name"`
	Task      string `json:"task"`
	Learner   string `json:"learner"`
	Optimizer string `json:"optimizer"`
	Features  int    `json:"features"`
	Classes   int    `json:"classes,omitempty"`
	KeyColumn string `json:"key_column,omitempty"`
	Shards    int    `json:"shards"`
}

// DeploymentDesc is one scoring deployment.
type DeploymentDesc struct {
	Name   string   `json:"name"`
	Topics []string `json:"topics"`
	Model  string   `json:"model"`
	State  string   `json:"state"`
	Output string   `json:"output"`
}

// Describe returns the DAG as data.
func (p *Pipeline) Describe() Description {
	graph := p.Graph()
	d := Description{Name: p.Config.Name, Partitions: p.Config.Partitions, Tables: map[string]string{}, DOT: p.DOT(),
		Groups: []GroupDesc{}, Writers: []WriterDesc{}, Models: []ModelDesc{}, Deployments: []DeploymentDesc{}}
	for _, g := range graph.Groups {
		gd := GroupDesc{Name: string(g.Group()), Inputs: []string{}, Lookups: []string{}, Outputs: []string{}}
		for _, e := range g.InputStreams() {
			gd.Inputs = append(gd.Inputs, e.Topic())
		}
		if t := g.GroupTable(); t != nil {
			gd.Table = t.Topic()
			d.Tables[t.Topic()] = "table"
		}
		for _, e := range g.LookupTables() {
			gd.Lookups = append(gd.Lookups, e.Topic())
			d.Tables[e.Topic()] = "table"
		}
		for _, e := range g.OutputStreams() {
			gd.Outputs = append(gd.Outputs, e.Topic())
		}
		d.Groups = append(d.Groups, gd)
	}
	for _, w := range graph.Writers {
		d.Writers = append(d.Writers, WriterDesc{Name: w.Name, Group: string(w.Group), Topic: string(w.Topic)})
	}
	for _, m := range p.Models {
		md := ModelDesc{Name: m.Name, Task: string(m.Model.Task), Learner: m.Model.Learner, Optimizer: m.Model.Optimizer.Name,
			Features: m.Model.Features, KeyColumn: m.KeyColumn, Shards: m.Shards}
		if m.Model.Task == model.TaskMulticlass {
			md.Classes = m.Model.Classes
		}
		d.Models = append(d.Models, md)
	}
	for _, dp := range p.Deployments {
		d.Deployments = append(d.Deployments, DeploymentDesc{Name: dp.Name, Topics: dp.Topics, Model: dp.Model, State: string(dp.State), Output: string(dp.Output)})
	}
	return d
}
