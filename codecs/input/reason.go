package input

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Reasons that a dead letter starts with (after "row N: " for a row, or
// "model M: row N: " for a row one model refuses), besides those of bad
// fields (a column or field name, then what is wrong with its text). They
// are defined here, once: the decoders and route use them, and consumers
// of <p>.deadletter may match them.
const (
	// ReasonEmptyMessage: the record has no value, or an empty one.
	ReasonEmptyMessage = "empty message"
	// ReasonNoRows: the record's value decodes to no row at all (only
	// blank lines, only a CSV header, an Avro file with no record).
	ReasonNoRows = "no rows in message"
	// ReasonEntityNotUTF8: the entity key column of a per-entity model is
	// not valid UTF-8 (model keys are text).
	ReasonEntityNotUTF8 = "entity is not valid UTF-8"
	// ReasonLabelNotClass: a multiclass model's label is not a class index
	// 0..K-1 of the model, or a binary model's is not 0 or 1 (or -1).
	ReasonLabelNotClass = "label is not a class of the model"
	// ReasonLabelNotFinite: the label is NaN or infinite.
	ReasonLabelNotFinite = "label is not a finite number"
	// ReasonMissingLabel: the row has no label (an empty record key, a
	// null label field).
	ReasonMissingLabel = "missing label"
	// ReasonTooLarge: the row, alone in a batch, would not fit the
	// max.message.bytes of <p>.examples or <p>.predictions.
	ReasonTooLarge = "row too large for the pipeline's topics"
)

// maxQuoted bounds how much of a bad value a reason repeats.
const maxQuoted = 64

// quoteField quotes a value for a reason, cut to maxQuoted bytes.
func quoteField(b []byte) string {
	if len(b) > maxQuoted {
		return strconv.Quote(string(b[:maxQuoted])) + "..."
	}
	return strconv.Quote(string(b))
}

// parseReason explains a strconv error: `parse "abc": invalid syntax`.
func parseReason(b []byte, err error) string {
	if ne, ok := errors.AsType[*strconv.NumError](err); ok {
		err = ne.Err
	}
	return "parse " + quoteField(b) + ": " + err.Error()
}

// numberReason explains why b is not a usable number (err from parseFloat,
// or nil when the value parsed but is not usable).
func numberReason(b []byte, err error) string {
	if err != nil {
		return parseReason(b, err)
	}
	if v, perr := parseFloat(b); perr == nil && finite(v) {
		return tooLarge(quoteField(b))
	}
	return quoteField(b) + " is not a finite number"
}

// tooLarge is the reason of a finite number past MaxMagnitude.
func tooLarge(quoted string) string {
	return quoted + " is too large for a model (its magnitude is over 1e150: its square overflows)"
}

// IsLabelReason reports whether a dead letter's reason is about the
// row's label: the decoders' (a missing label, one that is not a class, not
// a usable number: "column y: label ..."), the learners' (ReasonLabelNotClass,
// ReasonLabelNotFinite) and delayed labels' (ReasonBadLabel).
func IsLabelReason(reason string) bool {
	for _, s := range []string{ReasonMissingLabel, ": label ", ReasonLabelNotClass, ReasonLabelNotFinite, ReasonBadLabel} {
		if strings.Contains(reason, s) {
			return true
		}
	}
	return false
}

// rowReason prefixes a reason with the row index.
func rowReason(i int32, reason string) string {
	return fmt.Sprintf("row %d: %s", i, reason)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// MaxMagnitude bounds the numbers the decoders accept as features and
// labels: the square of a larger one overflows a float64, so learning it
// (the scaler's variance, a regression's squared error) left the model's
// state infinite, or its predictions near -1e305, for good.
const MaxMagnitude = 1e150

// usable reports whether v is a number the models can learn from: finite
// and at most MaxMagnitude in magnitude.
func usable(v float64) bool { return finite(v) && math.Abs(v) <= MaxMagnitude }

// ValueReason is why a number that was not read by a decoder here (a JSON
// score request's) is one the decoders refuse, "" when it is usable.
func ValueReason(v float64) string {
	switch q := strconv.FormatFloat(v, 'g', -1, 64); {
	case !finite(v):
		return q + " is not a finite number"
	case !usable(v):
		return tooLarge(q)
	}
	return ""
}

// ReasonNoID: the example id column (Spec.IDColumn) of a row is empty, or
// not text; or a label record has no id (its key).
const ReasonNoID = "no example id"

// Reasons of the delayed-label join's dead letters (processors' join).
const (
	ReasonBadLabel       = "label does not parse"
	ReasonDuplicateLabel = "duplicate label"
	ReasonDuplicateID    = "duplicate example id"
	ReasonLateLabel      = "late label: its example expired"
	// ReasonExpired starts the reason of whatever expired.
	ReasonExpired = "expired"
)

// idOf reads an example id field, where naming it for the reason.
func idOf(b []byte, where string) (string, string) {
	switch {
	case len(b) == 0:
		return "", ReasonNoID + ": " + where + " is empty"
	case !utf8.Valid(b):
		return "", ReasonNoID + ": " + where + " is not valid UTF-8: " + quoteField(b)
	}
	return string(b), ""
}
