package model

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	base := func(f func(*Config)) Config {
		c := Config{Task: TaskBinary, Features: 3, Optimizer: Optimizer{Name: OptimizerSGD}}
		f(&c)
		c.EnsureDefaults()
		return c
	}
	cases := []struct {
		name string
		cfg  Config
		want []string // each a whole error line; none for a valid config
	}{
		{"binary defaults", base(func(*Config) {}), nil},
		{"multiclass", base(func(c *Config) { c.Task, c.Classes = TaskMulticlass, 4 }), nil},
		{"huber", base(func(c *Config) { c.Task, c.Loss = TaskRegression, LossHuber }), nil},
		{"every optimizer field", base(func(c *Config) {
			c.Optimizer = Optimizer{Name: OptimizerAdam, LearningRate: 0.1, Beta1: 0.5, Beta2: 0.9, Epsilon: 1e-6}
		}), nil},
		{"no task", base(func(c *Config) { c.Task = "" }),
			[]string{`model: task must be one of binary, multiclass, regression, got ""`}},
		{"unknown task", base(func(c *Config) { c.Task = "ranking" }),
			[]string{`model: task must be one of binary, multiclass, regression, got "ranking"`}},
		{"softmax for binary", base(func(c *Config) { c.Learner = LearnerSoftmax }),
			[]string{`model: learner must be "logistic" for task "binary", got "softmax"`}},
		{"logistic for regression", base(func(c *Config) { c.Task, c.Learner = TaskRegression, LearnerLogistic }),
			[]string{`model: learner must be "linear" for task "regression", got "logistic"`}},
		{"unknown loss", base(func(c *Config) { c.Task, c.Loss = TaskRegression, "hinge" }),
			[]string{`model: loss must be one of squared, huber, got "hinge"`}},
		{"loss for logistic", base(func(c *Config) { c.Loss = LossSquared }),
			[]string{`model: loss applies to the linear learner only, got "squared"`}},
		{"negative huber delta", base(func(c *Config) { c.Task, c.Loss, c.HuberDelta = TaskRegression, LossHuber, -1 }),
			[]string{`model: huber_delta must be > 0, got -1`}},
		{"no features", base(func(c *Config) { c.Features = 0 }),
			[]string{`model: features must be in [1, 16777216], got 0`}},
		{"too many parameters", base(func(c *Config) { c.Task, c.Classes, c.Features = TaskMulticlass, 1000, 1<<20 }),
			[]string{`model: features gives 1048577000 parameters with 1000 outputs, more than 67108864`}},
		{"one class", base(func(c *Config) { c.Task, c.Classes = TaskMulticlass, 1 }),
			[]string{`model: classes must be in [2, 65536] for a multiclass task, got 1`}},
		{"classes ignored for binary", base(func(c *Config) { c.Classes = -5 }), nil},
		{"unknown optimizer", base(func(c *Config) { c.Optimizer.Name = "rmsprop" }),
			[]string{`model: optimizer.name must be one of sgd, adagrad, adam, ftrl, got "rmsprop"`}},
		{"negative learning rate", base(func(c *Config) { c.Optimizer.LearningRate = -1 }),
			[]string{`model: optimizer.learning_rate must be > 0, got -1`}},
		{"nan learning rate", base(func(c *Config) { c.Optimizer.LearningRate = math.NaN() }),
			[]string{`model: optimizer.learning_rate must be > 0, got NaN`}},
		{"infinite learning rate", base(func(c *Config) { c.Optimizer.LearningRate = math.Inf(1) }),
			[]string{`model: optimizer.learning_rate must be finite, got +Inf`}},
		{"unknown schedule", base(func(c *Config) { c.Optimizer.Schedule = "cosine" }),
			[]string{`model: optimizer.schedule must be one of constant, inverse_sqrt, inverse, got "cosine"`}},
		{"schedule for adam", base(func(c *Config) { c.Optimizer.Name, c.Optimizer.Schedule = OptimizerAdam, ScheduleInverse }),
			[]string{`model: optimizer.schedule applies to the sgd optimizer only, got "inverse"`}},
		{"negative decay", base(func(c *Config) { c.Optimizer.Schedule, c.Optimizer.Decay = ScheduleInverse, -2 }),
			[]string{`model: optimizer.decay must be > 0, got -2`}},
		{"beta1 of one", base(func(c *Config) { c.Optimizer.Name, c.Optimizer.Beta1 = OptimizerAdam, 1 }),
			[]string{`model: optimizer.beta1 must be in (0, 1), got 1`}},
		{"negative beta2", base(func(c *Config) { c.Optimizer.Name, c.Optimizer.Beta2 = OptimizerAdam, -0.5 }),
			[]string{`model: optimizer.beta2 must be in (0, 1), got -0.5`}},
		{"negative epsilon", base(func(c *Config) { c.Optimizer.Name, c.Optimizer.Epsilon = OptimizerAdaGrad, -1e-8 }),
			[]string{`model: optimizer.epsilon must be > 0, got -1e-08`}},
		{"negative ftrl beta", base(func(c *Config) { c.Optimizer.Name, c.Optimizer.FTRLBeta = OptimizerFTRL, -1 }),
			[]string{`model: optimizer.ftrl_beta must be > 0, got -1`}},
		{"adam fields ignored for sgd", base(func(c *Config) { c.Optimizer.Beta1 = 7 }), nil},
		{"negative l1", base(func(c *Config) { c.L1 = -0.1 }), []string{`model: l1 must be >= 0, got -0.1`}},
		{"infinite l2", base(func(c *Config) { c.L2 = math.Inf(1) }), []string{`model: l2 must be finite, got +Inf`}},
		{"several fields", base(func(c *Config) { c.Features, c.L1, c.L2 = -1, -1, -2 }), []string{
			`model: features must be in [1, 16777216], got -1`,
			`model: l1 must be >= 0, got -1`,
			`model: l2 must be >= 0, got -2`,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.cfg.Validate()
			if len(c.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate: nil, want %q", c.want)
			}
			if got := strings.Split(err.Error(), "\n"); strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("Validate:\n got %q\nwant %q", got, c.want)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Errorf("Validate: %T is not a *FieldError", err)
			}
			if _, err := New(c.cfg); err == nil {
				t.Error("New accepted an invalid config")
			}
		})
	}
}

