package risk

import "time"

// Trust returns the trust factor in [0, 1] of a collateral's data (SPEC §6.2), given when
// its last data arrived (lastSeen), the time of evaluation (now) and the reporting
// interval of its devices.
//
// Fresh signed data has trust 1; unsigned data is capped at p.UnsignedTrustCap. After
// StaleAfter = p.StaleFactor x interval the trust decays linearly, reaching 0 at
// p.BlindAfter after lastSeen; at and beyond p.BlindAfter it is 0 (blind). When
// StaleAfter >= p.BlindAfter there is no decay window: the trust steps to 0 at
// p.BlindAfter. A zero lastSeen (no data at all) gives 0. A lastSeen after now (clock
// skew, reported by its own detector) counts as fresh. The policy is used as given: a
// zero BlindAfter makes everything blind.
func Trust(p Policy, signed bool, lastSeen, now time.Time, interval time.Duration) float64 {
	if Blind(p, lastSeen, now) {
		return 0
	}
	base := 1.0
	if !signed {
		base = 0 // also when the cap is NaN
		if p.UnsignedTrustCap > 0 {
			base = min(p.UnsignedTrustCap, 1)
		}
	}
	age := max(now.Sub(lastSeen), 0)
	stale := StaleAfter(p, interval)
	if age <= stale {
		return base
	}
	return base * float64(p.BlindAfter-age) / float64(p.BlindAfter-stale)
}

// StaleAfter returns p.StaleFactor x interval, within [0, p.BlindAfter].
func StaleAfter(p Policy, interval time.Duration) time.Duration {
	s := p.StaleFactor * float64(interval)
	switch {
	case !(s > 0): // also NaN
		return 0
	case s >= float64(p.BlindAfter):
		return p.BlindAfter
	}
	return time.Duration(s)
}

// Blind reports whether a collateral's data is too old to be trusted at all: no data at
// all (a zero lastSeen), or none for p.BlindAfter or longer. A blind collateral is valued
// as unsecured and raises collateral_blind (SPEC §6.2).
func Blind(p Policy, lastSeen, now time.Time) bool {
	return lastSeen.IsZero() || max(now.Sub(lastSeen), 0) >= p.BlindAfter
}
