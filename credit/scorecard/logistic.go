package scorecard

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Model summarises a fitted logistic regression. A scorecard keeps the coefficients on its
// variables.
type Model struct {
	// Intercept is α.
	Intercept float64 `json:"intercept"`
	// LogLikelihood is the log-likelihood at the fitted coefficients.
	LogLikelihood float64 `json:"log_likelihood"`
	// NullLogLikelihood is the log-likelihood of the intercept-only model.
	NullLogLikelihood float64 `json:"null_log_likelihood"`
	// Iterations is the number of Newton steps taken.
	Iterations int `json:"iterations"`
	// Converged says whether the largest coefficient change fell below 1e-9.
	Converged bool `json:"converged"`
}

// PseudoR2 returns McFadden's pseudo-R²: 1 − LogLikelihood/NullLogLikelihood.
func (m Model) PseudoR2() float64 {
	if m.NullLogLikelihood == 0 {
		return 0
	}
	return 1 - m.LogLikelihood/m.NullLogLikelihood
}

// Fit is a fitted logistic regression: the Model and one coefficient per column of x.
type Fit struct {
	Model
	// Coefficients are β_j, in the order of the columns of x.
	Coefficients []float64
}

// maxNewton caps the Newton iterations of Logistic.
const maxNewton = 100

// Logistic fits P(bad) = 1 / (1 + exp(−(α + Σ β_j·x_j))) by maximum likelihood with
// iteratively reweighted least squares: Newton steps solved by a Cholesky factorisation
// of XᵀWX (gonum), halved while they would lower the likelihood. It is deterministic.
// x holds one row of predictors per observation, all rows of the same length; bad holds
// the outcomes and must contain both classes. It fails on mismatched lengths, a single
// class, a singular design or non-finite coefficients; perfectly separated data end
// unconverged with large coefficients.
func Logistic(x [][]float64, bad []bool) (Fit, error) {
	n := len(x)
	if n == 0 || n != len(bad) {
		return Fit{}, fmt.Errorf("logistic: %d rows but %d labels", n, len(bad))
	}
	p := len(x[0])
	nb := 0
	for i, r := range x {
		if len(r) != p {
			return Fit{}, fmt.Errorf("logistic: row %d has %d predictors, want %d", i, len(r), p)
		}
		if bad[i] {
			nb++
		}
	}
	if nb == 0 || nb == n {
		return Fit{}, fmt.Errorf("logistic: %w", errOneClass)
	}
	k := p + 1
	beta := make([]float64, k)
	beta[0] = math.Log(float64(nb) / float64(n-nb))
	ll := logLikelihood(x, bad, beta)
	fit := Fit{Model: Model{NullLogLikelihood: ll}}

	a := make([]float64, k*k) // upper triangle of XᵀWX, row-major
	g := make([]float64, k)   // Xᵀ(y − μ)
	cand := make([]float64, k)
	delta := mat.NewVecDense(k, nil)
	for fit.Iterations < maxNewton {
		fit.Iterations++
		clear(a)
		clear(g)
		for r, row := range x {
			eta := beta[0]
			for j, v := range row {
				eta += beta[j+1] * v
			}
			mu := sigmoid(eta)
			w := mu * (1 - mu)
			res := -mu
			if bad[r] {
				res = 1 - mu
			}
			g[0] += res
			a[0] += w
			for j, v := range row {
				g[j+1] += res * v
				wv := w * v
				a[j+1] += wv
				d := a[(j+1)*k+j+1 : (j+2)*k]
				for l, u := range row[j:] {
					d[l] += wv * u
				}
			}
		}
		if err := solveCholesky(a, g, k, delta); err != nil {
			return Fit{}, fmt.Errorf("logistic: iteration %d: %w", fit.Iterations, err)
		}
		step, moved := 1.0, false
		for range 40 {
			for j := range cand {
				cand[j] = beta[j] + step*delta.AtVec(j)
			}
			if l := logLikelihood(x, bad, cand); l >= ll-1e-12*math.Abs(ll) {
				ll, moved = l, true
				break
			}
			step /= 2
		}
		if !moved {
			break
		}
		change := 0.0
		for j := range beta {
			change = max(change, math.Abs(cand[j]-beta[j]))
		}
		copy(beta, cand)
		if change < 1e-9 {
			fit.Converged = true
			break
		}
	}
	for _, b := range beta {
		if math.IsNaN(b) || math.IsInf(b, 0) {
			return Fit{}, errors.New("logistic: coefficients are not finite")
		}
	}
	fit.Intercept = beta[0]
	fit.Coefficients = append([]float64(nil), beta[1:]...)
	fit.LogLikelihood = ll
	return fit, nil
}

// solveCholesky solves A·d = g for the symmetric positive definite A whose upper triangle
// a holds (k×k, row-major), adding a small ridge when A is numerically singular or
// ill-conditioned (collinear variables, such as the dummies of one category set): the
// step then splits the weight between the collinear columns instead of failing.
func solveCholesky(a, g []float64, k int, d *mat.VecDense) error {
	var ch mat.Cholesky
	for ridge := 1e-8; ; ridge *= 100 {
		if ch.Factorize(mat.NewSymDense(k, a)) && ch.Cond() < 1e12 {
			return ch.SolveVecTo(d, mat.NewVecDense(k, g))
		}
		if ridge > 1e-2 {
			return errors.New("singular design matrix")
		}
		for i := range k {
			a[i*k+i] += ridge * max(1, a[i*k+i])
		}
	}
}

// logLikelihood returns Σ y·η − ln(1 + e^η) for the linear predictors η of beta.
func logLikelihood(x [][]float64, bad []bool, beta []float64) float64 {
	ll := 0.0
	for r, row := range x {
		eta := beta[0]
		for j, v := range row {
			eta += beta[j+1] * v
		}
		if bad[r] {
			ll += eta
		}
		ll -= softplus(eta)
	}
	return ll
}

// softplus returns ln(1 + e^x) without overflow.
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// sigmoid returns 1 / (1 + e^−x).
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
