package batchscore

import (
	"math"
	"strconv"
	"strings"

	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/score"
)

// Header is the output CSV's header line (with its "\n"): line, key, the
// prediction (the class, then P(y=1) or every class probability p0..pK-1;
// ŷ for a regression) and, when the rows carry labels, the label.
func Header(task model.Task, outputs int, labeled bool) []byte {
	b := []byte("line,key,predicted")
	switch task {
	case model.TaskBinary:
		b = append(b, ",p1"...)
	case model.TaskMulticlass:
		for k := range outputs {
			b = strconv.AppendInt(append(b, ",p"...), int64(k), 10)
		}
	}
	if labeled {
		b = append(b, ",label"...)
	}
	return append(b, '\n')
}

// rowWriter formats output rows; it keeps the last line number and key
// formatted, since consecutive rows mostly have the next line and the same
// key.
type rowWriter struct {
	task    model.Task
	labeled bool
	line    int64
	digits  []byte // line, in decimal
	key     string
	field   []byte // key, as a CSV field
}

// appendRow appends one output row.
func (w *rowWriter) appendRow(b []byte, line int64, key string, out []float64, label float64) []byte {
	b = append(b, w.lineDigits(line)...)
	if key != w.key || w.field == nil {
		w.key, w.field = key, appendField(w.field[:0], key)
	}
	b = append(append(b, ','), w.field...)
	return w.appendPrediction(b, out, label)
}

// lineDigits is line in decimal, incremented in place from the last one.
func (w *rowWriter) lineDigits(line int64) []byte {
	if line != w.line+1 || len(w.digits) == 0 {
		w.digits = strconv.AppendInt(w.digits[:0], line, 10)
		w.line = line
		return w.digits
	}
	w.line = line
	i := len(w.digits) - 1
	for ; i >= 0 && w.digits[i] == '9'; i-- {
		w.digits[i] = '0'
	}
	if i >= 0 {
		w.digits[i]++
	} else {
		w.digits = append([]byte{'1'}, w.digits...)
	}
	return w.digits
}

// appendPrediction appends ",predicted[,probabilities][,label]\n"; a NaN
// label (a row without one) leaves the label field empty.
func (w *rowWriter) appendPrediction(b []byte, out []float64, label float64) []byte {
	task, labeled := w.task, w.labeled
	b = append(b, ',')
	switch task {
	case model.TaskBinary:
		b = append(b, '0'+byte(score.Predicted(task, out)), ',')
		b = strconv.AppendFloat(b, out[0], 'g', -1, 64)
	case model.TaskMulticlass:
		b = appendNumber(b, score.Predicted(task, out))
		for _, p := range out {
			b = strconv.AppendFloat(append(b, ','), p, 'g', -1, 64)
		}
	default:
		b = appendNumber(b, out[0])
	}
	if labeled {
		b = append(b, ',')
		if label == label { // NaN: the row has no label, the field stays empty
			b = appendNumber(b, label)
		}
	}
	return append(b, '\n')
}

// appendNumber writes v as strconv's shortest 'g' (integers plainly).
func appendNumber(b []byte, v float64) []byte {
	if v == 0 || v == 1 {
		if math.Signbit(v) {
			return append(b, "-0"...)
		}
		return append(b, '0'+byte(v))
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// appendField writes s as a CSV field, quoted when it must be.
func appendField(b []byte, s string) []byte {
	if !needsQuotes(s) {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := range len(s) {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

func needsQuotes(s string) bool {
	return s != "" && (s[0] == ' ' || s[len(s)-1] == ' ') || strings.ContainsAny(s, ",\"\r\n\t")
}
