package input

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// unwrap returns the value inside a goavro union ({"double": 1.5}) or the
// value itself.
func unwrap(v any) any {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		for _, inner := range m {
			return inner
		}
	}
	return v
}

// numberOf converts the goavro value of a numeric field; reason != "" when
// it is not a finite number.
func numberOf(v any) (float64, string) {
	var f float64
	switch x := unwrap(v).(type) {
	case nil:
		return 0, "null"
	case float64:
		f = x
	case float32:
		f = float64(x)
	case int32:
		f = float64(x)
	case int64:
		f = float64(x)
	case bool:
		if x {
			f = 1
		}
	default:
		return 0, fmt.Sprintf("a %T is not a number", x)
	}
	if !finite(f) {
		return 0, strconv.FormatFloat(f, 'g', -1, 64) + " is not a finite number"
	}
	if !usable(f) {
		return 0, tooLarge(strconv.FormatFloat(f, 'g', -1, 64))
	}
	return f, ""
}

// labelOf converts the goavro value of the label field.
func (l *labeler) labelOf(v any, where string) (float64, string) {
	v = unwrap(v)
	switch x := v.(type) {
	case nil:
		return 0, ReasonMissingLabel + ": " + where + " is null"
	case string:
		return l.fromText(x, where)
	}
	if l.classes != nil {
		text, ok := classText(v)
		if !ok {
			return 0, fmt.Sprintf("%s: label of type %T is not one of the classes %s", where, v, l.listed)
		}
		return l.fromText(text, where)
	}
	f, reason := numberOf(v)
	if reason != "" {
		return 0, where + ": label " + reason
	}
	return f, ""
}

// entityOf converts the goavro value of the key field.
func entityOf(v any, where string) (string, string) {
	switch x := unwrap(v).(type) {
	case nil:
		return "", "" // no entity: see Row.Entity
	case string:
		if !utf8.ValidString(x) {
			return "", ReasonEntityNotUTF8 + ": " + where + " is " + quoteField([]byte(x))
		}
		return x, ""
	case int32:
		return strconv.FormatInt(int64(x), 10), ""
	case int64:
		return strconv.FormatInt(x, 10), ""
	default:
		return "", fmt.Sprintf("%s: a %T is not an entity key", where, x)
	}
}

// avroIDOf converts the goavro value of the example id field.
func avroIDOf(v any, where string) (string, string) {
	switch x := unwrap(v).(type) {
	case nil:
		return "", ReasonNoID + ": " + where + " is null"
	case string:
		return idOf([]byte(x), where)
	case int32:
		return strconv.FormatInt(int64(x), 10), ""
	case int64:
		return strconv.FormatInt(x, 10), ""
	default:
		return "", fmt.Sprintf("%s: %s: a %T is not an example id", ReasonNoID, where, x)
	}
}
