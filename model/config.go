package model

import "encoding/json"

// Task is the prediction problem a model solves.
type Task string

// The tasks.
const (
	TaskBinary     Task = "binary"     // labels 0/1 (-1 is read as 0); others are refused
	TaskMulticlass Task = "multiclass" // labels 0..Classes-1
	TaskRegression Task = "regression" // real-valued labels
)

// Learner names.
const (
	LearnerLogistic = "logistic" // binary logistic regression (log loss)
	LearnerSoftmax  = "softmax"  // multiclass softmax regression (cross-entropy)
	LearnerLinear   = "linear"   // linear regression (squared or Huber loss)
)

// Loss names of the linear learner.
const (
	LossSquared = "squared" // ½(ŷ−y)²
	LossHuber   = "huber"   // ½r² for |r| ≤ δ, δ(|r|−½δ) beyond
)

// Optimizer names.
const (
	OptimizerSGD     = "sgd"
	OptimizerAdaGrad = "adagrad"
	OptimizerAdam    = "adam"
	OptimizerFTRL    = "ftrl"
)

// SGD learning-rate schedules.
const (
	ScheduleConstant    = "constant"     // lr
	ScheduleInverseSqrt = "inverse_sqrt" // lr/sqrt(1+decay*t)
	ScheduleInverse     = "inverse"      // lr/(1+decay*t)
)

// Optimizer configures the update rule. Zero fields take the defaults
// documented on each field; the yaml tags are the keys of a pipeline
// config's models[].optimizer section.
type Optimizer struct {
	// Name is "sgd", "adagrad", "adam" or "ftrl". Default "ftrl": per
	// coordinate adaptive steps whose default alpha works untuned on
	// standardised features (see the README's "Defaults").
	Name string `yaml:"name" json:"name"`
	// LearningRate: default 0.01 for sgd, adagrad and adam; for ftrl this
	// is alpha, default 0.1.
	LearningRate float64 `yaml:"learning_rate" json:"learning_rate"`
	// Schedule, sgd only: "constant" (default), "inverse_sqrt"
	// (lr/sqrt(1+decay*t)) or "inverse" (lr/(1+decay*t)); t counts the rows
	// learned before this one.
	Schedule string `yaml:"schedule" json:"schedule"`
	// Decay of the inverse_sqrt and inverse schedules. Default 1.
	Decay float64 `yaml:"decay" json:"decay"`
	// Beta1 and Beta2 of adam. Defaults 0.9 and 0.999.
	Beta1 float64 `yaml:"beta1" json:"beta1"`
	Beta2 float64 `yaml:"beta2" json:"beta2"`
	// Epsilon of adam and adagrad. Default 1e-8.
	Epsilon float64 `yaml:"epsilon" json:"epsilon"`
	// FTRLBeta is FTRL-Proximal's beta (its alpha is LearningRate).
	// Default 1.
	FTRLBeta float64 `yaml:"ftrl_beta" json:"ftrl_beta"`
}

// Config describes one model. Zero fields take the defaults documented on
// each field; New applies EnsureDefaults then Validate. The yaml tags are
// the keys of a model in a pipeline config (package config), which
// derives Features (and, by default, Classes) from the input.
type Config struct {
	// Task is "binary", "multiclass" or "regression". Required here; a
	// pipeline config defaults it to "binary".
	Task Task `yaml:"task" json:"task"`
	// Learner is "logistic" (binary), "softmax" (multiclass) or "linear"
	// (regression). Default: the one of the Task.
	Learner string `yaml:"learner" json:"learner"`
	// Loss of the linear learner: "squared" (default) or "huber"; empty for
	// the other learners.
	Loss string `yaml:"loss" json:"loss"`
	// HuberDelta of the Huber loss. Default 1.
	HuberDelta float64 `yaml:"huber_delta" json:"huber_delta"`
	// Classes of a multiclass task: K >= 2, labels are 0..K-1; ignored
	// otherwise. A pipeline config defaults it to the number of
	// input.label.classes.
	Classes int `yaml:"classes" json:"classes"`
	// Features per example, >= 1. A pipeline config derives it from its
	// input, so it is not a key of its own.
	Features int `yaml:"-" json:"features"`
	// Optimizer is the update rule.
	Optimizer Optimizer `yaml:"optimizer" json:"optimizer"`
	// L1 and L2 regularisation strengths, >= 0 (L1 via proximal/truncated
	// step for sgd/adagrad/adam, native for ftrl); weights only, never the
	// biases. Default 0.
	L1 float64 `yaml:"l1" json:"l1"`
	L2 float64 `yaml:"l2" json:"l2"`
	// Standardize turns on online standardisation (Welford running
	// mean/variance) of features, part of the model state. Default false
	// here; a pipeline config defaults it to true.
	Standardize bool `yaml:"standardize" json:"standardize"`
	// StandardizeTarget, linear learner only: learn the target
	// standardised online (its running mean and variance, part of the
	// model state) and de-standardise the predictions, so that the
	// optimizer's steps need not match the target's scale (a target in the
	// hundreds is learned as fast as one near 1); the Huber delta then
	// applies to the standardised target. Exported weights and biases are
	// in the target's units (see Model.Weights). Default false here; a
	// pipeline config defaults it to true for a regression. Cleared for
	// the other learners.
	StandardizeTarget bool `yaml:"standardize_target" json:"standardize_target,omitempty"`
}

