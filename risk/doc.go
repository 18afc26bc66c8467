// Package risk is the pure math and policy of the risk engine (SPEC §6.1–6.5): volatility
// (RiskMetrics EWMA), haircuts, quantity fusion across sensors, data trust, LTV bands with
// hysteresis, depreciation and price shocks.
//
// Nothing here does I/O or reads the clock: time and inputs are passed in as arguments,
// so the engine can replay the journal and get the same answers. Ratios are fractions
// (0.15 = 15%), volatilities are standard deviations of daily log returns.
package risk
