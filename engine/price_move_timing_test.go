package engine_test

import "testing"

// BenchmarkPriceTickSmallMove is BenchmarkPriceTick with an ordinary day's move: copper
// -2% and back on alternate ticks, so that every lot is re-valued and every loan
// re-measured but only the loans near a band's edge change band. Together the two
// benchmarks separate the cost of revaluation from the cost of the alerts and actions that
// band changes raise.
func BenchmarkPriceTickSmallMove(b *testing.B) {
	benchTicks(b, []int64{784_000, 800_000})
}
