package table

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// The messages on <p>.pins, keyed by model key, that the checkpoint group
// applies to the key's Registry (its CommandResults say what came of
// them): pin and unpin commands (PinCommand), written by `streamsgd models
// pin|unpin`, and the tick (TickCommand) that the loop beside the group
// writes for a key whose version is due by time.

// PinOp is the operation of a pin command.
type PinOp string

// The pin operations.
const (
	OpPin   PinOp = "pin"
	OpUnpin PinOp = "unpin"
)

// PinCommand is a message on <p>.pins, keyed by model key, as JSON:
// {"op":"pin","version":3,"id":"..."}. ID is optional; the sender uses it
// to find the command's result in the registry.
type PinCommand struct {
	Op      PinOp  `json:"op"`
	Version int64  `json:"version"`
	ID      string `json:"id,omitempty"`
}

// Encode returns the command's JSON.
func (c PinCommand) Encode() ([]byte, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("table: encode pin command: %w", err)
	}
	return b, nil
}

// ParsePinCommand decodes and checks a pin command.
func ParsePinCommand(data []byte) (PinCommand, error) {
	var c PinCommand
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("table: pin command %q: %w", clip(data, 64), err)
	}
	if c.Op != OpPin && c.Op != OpUnpin {
		return c, fmt.Errorf("table: pin command: op must be %q or %q, got %q", OpPin, OpUnpin, c.Op)
	}
	if c.Version < 1 {
		return c, fmt.Errorf("table: pin command: version must be >= 1, got %d", c.Version)
	}
	return c, nil
}

// TickCommand is the message on <p>.pins that makes a key's pending state
// a version (processors.Checkpoint.DueKeys).
var TickCommand = []byte(`{"op":"tick"}`)

// IsTick reports whether a message on <p>.pins is TickCommand.
func IsTick(data []byte) bool { return bytes.Equal(data, TickCommand) }
