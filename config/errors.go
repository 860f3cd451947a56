package config

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every *FieldError.
var ErrInvalid = errors.New("config: invalid pipeline config")

// FieldError names the file and the field of a configuration error:
// "<file>: <field>: <msg>". Field is the path of the key in the YAML, e.g.
// "models[0].optimizer.learning_rate"; it is empty for a YAML syntax error,
// whose Msg gives the line.
type FieldError struct {
	File  string
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	file := e.File
	if file == "" {
		file = "config"
	}
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", file, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", file, e.Field, e.Msg)
}

// Unwrap lets errors.Is(err, ErrInvalid) match.
func (e *FieldError) Unwrap() error { return ErrInvalid }
