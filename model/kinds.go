package model

// Internal codes of the config's names. They are also the bytes of the
// binary encoding: never renumber them.
type (
	learnerKind uint8
	lossKind    uint8
	optKind     uint8
	schedKind   uint8
)

const (
	learnerLogistic learnerKind = 1
	learnerSoftmax  learnerKind = 2
	learnerLinear   learnerKind = 3
)

const (
	lossLog      lossKind = 1 // logistic
	lossCrossEnt lossKind = 2 // softmax
	lossSquared  lossKind = 3
	lossHuber    lossKind = 4
)

const (
	optSGD     optKind = 1
	optAdaGrad optKind = 2
	optAdam    optKind = 3
	optFTRL    optKind = 4
)

const (
	schedNone        schedKind = 0 // not sgd
	schedConstant    schedKind = 1
	schedInverseSqrt schedKind = 2
	schedInverse     schedKind = 3
)

// kinds are the codes of a validated config.
type kinds struct {
	learner learnerKind
	loss    lossKind
	opt     optKind
	sched   schedKind
}

func kindsOf(c Config) kinds {
	var k kinds
	switch c.Learner {
	case LearnerLogistic:
		k.learner, k.loss = learnerLogistic, lossLog
	case LearnerSoftmax:
		k.learner, k.loss = learnerSoftmax, lossCrossEnt
	case LearnerLinear:
		k.learner, k.loss = learnerLinear, lossSquared
		if c.Loss == LossHuber {
			k.loss = lossHuber
		}
	}
	switch c.Optimizer.Name {
	case OptimizerSGD:
		k.opt = optSGD
		k.sched = schedKindOf(c.Optimizer.Schedule)
	case OptimizerAdaGrad:
		k.opt = optAdaGrad
	case OptimizerAdam:
		k.opt = optAdam
	case OptimizerFTRL:
		k.opt = optFTRL
	}
	return k
}

func schedKindOf(s string) schedKind {
	switch s {
	case ScheduleConstant:
		return schedConstant
	case ScheduleInverseSqrt:
		return schedInverseSqrt
	case ScheduleInverse:
		return schedInverse
	}
	return schedNone
}

// stateArrays is how many per-parameter arrays the optimizer keeps.
func (o optKind) stateArrays() int {
	switch o {
	case optAdaGrad:
		return 1 // sum of squared gradients
	case optAdam, optFTRL:
		return 2 // adam: first and second moments; ftrl: z and n
	}
	return 0
}
