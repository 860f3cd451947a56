package susy

// The ground truth: how the 18 features are drawn and the fixed logistic
// model that labels them. Every number here is part of the data set's
// definition; changing one changes every generated row (the golden test
// catches it).

// transform maps a latent Gaussian to a feature's shape.
type transform uint8

const (
	linear transform = iota // mean + scale*u: symmetric, like an angle or η
	expo                    // mean + scale*e**u: positive, right-skewed, like a pT
	absval                  // mean + scale*|u|: positive, half-normal, like a MET
)

// link mixes an earlier latent into a later one.
type link struct {
	from int     // index of the earlier latent, < the current index
	coef float64 // 0 for an unused slot
}

// spec defines one feature. Its latent is u = noise*z + Σ coef*u[from] with
// z ~ N(0,1) drawn for this feature alone, so the latents are u = L z with a
// fixed lower-triangular L; the feature is then mean + scale*transform(u).
type spec struct {
	noise       float64
	links       [2]link
	tf          transform
	mean, scale float64
	weight      float64 // true logistic weight on the produced feature
}

// intercept is the true logistic model's bias.
const intercept = -7.42

// specs lists the features in output order; the comment names the SUSY
// feature each one imitates. The first eight are "low level" (lepton and
// missing-energy kinematics), the last ten "high level" functions of them,
// hence correlated with them. Read-only.
var specs = [Features]spec{
	{noise: 0.55, tf: expo, scale: 1, weight: 1.375},                                                       // f0 lepton 1 pT
	{noise: 1, tf: linear, scale: 1.1, weight: 0},                                                          // f1 lepton 1 η
	{noise: 1, tf: linear, scale: 1.8, weight: 0},                                                          // f2 lepton 1 φ
	{noise: 0.45, links: [2]link{{0, 0.4}}, tf: expo, scale: 0.8, weight: 0.75},                            // f3 lepton 2 pT
	{noise: 0.95, links: [2]link{{1, 0.3}}, tf: linear, scale: 1.1, weight: 0},                             // f4 lepton 2 η
	{noise: 0.9, links: [2]link{{2, -0.4}}, tf: linear, scale: 1.8, weight: 0},                             // f5 lepton 2 φ
	{noise: 0.9, links: [2]link{{0, 0.4}}, tf: absval, mean: 0.1, scale: 1.2, weight: 1.75},                // f6 missing energy magnitude
	{noise: 0.98, links: [2]link{{2, 0.2}}, tf: linear, scale: 1.8, weight: 0},                             // f7 missing energy φ
	{noise: 0.5, links: [2]link{{6, 0.8}, {0, 0.3}}, tf: absval, scale: 1, weight: 0.625},                  // f8 MET_rel
	{noise: 0.6, links: [2]link{{6, 0.7}, {7, -0.3}}, tf: linear, scale: 1.2, weight: 0.375},               // f9 axial MET
	{noise: 0.35, links: [2]link{{0, 0.4}, {3, 0.4}}, tf: expo, scale: 1, weight: 1.125},                   // f10 M_R
	{noise: 0.5, links: [2]link{{10, 0.6}, {6, 0.3}}, tf: expo, scale: 0.9, weight: -0.5},                  // f11 M_TR_2
	{noise: 0.6, links: [2]link{{11, 0.5}, {10, -0.4}}, tf: linear, mean: 0.5, scale: 0.3, weight: 3.125},  // f12 R
	{noise: 0.7, links: [2]link{{6, 0.5}, {3, 0.3}}, tf: absval, scale: 0.9, weight: 0.875},                // f13 MT2
	{noise: 0.4, links: [2]link{{10, 0.6}, {13, 0.3}}, tf: expo, scale: 1.1, weight: -0.625},               // f14 S_R
	{noise: 0.45, links: [2]link{{14, 0.5}, {8, 0.3}}, tf: expo, scale: 0.7, weight: 1},                    // f15 M_Δ^R
	{noise: 0.8, links: [2]link{{2, 0.4}, {5, -0.4}}, tf: linear, mean: 1.2, scale: 0.6, weight: 0.5},      // f16 Δφ_R^β
	{noise: 0.85, links: [2]link{{1, 0.3}, {4, -0.3}}, tf: linear, mean: 0.3, scale: 0.25, weight: -1.875}, // f17 cos θ_R1
}
