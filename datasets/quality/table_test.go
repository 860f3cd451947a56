package quality

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		label    string
		wantErr  bool
		features []string
		x        [][]float64
		y        []float64
	}{
		{"label_last", "a,b,target\n1,2,0\n3,4.5,1\n", "target", false,
			[]string{"a", "b"}, [][]float64{{1, 2}, {3, 4.5}}, []float64{0, 1}},
		{"label_first", "y,a\n151,-0.5\n", "y", false, []string{"a"}, [][]float64{{-0.5}}, []float64{151}},
		{"header_only", "a,target\n", "target", false, []string{"a"}, nil, nil},
		{"no_final_newline", "a,target\n1e3,1", "target", false, []string{"a"}, [][]float64{{1000}}, []float64{1}},
		{"empty", "", "target", true, nil, nil, nil},
		{"missing_label", "a,b\n1,2\n", "target", true, nil, nil, nil},
		{"not_a_number", "a,target\nx,1\n", "target", true, nil, nil, nil},
		{"nan", "a,target\nNaN,1\n", "target", true, nil, nil, nil},
		{"inf", "a,target\n1,+Inf\n", "target", true, nil, nil, nil},
		{"ragged", "a,target\n1,2,3\n", "target", true, nil, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadCSV(strings.NewReader(tc.in), tc.label)
			if tc.wantErr {
				if !errors.Is(err, ErrFormat) {
					t.Fatalf("err = %v, want ErrFormat", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Features, tc.features) || !slices.Equal(got.Y, tc.y) ||
				!slices.EqualFunc(got.X, tc.x, slices.Equal) {
				t.Errorf("got %+v, want features %v x %v y %v", got, tc.features, tc.x, tc.y)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	tab := &Table{Features: []string{"a"}}
	for i := range 11 {
		tab.X = append(tab.X, []float64{float64(i)})
		tab.Y = append(tab.Y, float64(i))
	}
	train, test := tab.Split()
	if want := []float64{0, 5, 10}; !slices.Equal(test.Y, want) {
		t.Errorf("test rows %v, want %v", test.Y, want)
	}
	if want := []float64{1, 2, 3, 4, 6, 7, 8, 9}; !slices.Equal(train.Y, want) {
		t.Errorf("train rows %v, want %v", train.Y, want)
	}
}

// FuzzReadCSV states the invariant: ReadCSV never panics, and a table it
// returns is rectangular (every row has one value per feature and a label).
func FuzzReadCSV(f *testing.F) {
	f.Add("a,b,target\n1,2,0\n3,4,1\n")
	f.Add("target\n1\n")
	f.Add("a,target,target\n1,2,3\n")
	f.Add("a,target\n\"1\",2\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		tab, err := ReadCSV(strings.NewReader(in), "target")
		if err != nil {
			return
		}
		if len(tab.X) != len(tab.Y) {
			t.Fatalf("%d rows of features, %d labels", len(tab.X), len(tab.Y))
		}
		for i, x := range tab.X {
			if len(x) != len(tab.Features) {
				t.Fatalf("row %d has %d features, header %d", i, len(x), len(tab.Features))
			}
		}
	})
}