func TestEnsureDefaults(t *testing.T) {
	cases := []struct {
		name string
		in   Config
		want Config
	}{
		{"binary sgd", Config{Task: TaskBinary, Features: 2, Optimizer: Optimizer{Name: OptimizerSGD}}, Config{Task: TaskBinary, Learner: LearnerLogistic, Features: 2,
			Optimizer: Optimizer{Name: OptimizerSGD, LearningRate: 0.01, Schedule: ScheduleConstant}}},
		{"multiclass adam", Config{Task: TaskMulticlass, Classes: 3, Features: 2, Optimizer: Optimizer{Name: OptimizerAdam}},
			Config{Task: TaskMulticlass, Learner: LearnerSoftmax, Classes: 3, Features: 2,
				Optimizer: Optimizer{Name: OptimizerAdam, LearningRate: 0.01, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8}}},
		{"regression huber ftrl", Config{Task: TaskRegression, Loss: LossHuber, Features: 2, Optimizer: Optimizer{Name: OptimizerFTRL}},
			Config{Task: TaskRegression, Learner: LearnerLinear, Loss: LossHuber, HuberDelta: 1, Features: 2,
				Optimizer: Optimizer{Name: OptimizerFTRL, LearningRate: 0.1, FTRLBeta: 1}}},
		{"regression adagrad", Config{Task: TaskRegression, Features: 2, Optimizer: Optimizer{Name: OptimizerAdaGrad}},
			Config{Task: TaskRegression, Learner: LearnerLinear, Loss: LossSquared, Features: 2,
				Optimizer: Optimizer{Name: OptimizerAdaGrad, LearningRate: 0.01, Epsilon: 1e-8}}},
		{"sgd schedule", Config{Task: TaskBinary, Features: 2, Optimizer: Optimizer{Name: OptimizerSGD, Schedule: ScheduleInverseSqrt, LearningRate: 0.5}},
			Config{Task: TaskBinary, Learner: LearnerLogistic, Features: 2,
				Optimizer: Optimizer{Name: OptimizerSGD, LearningRate: 0.5, Schedule: ScheduleInverseSqrt, Decay: 1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.in
			got.EnsureDefaults()
			if got != c.want {
				t.Errorf("EnsureDefaults:\n got %+v\nwant %+v", got, c.want)
			}
			m := mustNew(t, c.in)
			if m.Config() != c.want {
				t.Errorf("New(...).Config() = %+v", m.Config())
			}
		})
	}
}

// TestValidateZeroFields: zero fields take their defaults, so a config with
// only the required fields is valid before EnsureDefaults.
func TestValidateZeroFields(t *testing.T) {
	for _, c := range []Config{
		{Task: TaskBinary, Features: 1},
		{Task: TaskMulticlass, Classes: 2, Features: 1, Optimizer: Optimizer{Name: OptimizerAdam}},
		{Task: TaskRegression, Loss: LossHuber, Features: 1, Optimizer: Optimizer{Name: OptimizerFTRL}},
		{Task: TaskRegression, Features: 1, Optimizer: Optimizer{Name: OptimizerSGD, Schedule: ScheduleInverse}},
	} {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

// TestConfigJSONNames: a config marshals with its yaml key names and reads
// both those and the Go field names of versions written before the json
// tags.
func TestConfigJSONNames(t *testing.T) {
	c := Config{Task: TaskRegression, Loss: LossHuber, HuberDelta: 2, Features: 3, L2: 0.5, Standardize: true,
		Optimizer: Optimizer{Name: OptimizerFTRL, LearningRate: 0.3, FTRLBeta: 1.5}}
	c.EnsureDefaults()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"learning_rate":0.3`, `"ftrl_beta":1.5`, `"huber_delta":2`, `"features":3`, `"standardize":true`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("%s: no %s", b, k)
		}
	}
	var got Config
	if err := json.Unmarshal(b, &got); err != nil || got != c {
		t.Fatalf("round trip: %+v, %v; want %+v", got, err, c)
	}
	old := `{"Task":"regression","Learner":"linear","Loss":"huber","HuberDelta":2,"Classes":0,"Features":3,` +
		`"Optimizer":{"Name":"ftrl","LearningRate":0.3,"Schedule":"","Decay":0,"Beta1":0,"Beta2":0,"Epsilon":0,"FTRLBeta":1.5},` +
		`"L1":0,"L2":0.5,"Standardize":true}`
	got = Config{}
	if err := json.Unmarshal([]byte(old), &got); err != nil || got != c {
		t.Fatalf("old names: %+v, %v; want %+v", got, err, c)
	}
}
