package input

import (
	"bytes"
	"fmt"
	"strconv"
)

// maxListedClasses bounds how many classes a reason lists.
const maxListedClasses = 8

// labeler turns label text into a label value: the class index with
// Spec.Classes, else the finite number it spells.
type labeler struct {
	classes map[string]int // nil without Spec.Classes
	listed  string         // the classes, for reasons
}

func newLabeler(classes []string) labeler {
	if len(classes) == 0 {
		return labeler{}
	}
	l := labeler{classes: make(map[string]int, len(classes))}
	for i, c := range classes {
		l.classes[c] = i
	}
	shown := classes[:min(len(classes), maxListedClasses)]
	l.listed = fmt.Sprintf("%q", shown)
	if len(shown) < len(classes) {
		l.listed += fmt.Sprintf(" (and %d more)", len(classes)-len(shown))
	}
	return l
}

// parse returns the label spelled by b; reason != "" when b is not a label.
// where names the source for the reason ("column y", "record key").
func (l *labeler) parse(b []byte, where string) (float64, string) {
	if l.classes != nil {
		if i, ok := l.classes[string(b)]; ok {
			return float64(i), ""
		}
		return 0, where + ": label " + quoteField(b) + " is not one of the classes " + l.listed
	}
	v, err := parseFloat(b)
	if err != nil || !usable(v) {
		return 0, where + ": label " + numberReason(b, err)
	}
	return v, ""
}

// keyLabel is the label of every row of a message, from its record key.
type keyLabel struct {
	value   float64
	reason  string // non-empty: every row of the message is bad
	missing bool   // the key is empty (reason says so)
}

// fromKey parses the record key (surrounding white space ignored).
func (l *labeler) fromKey(key []byte) keyLabel {
	key = bytes.TrimSpace(key)
	if len(key) == 0 {
		return keyLabel{reason: ReasonMissingLabel + ": the record key is empty", missing: true}
	}
	v, reason := l.parse(key, "record key")
	return keyLabel{value: v, reason: reason}
}

// fromText parses a label held in a string (an Avro string or enum).
func (l *labeler) fromText(s, where string) (float64, string) {
	return l.parse([]byte(s), where)
}

// classText spells a numeric label for a lookup in Spec.Classes.
func classText(v any) (string, bool) {
	switch x := v.(type) {
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}
