package model

import "fmt"

// Predict writes the model's prediction for x into out[:Outputs()]: binary:
// out[0] = P(y=1); multiclass: out[k] = P(y=k); regression: out[0] = ŷ
// (with StandardizeTarget, the learned output de-standardised with the
// target's current mean and standard deviation). With Standardize, x is
// standardised with the current statistics, which Predict does not update. Predict does not allocate and does not write to
// the model.
func (m *Model) Predict(x []float64, out []float64) error {
	if err := m.checkLen(x); err != nil {
		return err
	}
	if len(out) < m.nk {
		return fmt.Errorf("%w: output has length %d, want at least %d", ErrShape, len(out), m.nk)
	}
	// A NaN or infinite feature makes every logit NaN or infinite: the
	// features are only scanned when the first logit is not finite.
	var z float64
	if m.k.learner == learnerSoftmax {
		m.logits(x, out, true)
		z = out[0]
	} else {
		z = m.logitX(0, x)
	}
	if !finite(z) {
		if err := checkFinite(x); err != nil {
			return err
		}
	}
	switch m.k.learner {
	case learnerLogistic:
		out[0] = sigmoid(z)
	case learnerLinear:
		out[0] = m.unscale(z)
	case learnerSoftmax:
		softmaxInPlace(out[:m.nk])
	}
	return nil
}

// Link turns raw outputs into predictions in place, the last step of
// Predict: z holds len(z)/Outputs() rows of Outputs() values each, the
// logit of a binary model (replaced by P(y=1)), the class logits of a
// multiclass model (replaced by the class probabilities) or ŷ of a
// regression (kept). Block scorers compute the raw outputs of many rows
// with matrix products of Weights (which, with StandardizeTarget, are in
// the target's units already) and finish with Link, so that they apply the
// very link functions of Predict. Link does not allocate.
func (m *Model) Link(z []float64) error {
	if len(z)%m.nk != 0 {
		return fmt.Errorf("%w: %d outputs are not whole rows of %d", ErrShape, len(z), m.nk)
	}
	switch m.k.learner {
	case learnerLogistic:
		for i, v := range z {
			z[i] = sigmoid(v)
		}
	case learnerSoftmax:
		for i := 0; i < len(z); i += m.nk {
			softmaxInPlace(z[i : i+m.nk])
		}
	}
	return nil
}
