package input

import "fmt"

// colKind is what a decoder does with one CSV column.
type colKind uint8

const (
	colSkip colKind = iota
	colFeature
	colLabel
	colKey
	colID
)

type colAction struct {
	kind colKind
	slot int32 // index in Row.Features, for colFeature
}

// csvPlan says what to do with each column of rows of one width.
type csvPlan struct {
	header  string      // the header line it was built from (header mode)
	width   int         // columns per row
	names   []string    // column names; nil: positional c0, c1, ...
	actions []colAction // one per column
	nf      int         // features per row
}

// name is the name of column col, for reasons.
func (p *csvPlan) name(col int) string {
	if col < 0 || col >= len(p.names) {
		return positionalName(col)
	}
	return p.names[col]
}

// planBuilder sets the actions of a plan from the Spec, given a way to find
// a column by name.
type planBuilder struct {
	p    *csvPlan
	find func(name string) (int, bool)
}

func (b planBuilder) build(s *Spec) error {
	b.p.actions = make([]colAction, b.p.width)
	if err := b.set(s.LabelColumn, colAction{kind: colLabel}); err != nil {
		return err
	}
	if err := b.set(s.KeyColumn, colAction{kind: colKey}); err != nil {
		return err
	}
	if err := b.set(s.IDColumn, colAction{kind: colID}); err != nil {
		return err
	}
	for j, f := range s.Features {
		if err := b.set(f, colAction{kind: colFeature, slot: int32(j)}); err != nil {
			return err
		}
	}
	if len(s.Features) > 0 {
		b.p.nf = len(s.Features)
		return nil
	}
	for c := range b.p.actions {
		if b.p.actions[c].kind == colSkip {
			b.p.actions[c] = colAction{kind: colFeature, slot: int32(b.p.nf)}
			b.p.nf++
		}
	}
	if b.p.nf == 0 {
		return fmt.Errorf("no feature column is left besides the label and key columns")
	}
	return nil
}

func (b planBuilder) set(name string, a colAction) error {
	if name == "" {
		return nil
	}
	c, ok := b.find(name)
	if !ok {
		return fmt.Errorf("no column %q", name)
	}
	b.p.actions[c] = a
	return nil
}

// newNamedPlan builds the plan for rows with the given column names.
func newNamedPlan(names []string, s *Spec) (*csvPlan, error) {
	index := make(map[string]int, len(names))
	for i, n := range names {
		if _, dup := index[n]; dup && n != "" {
			return nil, fmt.Errorf("column %q appears twice", n)
		}
		index[n] = i
	}
	p := &csvPlan{width: len(names), names: names}
	find := func(name string) (int, bool) {
		i, ok := index[name]
		return i, ok
	}
	return p, planBuilder{p: p, find: find}.build(s)
}

// newPositionalPlan builds the plan for rows of width columns named c0, c1, ...
func newPositionalPlan(width int, s *Spec) (*csvPlan, error) {
	p := &csvPlan{width: width}
	find := func(name string) (int, bool) {
		i, ok := positionalIndex(name)
		return i, ok && i < width
	}
	return p, planBuilder{p: p, find: find}.build(s)
}

// minPositionalWidth is the fewest columns a row needs when columns are
// positional: room for every named column and for at least one feature.
func minPositionalWidth(s *Spec) int {
	need, excluded := 1, 0
	names, _ := s.usedColumns()
	for _, n := range names {
		i, _ := positionalIndex(n)
		need = max(need, i+1)
	}
	if len(s.Features) == 0 {
		for _, n := range []string{s.LabelColumn, s.KeyColumn, s.IDColumn} {
			if n != "" {
				excluded++
			}
		}
		need = max(need, excluded+1)
	}
	return need
}
