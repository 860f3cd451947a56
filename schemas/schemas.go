package schemas

import (
	"embed"
	"fmt"
	"slices"
)

// Names of the schemas, for Schema.
const (
	Example        = "Example"
	Prediction     = "Prediction"
	MetricSnapshot = "MetricSnapshot"
	DeadLetter     = "DeadLetter"
	ModelState     = "ModelState"
	ModelVersion   = "ModelVersion"
	Event          = "Event"
)

//go:embed *.avsc
var files embed.FS

// fileOf maps a schema name to its embedded file.
func fileOf(name string) (string, bool) {
	switch name {
	case Example:
		return "example.avsc", true
	case Prediction:
		return "prediction.avsc", true
	case MetricSnapshot:
		return "metric_snapshot.avsc", true
	case DeadLetter:
		return "dead_letter.avsc", true
	case ModelState:
		return "model_state.avsc", true
	case ModelVersion:
		return "model_version.avsc", true
	case Event:
		return "event.avsc", true
	}
	return "", false
}

// Names returns the names of every schema, sorted. The slice is the
// caller's.
func Names() []string {
	names := []string{Example, Prediction, MetricSnapshot, DeadLetter, ModelState, ModelVersion, Event}
	slices.Sort(names)
	return names
}

// Schema returns the Avro schema (JSON text) of the given name, one of the
// constants of this package.
func Schema(name string) (string, error) {
	file, ok := fileOf(name)
	if !ok {
		return "", fmt.Errorf("schemas: unknown schema %q (want one of %v)", name, Names())
	}
	b, err := files.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("schemas: read %s: %w", file, err)
	}
	return string(b), nil
}
