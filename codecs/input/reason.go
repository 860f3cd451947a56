package input

import (
	"errors"
	"fmt"
	"math"
	"strconv"
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
// or nil when the value parsed but is not finite).
func numberReason(b []byte, err error) string {
	if err != nil {
		return parseReason(b, err)
	}
	return quoteField(b) + " is not a finite number"
}

// rowReason prefixes a reason with the row index.
func rowReason(i int32, reason string) string {
	return fmt.Sprintf("row %d: %s", i, reason)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
