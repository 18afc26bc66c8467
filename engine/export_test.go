package engine

import gt "groundtruth"

// DecodeIngest is decodeIngest, for tests; FastIngest reports whether the fast path alone
// decodes the event.
func DecodeIngest(ev *gt.Event, b *gt.IngestBatch) error { return decodeIngest(ev, b) }

// DecodeStrict is decode (encoding/json, unknown fields refused), for tests.
func DecodeStrict(ev *gt.Event, v any) error { return decode(ev, v) }

// FastIngest reports whether the hand-written path decodes data by itself.
func FastIngest(data []byte) bool {
	d := ingestDecoder{p: data}
	var b gt.IngestBatch
	return d.batch(&b)
}

// SetFullRevaluation makes a price move revalue every lot in full instead of repricing
// the lots whose other inputs have not changed.
func (e *Engine) SetFullRevaluation(on bool) { e.fullRevaluation = on }

// Repriced returns the number of lot valuations made by repricing.
func (e *Engine) Repriced() uint64 { return e.repricedLots }

// SetRepriceMinLots sets the fewest lots repriced on several goroutines and returns the
// previous value.
func SetRepriceMinLots(n int) int {
	old := repriceMinLots
	repriceMinLots = n
	return old
}

// SetPrepareMinAlerts sets the fewest alerts opened by one event whose summaries and
// evidence are gathered on several goroutines, and returns the previous value.
func SetPrepareMinAlerts(n int) int {
	old := prepareMinAlerts
	prepareMinAlerts = n
	return old
}
