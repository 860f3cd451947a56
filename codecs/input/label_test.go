package input

import (
	"math"
	"testing"
)

// TestLabelReasons: every reason a labeler gives for a bad label is one
// IsLabelReason recognises (dead-letter kind bad_label), whatever the
// source: CSV text, a record key, an Avro value of any type.
func TestLabelReasons(t *testing.T) {
	classes := newLabeler([]string{"green", "blue"})
	numbers := newLabeler(nil)
	reasons := map[string]string{}
	_, reasons["not a class"] = classes.parse([]byte("red"), "column y")
	_, reasons["NaN"] = numbers.parse([]byte("NaN"), "column y")
	_, reasons["too large"] = numbers.parse([]byte("1e200"), "column y")
	_, reasons["not a number"] = numbers.parse([]byte("yes"), "column y")
	reasons["empty key"] = numbers.fromKey(nil).reason
	_, reasons["avro null"] = numbers.labelOf(nil, "field y")
	_, reasons["avro bool for classes"] = classes.labelOf(true, "field y")
	_, reasons["avro bytes for classes"] = classes.labelOf([]byte("x"), "field y")
	_, reasons["avro NaN"] = numbers.labelOf(math.NaN(), "field y")
	_, reasons["avro string"] = numbers.labelOf("x", "field y")
	for name, r := range reasons {
		if r == "" {
			t.Errorf("%s: no reason", name)
		} else if !IsLabelReason(r) {
			t.Errorf("%s: IsLabelReason(%q) = false", name, r)
		}
	}
	if r := numberReason([]byte("NaN"), nil); IsLabelReason("column x: " + r) {
		t.Errorf("a feature's reason %q is taken for a label's", r)
	}
}
