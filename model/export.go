package model

// Standardization returns copies of the scaler's running means and inverse
// standard deviations: with Standardize, the weights apply to the features
// x'_i = (x_i − mean_i)·invSD_i (invSD_i is 0 while feature i has had no
// variance). Both are nil without Standardize.
func (m *Model) Standardization() (mean, invSD []float64) {
	if !m.cfg.Standardize {
		return nil, nil
	}
	return clone(m.sc.mean), clone(m.sc.inv)
}
