package model

// Learn takes one optimizer step on the example (x, y): it checks the
// example, folds x into the scaler (with Standardize) and y into the
// target's (with StandardizeTarget), computes the gradient at the
// standardised x and y and updates the parameters. Binary labels are 0/1
// (any y > 0.5 counts as 1); multiclass labels are class indices 0..K-1.
// A bad example (wrong length, non-finite feature or label, class out of
// range) returns an error and leaves the model unchanged. Learn does not
// allocate.
func (m *Model) Learn(x []float64, y float64) error {
	if err := m.checkLen(x); err != nil {
		return err
	}
	t, err := m.target(y)
	if err != nil {
		return err
	}
	xs := x
	if m.cfg.StandardizeTarget && !m.cfg.Standardize {
		// Checked before the target's statistics change.
		if err := checkFinite(x); err != nil {
			return err
		}
	}
	if m.cfg.Standardize {
		if err := checkFinite(x); err != nil {
			return err
		}
		m.sc.learn(x, m.xs, m.avx)
		xs = m.xs
	}
	if m.cfg.StandardizeTarget {
		m.tbuf[0] = t
		m.ts.learn(m.tbuf[:1], m.tbuf[1:2], false)
		t = m.tbuf[1]
	}
	if !m.gradient(xs, t, m.grad) {
		// Without Standardize the features are checked here, through the
		// logits; with finite features a non-finite logit is the model's own
		// overflow, and the step goes on as it would have.
		if err := checkFinite(x); err != nil {
			return err
		}
	}
	m.step(m.grad)
	m.seen++
	return nil
}
