package model

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Size limits that keep a typo in a config from allocating gigabytes.
const (
	MaxFeatures = 1 << 24 // Config.Features
	MaxClasses  = 1 << 16 // Config.Classes
	MaxParams   = 1 << 26 // Outputs × (Features+1)
)

// FieldError is a Config field that fails validation. Field is the
// yaml-ish path of the field, e.g. "optimizer.learning_rate".
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return "model: " + e.Field + " " + e.Reason }

// Validate reports every invalid field of c (joined with errors.Join), each a
// *FieldError naming the field, e.g.
// `model: optimizer.learning_rate must be > 0, got -1`.
// A learner that does not fit the task is an error. Zero fields are valid:
// Validate checks a copy of c with the defaults applied.
func (c Config) Validate() error {
	c.EnsureDefaults()
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	c.validateKind(add)
	c.validateShape(add)
	c.Optimizer.validate(add)
	nonNegative(add, "l1", c.L1)
	nonNegative(add, "l2", c.L2)
	return errors.Join(errs...)
}

type addFunc func(field, format string, args ...any)

func (c Config) validateKind(add addFunc) {
	want := defaultLearner(c.Task)
	switch {
	case want == "":
		add("task", "must be one of binary, multiclass, regression, got %q", string(c.Task))
	case c.Learner != want:
		add("learner", "must be %q for task %q, got %q", want, string(c.Task), c.Learner)
	}
	switch {
	case c.Learner == LearnerLinear && c.Loss != LossSquared && c.Loss != LossHuber:
		add("loss", "must be one of squared, huber, got %q", c.Loss)
	case c.Learner != LearnerLinear && c.Loss != "":
		add("loss", "applies to the linear learner only, got %q", c.Loss)
	}
	if c.Loss == LossHuber {
		positive(add, "huber_delta", c.HuberDelta)
	}
}

func (c Config) validateShape(add addFunc) {
	if c.Features < 1 || c.Features > MaxFeatures {
		add("features", "must be in [1, %d], got %d", MaxFeatures, c.Features)
		return
	}
	k := 1
	if c.Task == TaskMulticlass {
		if c.Classes < 2 || c.Classes > MaxClasses {
			add("classes", "must be in [2, %d] for a multiclass task, got %d", MaxClasses, c.Classes)
			return
		}
		k = c.Classes
	}
	if p := k * (c.Features + 1); p > MaxParams {
		add("features", "gives %d parameters with %d outputs, more than %d", p, k, MaxParams)
	}
}

func (o Optimizer) validate(add addFunc) {
	switch o.Name {
	case OptimizerSGD:
		o.validateSchedule(add)
	case OptimizerAdaGrad:
		positive(add, "optimizer.epsilon", o.Epsilon)
	case OptimizerAdam:
		unitOpen(add, "optimizer.beta1", o.Beta1)
		unitOpen(add, "optimizer.beta2", o.Beta2)
		positive(add, "optimizer.epsilon", o.Epsilon)
	case OptimizerFTRL:
		positive(add, "optimizer.ftrl_beta", o.FTRLBeta)
	default:
		add("optimizer.name", "must be one of sgd, adagrad, adam, ftrl, got %q", o.Name)
	}
	positive(add, "optimizer.learning_rate", o.LearningRate)
	if o.Name != OptimizerSGD && o.Schedule != "" {
		add("optimizer.schedule", "applies to the sgd optimizer only, got %q", o.Schedule)
	}
}

func (o Optimizer) validateSchedule(add addFunc) {
	switch o.Schedule {
	case ScheduleConstant:
	case ScheduleInverseSqrt, ScheduleInverse:
		positive(add, "optimizer.decay", o.Decay)
	default:
		add("optimizer.schedule", "must be one of constant, inverse_sqrt, inverse, got %q", o.Schedule)
	}
}

func positive(add addFunc, field string, v float64) {
	switch {
	case math.IsInf(v, 0):
		add(field, "must be finite, got %s", num(v))
	case !(v > 0):
		add(field, "must be > 0, got %s", num(v))
	}
}

func nonNegative(add addFunc, field string, v float64) {
	switch {
	case math.IsInf(v, 0):
		add(field, "must be finite, got %s", num(v))
	case !(v >= 0):
		add(field, "must be >= 0, got %s", num(v))
	}
}

func unitOpen(add addFunc, field string, v float64) {
	if !(v > 0 && v < 1) {
		add(field, "must be in (0, 1), got %s", num(v))
	}
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
