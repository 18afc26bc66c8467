package loadgen

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Report is what a run achieved. Packs are counted once each however often they were
// sent, except Sent, which counts every send.
type Report struct {
	Mode        string    `json:"mode"` // ModeMQTT, ModeHTTP or ModeBare
	Target      string    `json:"target"`
	Devices     int       `json:"devices"`
	PackSize    int       `json:"pack_size"`
	Signed      bool      `json:"signed"`
	InFlight    int       `json:"in_flight"`
	Rate        float64   `json:"rate"`        // target packs/s; 0 = unlimited
	Start       time.Time `json:"start"`       // the packs' clock (see Pack)
	Interrupted bool      `json:"interrupted"` // ctx ended the run

	// Elapsed runs from the moment every device was connected to the last answer.
	Elapsed time.Duration `json:"-"`

	Sent    int64            `json:"sends"`       // sends, resends included
	Acked   int64            `json:"packs_acked"` // packs acknowledged
	Refused map[string]int64 `json:"refusals"`    // refusals by reason code ("0x87", "429"), overloads included
	// Reasons holds the first reason the server gave for each refusal code.
	Reasons map[string]string `json:"refusal_reasons,omitempty"`
	Resent  int64             `json:"resends"`       // sends of a pack again after an overload or a lost connection
	Lost    int64             `json:"sends_lost"`    // sends without answer: connection lost, timeout, network error
	Unacked int64             `json:"packs_unacked"` // packs sent but unanswered when the run ended
	// Reconnects counts MQTT connections re-established after a drop.
	Reconnects int64 `json:"reconnects"`

	Records       int64   `json:"records_acked"`
	RecordsPerSec float64 `json:"records_per_s"`
	PacksPerSec   float64 `json:"packs_per_s"`
	AckLatency    Latency `json:"ack_latency"` // send to PUBACK or 202

	// Bare runs: what the subscribers received, and the publish-to-delivery latency.
	Received              int64         `json:"packs_received,omitempty"`
	ReceivedElapsed       time.Duration `json:"-"`
	ReceivedRecordsPerSec float64       `json:"received_records_per_s,omitempty"`
	DeliveryLatency       *Latency      `json:"delivery_latency,omitempty"`

	// AlertProbe is what RunProbe measured alongside, when it ran (the caller sets it).
	AlertProbe *ProbeReport `json:"alert_probe,omitempty"`

	// LastAcked maps each device id to the highest pack number k such that packs 1 to k
	// were all answered, and k acknowledged (or refused; see Refused). Left out of JSON.
	LastAcked map[string]uint64 `json:"-"`
}

// MarshalJSON adds the elapsed times in seconds.
func (r Report) MarshalJSON() ([]byte, error) {
	type plain Report
	return json.Marshal(struct {
		plain
		Elapsed         float64 `json:"elapsed_s"`
		ReceivedElapsed float64 `json:"received_elapsed_s,omitempty"`
	}{plain(r), r.Elapsed.Seconds(), r.ReceivedElapsed.Seconds()})
}

// report builds the report once every device has stopped.
func (r *run) report(u *url.URL, interrupted bool) *Report {
	c := r.c
	rep := &Report{Mode: r.mode, Target: u.Redacted(), Devices: len(c.Devices), PackSize: c.PackSize,
		Signed: slices.ContainsFunc(c.Devices, func(d Device) bool { return d.Key != nil }), InFlight: c.InFlight, Rate: c.Rate,
		Start: c.Start.UTC(), Interrupted: interrupted,
		Sent: r.sent.Load(), Acked: r.acked.Load(), Refused: maps.Clone(r.refused), Reasons: maps.Clone(r.reasons),
		Resent: r.resent.Load(), Lost: r.lost.Load(), Unacked: r.unacked.Load(), Reconnects: r.reconnects.Load(),
		AckLatency: r.ack.Latency(), LastAcked: make(map[string]uint64, len(c.Devices))}
	rep.Elapsed = time.Duration(r.lastAck.Load())
	if rep.Elapsed <= 0 {
		rep.Elapsed = time.Since(r.start)
	}
	rep.Records = rep.Acked * int64(c.PackSize)
	rep.PacksPerSec = float64(rep.Acked) / rep.Elapsed.Seconds()
	rep.RecordsPerSec = float64(rep.Records) / rep.Elapsed.Seconds()
	if r.mode == ModeBare {
		rep.Received = r.received.Load()
		rep.ReceivedElapsed = r.epoch.Add(time.Duration(r.lastRecv.Load())).Sub(r.start)
		if rep.ReceivedElapsed > 0 {
			rep.ReceivedRecordsPerSec = float64(rep.Received*int64(c.PackSize)) / rep.ReceivedElapsed.Seconds()
		}
		l := r.delivery.Latency()
		rep.DeliveryLatency = &l
	}
	for i, d := range c.Devices {
		rep.LastAcked[d.ID] = r.lastAcked[i]
	}
	return rep
}

