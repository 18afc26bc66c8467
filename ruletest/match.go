package ruletest

import (
	"sort"

	gt "groundtruth"
)

// match pairs each expectation with a distinct alert it matches. It returns the
// expectations left without one, in their order, and the unexpected alerts, in the order
// of actual: the
// pending and firing alerts no expectation took, and every alert of a forbidden rule.
// Resolved alerts are history: they count only when an expectation asks for one.
func match(expect []Expected, forbid map[string]bool, actual []gt.Alert) (missing []Expected, unexpected []gt.Alert) {
	// The most specific expectations choose first, so that a general one cannot take
	// the only alert a specific one matches.
	order := make([]int, len(expect))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return specificity(expect[order[a]]) > specificity(expect[order[b]]) })
	used := make([]bool, len(actual))
	found := make([]bool, len(expect))
	for _, i := range order {
		for j := range actual {
			if !used[j] && matches(expect[i], &actual[j]) {
				used[j], found[i] = true, true
				break
			}
		}
	}
	for i, x := range expect {
		if !found[i] {
			missing = append(missing, x)
		}
	}
	for j, a := range actual {
		active := a.State == gt.AlertPending || a.State == gt.AlertFiring
		if (active && !used[j]) || forbid[a.Rule] {
			unexpected = append(unexpected, a)
		}
	}
	return missing, unexpected
}

func specificity(x Expected) int {
	n := 0
	for _, s := range []string{x.Tenant, x.Severity, x.Summary} {
		if s != "" {
			n++
		}
	}
	return n
}

func matches(x Expected, a *gt.Alert) bool {
	return x.Rule == a.Rule && x.Subject == a.Subject && x.State == a.State &&
		(x.Tenant == "" || x.Tenant == a.TenantID) &&
		(x.Severity == "" || x.Severity == a.Severity) &&
		(x.Summary == "" || x.Summary == a.Summary)
}
