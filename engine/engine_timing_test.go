package engine_test

import (
	"fmt"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/engine"
)

// benchLog builds a journal-like history of n events of one kind after a portfolio of
// 100 loans, returning the setup events and the measured ones.
func benchLog(b *testing.B, kind string, n int) (setup, log []gt.Event) {
	f := newFeeder()
	add := func(typ gt.EventType, v any) gt.Event {
		ev := f.event(typ, "bank-a", v)
		return ev
	}
	setup = append(setup, add(gt.EventTenantCreate, tenantCreate("bank-a")))
	for i := 0; i < 100; i++ {
		setup = append(setup, add(gt.EventRecordsCreate, portfolio(i)))
	}
	for i := 0; i < n; i++ {
		switch kind {
		case "tick":
			log = append(log, add(gt.EventTick, nil))
		case "price":
			log = append(log, add(gt.EventPricesRecord, gt.Records{Prices: []gt.PriceTick{{Commodity: "copper",
				At: t0.Add(time.Duration(i) * time.Minute), Price: gt.Money{Amount: 700000 + int64(i%1000), Currency: "USD"}, Unit: "t"}}}))
		case "loan":
			l := portfolio(i % 100).Loans[0]
			l.Outstanding = gt.Money{Amount: int64(1_000_000 + i), Currency: "USD"}
			log = append(log, add(gt.EventRecordsUpdate, gt.Records{Loans: []gt.Loan{l}}))
		case "mix": // 80% ticks, 15% prices, 5% loan updates
			switch {
			case i%20 == 0:
				l := portfolio(i % 100).Loans[0]
				log = append(log, add(gt.EventRecordsUpdate, gt.Records{Loans: []gt.Loan{l}}))
			case i%20 < 4:
				log = append(log, add(gt.EventPricesRecord, gt.Records{Prices: []gt.PriceTick{{Commodity: "copper",
					At: t0.Add(time.Duration(i) * time.Minute), Price: gt.Money{Amount: 700000, Currency: "USD"}, Unit: "t"}}}))
			default:
				log = append(log, add(gt.EventTick, nil))
			}
		}
	}
	return setup, log
}

// BenchmarkReplay measures engine.Apply over a journal history, event data decoding
// included; one op is one event.
func BenchmarkReplay(b *testing.B) {
	for _, kind := range []string{"tick", "price", "loan", "mix"} {
		b.Run(kind, func(b *testing.B) {
			setup, log := benchLog(b, kind, 100_000)
			bytes := 0
			for _, ev := range log {
				bytes += len(ev.Data) + 64
			}
			b.SetBytes(int64(bytes / len(log)))
			b.ReportAllocs()
			var e *engine.Engine
			i := len(log)
			for b.Loop() {
				if i == len(log) {
					b.StopTimer()
					e = engine.New()
					for j := range setup {
						if err := e.Apply(&setup[j], &gt.Changes{}); err != nil {
							b.Fatal(err)
						}
					}
					i = 0
					b.StartTimer()
				}
				var ch gt.Changes
				if err := e.Apply(&log[i], &ch); err != nil {
					b.Fatal(fmt.Errorf("event %d: %w", log[i].Seq, err))
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
