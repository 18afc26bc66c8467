// Package scorecard builds credit scorecards: monotonic weight-of-evidence (WOE) binning of
// numeric and categorical variables, information value (IV), a logistic regression on the
// WOE-transformed variables, points scaling (PDO, base score, base odds) and the validation
// metrics a credit committee reads (AUC, Gini, KS, PSI). It is pure: data comes in as values
// and reports go out through the io.Writer it is given.
//
// # Conventions
//
// Goods are the non-defaults and bads the defaults; the modelled event is the bad.
//
// WOE sign: the WOE of a bin is ln(%good / %bad), where %good is the bin's share of all
// goods and %bad its share of all bads (the OptBinning convention). A positive WOE marks a
// bin safer than the population, a negative one riskier.
//
// Information value: IV = Σ (%good − %bad)·WOE over the bins; it is never negative.
//
// Zero counts: when a bin has no goods or no bads, 0.5 is added to both its good and its
// bad count (the totals are left unchanged) before its WOE and IV are computed, so both stay
// finite. A bin with no observations at all has WOE 0. Numeric binning never produces such
// bins except for missing values, which keep a bin of their own whatever its size.
//
// Regression: P(bad) = 1 / (1 + exp(−(α + Σ β_j·WOE_j))), fitted by iteratively
// reweighted least squares with a Cholesky solve (gonum). With the WOE sign above the
// coefficients β_j are normally negative.
//
// Scaling: a higher score means a lower risk, and odds are good:bad. With factor =
// PDO / ln 2 and offset = base score − factor·ln(base odds), score = offset +
// factor·ln(odds), so the odds double every PDO points. Bin i of variable j scores
// −(β_j·WOE_ij + α/n)·factor + offset/n points, n being the number of variables in the
// model; a row's score is the sum of its bins' points and its PD is 1 / (1 + odds).
//
// Missing values: an empty field (after trimming spaces) or one of NA, NaN, null and ?
// (any case) is missing; for numeric variables so is NaN or an infinite number, and at
// scoring time any field that does not parse as a number (Train refuses such a field in a
// column forced numeric).
// Numeric variables put missing values in a bin of their own; categorical variables treat
// missing as one more category. A value that falls in no bin at scoring time (a missing
// value when training saw none, a category never seen in training when there is no
// "other" bin) scores the points of WOE 0, Variable.DefaultPoints.
package scorecard
