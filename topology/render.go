package topology

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/processors"
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
		if g.Group() == p.Topics.JoinGroup {
			fmt.Fprintf(&b, "  visit  %s (a loop beside the group expires waiting entries)\n", processors.ExpireVisitor)
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
		fmt.Fprintf(&b, "  %-12s %s %s, %s, %d features, key %s, %s\n", m.Name, m.Model.Task,
			m.Model.Learner, m.Model.Optimizer.Name, m.Model.Features, key, shards)
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
		goka.Streams{t.Predictions, t.Metrics, t.DeadLetter, t.ScoreMetrics, t.Labels}) {
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
