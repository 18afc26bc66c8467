package credit_test

import "strconv"

// pct formats a fraction as a percentage with two decimals: 0.0003 is "0.03%".
func pct(x float64) string { return strconv.FormatFloat(100*x, 'f', 2, 64) + "%" }
