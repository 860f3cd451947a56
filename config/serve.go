package config

import (
	"regexp"

	"github.com/streamsgd/streamsgd/codecs/table"
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
	State table.ServeState `yaml:"state"`
	// Output is the topic of the predictions, records of the shape of
	// <p>.predictions. Default "<name>.scores", name being the pipeline's.
	Output string `yaml:"output"`
}

// DefaultServeState is the default of Serve.State.
const DefaultServeState = table.StateLatest

// DefaultServeOutput is the default of Serve.Output for pipeline name.
func DefaultServeOutput(pipeline string) string { return pipeline + ".scores" }

// topicRE is what Kafka accepts as a topic name.
var topicRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,249}$`)

// ValidTopic reports whether s can name a Kafka topic: 1 to 249 letters,
// digits, '.', '_' and '-', and neither "." nor "..".
func ValidTopic(s string) bool { return topicRE.MatchString(s) && s != "." && s != ".." }

func (s *Serve) ensureDefaults(pipeline string) {
	setZero(&s.State, DefaultServeState)
	setZero(&s.Output, DefaultServeOutput(pipeline))
}