// Defaults.
const (
	DefaultLearningRate     = 0.01
	DefaultFTRLLearningRate = 0.1
	DefaultDecay            = 1.0
	DefaultBeta1            = 0.9
	DefaultBeta2            = 0.999
	DefaultEpsilon          = 1e-8
	DefaultFTRLBeta         = 1.0
	DefaultHuberDelta       = 1.0
)

// EnsureDefaults fills the zero fields of c with their defaults. Fields that
// do not apply to the chosen learner or optimizer keep their zero value, so
// that equal models have equal configs.
func (c *Config) EnsureDefaults() {
	if c.Learner == "" {
		c.Learner = defaultLearner(c.Task)
	}
	if c.Learner == LearnerLinear && c.Loss == "" {
		c.Loss = LossSquared
	}
	if c.Loss == LossHuber && c.HuberDelta == 0 {
		c.HuberDelta = DefaultHuberDelta
	}
	if c.Learner != LearnerLinear {
		c.StandardizeTarget = false
	}
	c.Optimizer.ensureDefaults()
}

func defaultLearner(t Task) string {
	switch t {
	case TaskBinary:
		return LearnerLogistic
	case TaskMulticlass:
		return LearnerSoftmax
	case TaskRegression:
		return LearnerLinear
	}
	return ""
}

func (o *Optimizer) ensureDefaults() {
	if o.Name == "" {
		o.Name = OptimizerFTRL
	}
	if o.LearningRate == 0 {
		o.LearningRate = DefaultLearningRate
		if o.Name == OptimizerFTRL {
			o.LearningRate = DefaultFTRLLearningRate
		}
	}
	switch o.Name {
	case OptimizerSGD:
		setDefault(&o.Schedule, ScheduleConstant)
		if o.Schedule != ScheduleConstant {
			setZero(&o.Decay, DefaultDecay)
		}
	case OptimizerAdaGrad:
		setZero(&o.Epsilon, DefaultEpsilon)
	case OptimizerAdam:
		setZero(&o.Beta1, DefaultBeta1)
		setZero(&o.Beta2, DefaultBeta2)
		setZero(&o.Epsilon, DefaultEpsilon)
	case OptimizerFTRL:
		setZero(&o.FTRLBeta, DefaultFTRLBeta)
	}
}

func setDefault(s *string, v string) {
	if *s == "" {
		*s = v
	}
}

func setZero(f *float64, v float64) {
	if *f == 0 {
		*f = v
	}
}

// UnmarshalJSON reads the yaml key names (learning_rate, ftrl_beta), the
// names a config is marshalled with, and also the Go field names
// (LearningRate, FTRLBeta) that versions written before the json tags
// hold; a key in the new form wins.
func (o *Optimizer) UnmarshalJSON(data []byte) error {
	type plain Optimizer // without this method
	var old struct{ LearningRate, FTRLBeta *float64 }
	if err := json.Unmarshal(data, (*plain)(o)); err != nil {
		return err
	}
	if err := json.Unmarshal(data, &old); err != nil {
		return err
	}
	if old.LearningRate != nil && o.LearningRate == 0 {
		o.LearningRate = *old.LearningRate
	}
	if old.FTRLBeta != nil && o.FTRLBeta == 0 {
		o.FTRLBeta = *old.FTRLBeta
	}
	return nil
}

// UnmarshalJSON reads the yaml key names (huber_delta) and also the Go
// field name (HuberDelta) of versions written before the json tags; the
// other fields' names differ only in case, which encoding/json ignores.
func (c *Config) UnmarshalJSON(data []byte) error {
	type plain Config // without this method
	var old struct{ HuberDelta *float64 }
	if err := json.Unmarshal(data, (*plain)(c)); err != nil {
		return err
	}
	if err := json.Unmarshal(data, &old); err != nil {
		return err
	}
	if old.HuberDelta != nil && c.HuberDelta == 0 {
		c.HuberDelta = *old.HuberDelta
	}
	return nil
}
