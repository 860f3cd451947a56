package model

// Task is the prediction problem a model solves.
type Task string

// The tasks.
const (
	TaskBinary     Task = "binary"     // labels 0/1; any label > 0.5 counts as 1
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
// documented on each field.
type Optimizer struct {
	Name         string  // "sgd" (default), "adagrad", "adam", "ftrl"
	LearningRate float64 // default 0.01 for sgd/adagrad/adam; for ftrl this is alpha, default 0.1
	Schedule     string  // sgd only: "constant" (default), "inverse_sqrt" (lr/sqrt(1+decay*t)), "inverse" (lr/(1+decay*t)); t counts the rows learned before this one
	Decay        float64 // schedule decay, default 1.0
	Beta1, Beta2 float64 // adam, defaults 0.9, 0.999
	Epsilon      float64 // adam/adagrad, default 1e-8
	FTRLBeta     float64 // ftrl beta, default 1.0
}

// Config describes one model. Zero fields take the defaults documented on
// each field; New applies EnsureDefaults then Validate.
type Config struct {
	Task        Task
	Learner     string  // "logistic" (binary), "softmax" (multiclass), "linear" (regression); default from Task
	Loss        string  // linear only: "squared" (default) or "huber"; empty for the other learners
	HuberDelta  float64 // default 1.0
	Classes     int     // multiclass: K >= 2, labels are 0..K-1; ignored otherwise
	Features    int     // >= 1
	Optimizer   Optimizer
	L1, L2      float64 // >= 0 (L1 via proximal/truncated step for sgd/adagrad/adam, native for ftrl); weights only, never the biases
	Standardize bool    // online standardisation (Welford running mean/variance) of features, part of the model state
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
		o.Name = OptimizerSGD
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
