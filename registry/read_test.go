package registry

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/model"
)

// TestReadExport: what Write writes, ReadExport reads back in both
// formats, and the restored learner is the version's, bit for bit.
func TestReadExport(t *testing.T) {
	cfg := model.Config{Task: model.TaskBinary, Features: 3, Standardize: true, Optimizer: model.Optimizer{Name: "adam"}}
	reg := &table.Registry{Model: "m", Key: "m", LastID: 4}
	reg.Versions = []table.Version{version(t, 4, cfg)}
	e, err := NewExport(reg, &reg.Versions[0])
	if err != nil {
		t.Fatal(err)
	}
	want, err := reg.Versions[0].Restore()
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{FormatJSON, FormatAvro} {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, e, format); err != nil {
				t.Fatal(err)
			}
			got, err := ReadExport(b.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if !same(got, e) {
				t.Errorf("round trip:\n%+v\n%+v", *got, *e)
			}
			m, err := got.Restore()
			if err != nil {
				t.Fatal(err)
			}
			if !model.Identical(m, want) {
				t.Error("restored learner differs from the version's")
			}
		})
	}
}

func TestReadExportErrors(t *testing.T) {
	for _, c := range []struct {
		name, data, want string
	}{
		{"not json", "hello", "json"},
		{"truncated avro", "Obj\x01\x02", "avro"},
		{"no state", `{"key":"m","params":{"config":{"task":"binary","features":2},"state":""}}`, "learner state"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, err := ReadExport([]byte(c.data))
			if err == nil {
				_, err = e.Restore()
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error about %s", err, c.want)
			}
		})
	}
}

func TestParseModelRef(t *testing.T) {
	for _, c := range []struct {
		ref, name string
		sel       Selector
		bad       bool
	}{
		{ref: "logreg", name: "logreg"},
		{ref: "logreg@3", name: "logreg", sel: Selector{Version: 3}},
		{ref: "logreg@pinned", name: "logreg", sel: Selector{Pinned: true}},
		{ref: "logreg@0", bad: true},
		{ref: "logreg@latest", bad: true},
		{ref: "@3", bad: true},
		{ref: "", bad: true},
	} {
		name, sel, err := ParseModelRef(c.ref)
		if (err != nil) != c.bad || name != c.name || sel != c.sel {
			t.Errorf("ParseModelRef(%q) = %q, %+v, %v", c.ref, name, sel, err)
		}
		if err == nil && name+sel.String() != c.ref {
			t.Errorf("%q: String gives %q", c.ref, name+sel.String())
		}
	}
}

func TestSelectorPick(t *testing.T) {
	reg := &table.Registry{Key: "k", Versions: []table.Version{{ID: 2, Pinned: true}, {ID: 3}, {ID: 5}}}
	unpinned := &table.Registry{Key: "k", Versions: []table.Version{{ID: 7}}}
	for _, c := range []struct {
		name string
		reg  *table.Registry
		sel  Selector
		want int64 // 0: ErrNoVersion
	}{
		{"newest", reg, Selector{}, 5},
		{"fixed", reg, Selector{Version: 3}, 3},
		{"pinned", reg, Selector{Pinned: true}, 2},
		{"dropped", reg, Selector{Version: 4}, 0},
		{"none pinned", unpinned, Selector{Pinned: true}, 0},
		{"no registry", nil, Selector{}, 0},
	} {
		v, err := c.sel.Pick(c.reg)
		switch {
		case c.want == 0 && !errors.Is(err, ErrNoVersion):
			t.Errorf("%s: %v, want ErrNoVersion", c.name, err)
		case c.want != 0 && (err != nil || v.ID != c.want):
			t.Errorf("%s: %+v %v, want version %d", c.name, v, err, c.want)
		}
	}
}

// TestReadExportGoNames: an export whose config holds the Go field names
// (versions made before model.Config had json tags) still restores, with
// the non-default learning rate and FTRL beta it was made with.
func TestReadExportGoNames(t *testing.T) {
	cfg := model.Config{Task: model.TaskBinary, Features: 2, Optimizer: model.Optimizer{Name: model.OptimizerFTRL, LearningRate: 0.3, FTRLBeta: 2}}
	reg := &table.Registry{Model: "m", Key: "m", LastID: 1}
	reg.Versions = []table.Version{version(t, 1, cfg)}
	reg.Versions[0].Config = []byte(`{"Task":"binary","Learner":"logistic","Loss":"","HuberDelta":0,"Classes":0,"Features":2,` +
		`"Optimizer":{"Name":"ftrl","LearningRate":0.3,"Schedule":"","Decay":0,"Beta1":0,"Beta2":0,"Epsilon":0,"FTRLBeta":2},` +
		`"L1":0,"L2":0,"Standardize":false}`)
	e, err := NewExport(reg, &reg.Versions[0])
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Write(&b, e, FormatJSON); err != nil {
		t.Fatal(err)
	}
	got, err := ReadExport(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	m, err := got.Restore()
	if err != nil {
		t.Fatal(err)
	}
	if o := m.Config().Optimizer; o.LearningRate != 0.3 || o.FTRLBeta != 2 {
		t.Errorf("restored optimizer %+v", o)
	}
}