// RefusedTotal returns the number of refusals of every code.
func (r *Report) RefusedTotal() int64 {
	var n int64
	for _, v := range r.Refused {
		n += v
	}
	return n
}

// String formats the report for a person.
func (r *Report) String() string {
	var b strings.Builder
	signed, rate := "unsigned", "unlimited"
	if r.Signed {
		signed = "signed"
	}
	if r.Rate > 0 {
		rate = fmt.Sprintf("%g packs/s", r.Rate)
	}
	fmt.Fprintf(&b, "%s %s: %d devices, %d records/pack, %s, %d in flight, rate %s\n",
		r.Mode, r.Target, r.Devices, r.PackSize, signed, r.InFlight, rate)
	if r.Interrupted {
		b.WriteString("  (interrupted)\n")
	}
	fmt.Fprintf(&b, "  elapsed      %.2f s\n", r.Elapsed.Seconds())
	fmt.Fprintf(&b, "  packs        %d acked, %d refused, %d unacked; %d sends, %d resends, %d lost, %d reconnects\n",
		r.Acked, r.RefusedTotal(), r.Unacked, r.Sent, r.Resent, r.Lost, r.Reconnects)
	fmt.Fprintf(&b, "  throughput   %.0f records/s (%.0f packs/s), %d records acked\n", r.RecordsPerSec, r.PacksPerSec, r.Records)
	fmt.Fprintf(&b, "  ack latency  %s\n", r.AckLatency)
	if r.DeliveryLatency != nil {
		fmt.Fprintf(&b, "  subscribers  %d packs received in %.2f s: %.0f records/s", r.Received, r.ReceivedElapsed.Seconds(), r.ReceivedRecordsPerSec)
		if n := r.Acked - r.Received; n > 0 {
			fmt.Fprintf(&b, " (%d acked packs never arrived: dropped by the broker or left in its queue)", n)
		}
		b.WriteByte('\n')
		fmt.Fprintf(&b, "  delivery     %s\n", *r.DeliveryLatency)
	}
	for _, code := range slices.Sorted(maps.Keys(r.Refused)) {
		fmt.Fprintf(&b, "  refused %-5s %d: %s\n", code, r.Refused[code], r.Reasons[code])
	}
	if p := r.AlertProbe; p != nil {
		fmt.Fprintf(&b, "  alerts       %d probes: %d tamper reports, %d alerts by webhook, %d missed, %d failed\n",
			p.Probes, p.Sent, p.Latency.Count, p.Missed, p.Failed)
		fmt.Fprintf(&b, "  to webhook   %s\n", p.Latency)
		if p.Sent > 0 && p.Missed == p.Sent {
			b.WriteString("  (no webhook arrived: does the server deliver to loopback addresses? serve --webhook-allow-private)\n")
		}
	}
	return b.String()
}

// String formats the summary as "p50 1.2ms p90 ... (n)".
func (l Latency) String() string {
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  max %s  mean %s  (%d)", round(l.P50), round(l.P90), round(l.P99), round(l.Max), round(l.Mean), l.Count)
}

// round shortens a duration for reading: microseconds below 10 ms, else 0.1 ms.
func round(d time.Duration) time.Duration {
	if d < 10*time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(100 * time.Microsecond)
}

// progress prints a line a second to c.Progress until the returned stop is called.
func (r *run) progress() (stop func()) {
	if r.c.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		var prev int64
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				n := r.acked.Load()
				r.mu.Lock()
				var refused int64
				for _, v := range r.refused {
					refused += v
				}
				r.mu.Unlock()
				line := fmt.Sprintf("loadgen: %4.0fs  %d packs acked  %.0f records/s  p99 %s  refused %d  lost %d",
					now.Sub(r.start).Seconds(), n, float64((n-prev)*int64(r.c.PackSize)), round(r.ack.Quantile(0.99)), refused, r.lost.Load())
				if r.mode == ModeBare {
					line += fmt.Sprintf("  received %d", r.received.Load())
				}
				fmt.Fprintln(r.c.Progress, line)
				prev = n
			}
		}
	}()
	return func() { close(done); <-finished }
}
