package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// jsonFloat is a float64 read from a JSON number, or NaN from null (the
// JSON encodings write NaN and ±Inf as null).
type jsonFloat float64

func (f *jsonFloat) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*f = jsonFloat(math.NaN())
		return nil
	}
	v, err := strconv.ParseFloat(string(data), 64)
	if err != nil {
		return fmt.Errorf("number %.40q: %w", data, err)
	}
	*f = jsonFloat(v)
	return nil
}

func floats(js []jsonFloat) []float64 {
	if js == nil {
		return nil
	}
	fs := make([]float64, len(js))
	for i, f := range js {
		fs[i] = float64(f)
	}
	return fs
}

// decodeJSONObjects decodes a sequence of JSON objects separated by white
// space (JSON Lines) and calls each with every one, in order.
func decodeJSONObjects[T any](data []byte, each func(*T) error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var v *T
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if v == nil {
			return errors.New("null instead of an object")
		}
		if err := each(v); err != nil {
			return err
		}
	}
}

// decodeJSONObject decodes exactly one JSON object.
func decodeJSONObject[T any](data []byte) (*T, error) {
	var out *T
	err := decodeJSONObjects(data, func(v *T) error {
		if out != nil {
			return errors.New("more than one object")
		}
		out = v
		return nil
	})
	if err == nil && out == nil {
		err = errors.New("no object")
	}
	return out, err
}
