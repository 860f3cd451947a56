package config

import (
	"regexp"
	"strconv"
)

// Serve declares a scoring deployment: the score group of the pipeline
// (<p>-score) reads Topics, decodes their records as it decodes the input
// topics, predicts every row with a state of Model and writes the
// predictions to Output. It never learns.
type Serve struct {
	// Name of the deployment, unique among the pipeline's deployments
	// ([A-Za-z0-9_-]). It keys its serving override on <p>.serving
	// (`streamsgd serve promote`) and its snapshots on <p>.score-metrics.
	// Required.
	Name string `yaml:"name"`
	// Topics to score, in the input's format (input: says how to decode
	// them, label included). At least one; they must exist, and have as
	// many partitions as each other (the score group is copartitioned
	// like any goka group). They need not be input topics: a topic served
	// and not in input.topics is never learned from.
	Topics []string `yaml:"topics"`
	// Model served: the name of one of the pipeline's models. `streamsgd
	// serve promote` can switch a running deployment to another model of
	// the same task. Required.
	Model string `yaml:"model"`
	// State is the state of the model served: "latest" (the state the
	// learn group holds now; for a sharded model the merged model), "pinned"
	// (the newest pinned version in the checkpoint registry) or a version
	// id (e.g. 7). Default "latest".
	State ServeState `yaml:"state"`
	// Output is the topic of the predictions, records of the shape of
	// <p>.predictions. Default "<name>.scores", name being the pipeline's.
	Output string `yaml:"output"`
}

// ServeState says which state of a model a deployment serves: StateLatest,
// StatePinned, or a version id in decimal.
type ServeState string

// The states a deployment serves besides a fixed version.
const (
	// StateLatest is the model state the learn group holds now.
	StateLatest ServeState = "latest"
	// StatePinned is the newest pinned version of the model key.
	StatePinned ServeState = "pinned"
)

// DefaultServeState is the default of Serve.State.
const DefaultServeState = StateLatest

// DefaultServeOutput is the default of Serve.Output for pipeline name.
func DefaultServeOutput(pipeline string) string { return pipeline + ".scores" }

// Version returns the version id of a fixed-version state, and false for
// "latest", "pinned" or anything that is not a version id >= 1.
func (s ServeState) Version() (int64, bool) {
	id, err := strconv.ParseInt(string(s), 10, 64)
	if err != nil || id < 1 {
		return 0, false
	}
	return id, true
}

// Valid reports whether s is "latest", "pinned" or a version id >= 1.
func (s ServeState) Valid() bool {
	_, fixed := s.Version()
	return s == StateLatest || s == StatePinned || fixed
}

// topicRE is what Kafka accepts as a topic name.
var topicRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,249}$`)

// ValidTopic reports whether s can name a Kafka topic: 1 to 249 letters,
// digits, '.', '_' and '-', and neither "." nor "..".
func ValidTopic(s string) bool { return topicRE.MatchString(s) && s != "." && s != ".." }

func (s *Serve) ensureDefaults(pipeline string) {
	setZero(&s.State, DefaultServeState)
	setZero(&s.Output, DefaultServeOutput(pipeline))
}
