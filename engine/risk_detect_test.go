package engine_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	gt "groundtruth"
)

// Each detector of SPEC §6.5 is tested both ways: it fires on its incident, and it stays
// silent on clean data that is noisy the way real sensors are.

// envSensor is an environment sensor of the warehouse wh-1, bound to the site only.
func envSensor() gt.Device {
	return gt.Device{ID: "env-1", Kind: gt.DeviceEnvironment, SiteID: "wh-1", Interval: gt.Duration(reportEach)}
}

// inWarehouse is the middle of wh-1; outsideWarehouse is 9 km away.
var (
	inWarehouse      = [2]float64{36.081, 120.311}
	outsideWarehouse = [2]float64{36.1, 120.4}
)

// shifted returns p with its readings taken d before it was received.
func shifted(p gt.DevicePack, d time.Duration) gt.DevicePack {
	rs := append([]gt.Reading(nil), p.Readings...)
	for i := range rs {
		rs[i].T -= d.Microseconds()
	}
	p.Readings = rs
	return p
}

// TestCleanNoisyDataStaysSilent runs eight hours of a warehouse with load cells, a
// camera and an environment sensor, all noisy at their stated noise, with signed packs,
// a resent pack, small delivery delays, a normal release of 100 t and a dropout shorter
// than the stale window: no detector may fire.
func TestCleanNoisyDataStaysSilent(t *testing.T) {
	r := newRig(t, "bank-a")
	recs := copperRecords()
	recs.Devices = append(recs.Devices, camera(), envSensor())
	r.records(recs)
	r.price("copper", copperUSD)

	kg, bundles := 1_000_000.0, 400.0
	round := func() []gt.DevicePack {
		ps := r.cellPacks(kg, true)
		ps = append(ps, r.pack("cam-1", true, r.at("count", math.Round(bundles+r.noise(camNoise)))))
		env := r.pack("env-1", true, r.at("temp", 18+r.noise(0.3)),
			r.at("lat", inWarehouse[0]+r.noise(0.0001)), r.at("lon", inWarehouse[1]+r.noise(0.0001)))
		ps = append(ps, shifted(env, time.Duration(r.rng.IntN(40))*time.Second))
		return ps
	}
	r.now = r.now.Add(time.Minute)
	r.send(round()...) // the first data: the loan leaves the band it had without any

	var noisy []string
	quiet := func(ch *gt.Changes) {
		for _, s := range ch.Signals {
			if s.Active {
				noisy = append(noisy, fmt.Sprintf("%s: signal %s on %s: %s", r.now.Format("15:04"), s.Name, s.Subject, s.Detail))
			}
		}
		for _, a := range ch.Alerts {
			noisy = append(noisy, fmt.Sprintf("%s: alert %s on %s (%s)", r.now.Format("15:04"), a.Rule, a.Subject, a.State))
		}
	}
	for i := 1; i <= 96; i++ {
		switch {
		case i == 36: // a release of 100 t, loaded out over the next 10 minutes
			quiet(r.records(gt.Records{Releases: []gt.Release{{ID: "rel-1", CollateralID: "lot-1",
				Direction: gt.ReleaseOut, Quantity: 100, Unit: "t", At: r.now}}}))
			kg, bundles = 950_000, 380
		case i == 37:
			kg, bundles = 900_000, 360
		case i == 60: // every device drops out for 12 minutes
			for range 12 {
				quiet(r.wait(time.Minute))
			}
			r.now = r.now.Add(-5 * time.Minute)
		}
		r.now = r.now.Add(reportEach)
		ps := round()
		quiet(r.send(ps...))
		if i == 10 { // the cells resend a pack they got no acknowledgement for
			quiet(r.send(ps[0]))
		}
	}
	for _, s := range noisy {
		t.Error(s)
	}
	v := r.valuation("bank-a", "lot-1")
	if v.BookQuantity != 900 || v.Trust != 1 || math.Abs(v.VerifiedQuantity-900) > 1 {
		t.Errorf("after the release: book %v verified %v trust %v, want 900, about 900, 1", v.BookQuantity, v.VerifiedQuantity, v.Trust)
	}
}

func TestUnauthorizedOutflowFiresAfterTheDwell(t *testing.T) {
	r := copperRig(t)
	r.every(reportEach, 3, func() []gt.DevicePack { return r.cellPacks(1_000_000, true) })
	// 30 t (3% of the book) leave without a release.
	start := r.now.Add(reportEach)
	for i := 0; i < 4; i++ {
		r.now = r.now.Add(reportEach)
		r.send(r.cellPacks(970_000, true)...)
		if got, want := r.active("unauthorized_outflow", "collateral:lot-1"), i == 3; got != want {
			t.Fatalf("%v after the drop: unauthorized_outflow active %v, want %v", r.now.Sub(start), got, want)
		}
	}
	s, _ := r.e.Signal("bank-a", "unauthorized_outflow", "collateral:lot-1")
	if math.Abs(s.Value-0.03) > 0.002 || !strings.Contains(s.Detail, "no release") || !s.Since.Equal(start.Add(15*time.Minute)) {
		t.Errorf("signal = %+v, want a shortfall of about 3%% since the end of the dwell", s)
	}
	as := r.alerts("unauthorized_outflow", "collateral:lot-1")
	if len(as) != 1 || as[0].State != gt.AlertFiring || as[0].Severity != gt.SeverityCritical || len(r.actions(gt.ActionRequestInspection)) != 1 {
		t.Fatalf("alerts = %+v, want one firing critical alert requesting an inspection", as)
	}
	// The custodian records the release after the fact: the book matches again.
	r.now = r.now.Add(time.Minute)
	r.records(gt.Records{Releases: []gt.Release{{ID: "rel-1", CollateralID: "lot-1", Direction: gt.ReleaseOut,
		Quantity: 30, Unit: "t", At: start}}})
	if r.active("unauthorized_outflow", "collateral:lot-1") || r.alerts("unauthorized_outflow", "collateral:lot-1")[0].State != gt.AlertResolved {
		t.Error("a matching release did not end the outflow")
	}
}

func TestUnauthorizedOutflowNeedsTheWholeDwellBeyondTolerance(t *testing.T) {
	r := copperRig(t)
	// 1.5% below the book for an hour: within tolerance.
	r.every(reportEach, 12, func() []gt.DevicePack { return r.cellPacks(985_000, true) })
	// 3% below for 10 minutes, then back.
	r.every(reportEach, 2, func() []gt.DevicePack { return r.cellPacks(970_000, true) })
	r.every(reportEach, 1, func() []gt.DevicePack { return r.cellPacks(1_000_000, true) })
	// 3% below again: the dwell starts over.
	r.every(reportEach, 3, func() []gt.DevicePack { return r.cellPacks(970_000, true) })
	if r.active("unauthorized_outflow", "collateral:lot-1") || len(r.alerts("unauthorized_outflow", "collateral:lot-1")) != 0 {
		t.Fatal("unauthorized_outflow fired within tolerance or before a whole dwell")
	}
	// The dwell also ends on a tick when the cells fall silent.
	r.wait(5 * time.Minute)
	if !r.active("unauthorized_outflow", "collateral:lot-1") {
		t.Error("unauthorized_outflow did not fire when its dwell ended on a tick")
	}
}

func TestSurplusFiresAfterTheDwell(t *testing.T) {
	r := copperRig(t)
	r.every(reportEach, 3, func() []gt.DevicePack { return r.cellPacks(1_015_000, true) }) // within tolerance
	if r.active("surplus", "collateral:lot-1") {
		t.Fatal("surplus within tolerance")
	}
	r.every(reportEach, 3, func() []gt.DevicePack { return r.cellPacks(1_100_000, true) })
	if r.active("surplus", "collateral:lot-1") {
		t.Fatal("surplus before the dwell")
	}
	r.every(reportEach, 1, func() []gt.DevicePack { return r.cellPacks(1_100_000, true) })
	if !r.active("surplus", "collateral:lot-1") || r.active("unauthorized_outflow", "collateral:lot-1") {
		t.Fatal("110% of the book for 15 minutes is not a surplus")
	}
	if as := r.alerts("surplus", "collateral:lot-1"); len(as) != 1 || as[0].Severity != gt.SeverityWarning {
		t.Errorf("alerts = %+v, want one warning", as)
	}
}

func TestSensorDisagreementBetweenWeightAndCount(t *testing.T) {
	r := newRig(t, "bank-a")
	recs := copperRecords()
	recs.Devices = append(recs.Devices, camera())
	r.records(recs)
	r.price("copper", copperUSD)
	for _, count := range []float64{400, 397, 404, 402} { // within 3 sigma of the cells
		r.now = r.now.Add(reportEach)
		r.send(append(r.cellPacks(1_000_000, true), r.pack("cam-1", true, r.at("count", count)))...)
		if r.active("sensor_disagreement", "collateral:lot-1") {
			t.Fatalf("a count of %v bundles (%v t) disagrees with 1000 t", count, count*2.5)
		}
	}
	// One outlier count is not a disagreement: it must last the dwell.
	r.now = r.now.Add(reportEach)
	r.send(append(r.cellPacks(1_000_000, true), r.pack("cam-1", true, r.at("count", 380)))...)
	r.now = r.now.Add(reportEach)
	r.send(append(r.cellPacks(1_000_000, true), r.pack("cam-1", true, r.at("count", 401)))...)
	if r.active("sensor_disagreement", "collateral:lot-1") || len(r.alerts("sensor_disagreement", "collateral:lot-1")) > 0 {
		t.Fatal("one outlier count raised sensor_disagreement")
	}
	// The weight is right, the count says 950 t: 20 bundles were replaced by something
	// of the same weight (the Trafigura pattern), for the whole 15-minute dwell.
	for i := 0; i <= 3; i++ {
		r.now = r.now.Add(reportEach)
		r.send(append(r.cellPacks(1_000_000, true), r.pack("cam-1", true, r.at("count", 380)))...)
		if got := r.active("sensor_disagreement", "collateral:lot-1"); got != (i == 3) {
			t.Fatalf("after %v of disagreement: active %v", time.Duration(i)*reportEach, got)
		}
	}
	s, ok := r.e.Signal("bank-a", "sensor_disagreement", "collateral:lot-1")
	if !ok || !s.Active || !strings.Contains(s.Detail, "camera_counter says 950 t") {
		t.Fatalf("signal = %+v, want active naming the camera's 950 t", s)
	}
	if as := r.alerts("sensor_disagreement", "collateral:lot-1"); len(as) != 1 || as[0].State != gt.AlertFiring {
		t.Errorf("alerts = %+v, want one firing", as)
	}
	r.now = r.now.Add(reportEach)
	r.send(append(r.cellPacks(1_000_000, true), r.pack("cam-1", true, r.at("count", 400)))...)
	if r.active("sensor_disagreement", "collateral:lot-1") {
		t.Error("sensor_disagreement stayed active once the sources agreed")
	}
}

func TestRejectedPacksAndReplays(t *testing.T) {
	r := copperRig(t)
	// Clean: increasing seqs, a resend of the same pack, a refusal for another reason.
	r.every(reportEach, 3, func() []gt.DevicePack { return r.cellPacks(1_000_000, true) })
	p := r.pack("cell-a", true, r.at("mass", 50_000+cellTare))
	r.send(p)
	r.send(p)
	r.send(gt.DevicePack{Device: "cell-a", Via: gt.ViaHTTP, Received: r.now, Rejected: &gt.IngestFailure{Reason: gt.ReasonUnit, Message: "unit"}})
	for _, name := range []string{"signature_invalid", "replay"} {
		for _, dev := range []string{"cell-a", "cell-b"} {
			if _, ok := r.e.Signal("bank-a", name, "device:"+dev); ok {
				t.Fatalf("%s raised on %s by clean traffic", name, dev)
			}
		}
	}
	// A forged signature and a replay caught by ingest.
	r.now = r.now.Add(time.Minute)
	r.send(gt.DevicePack{Device: "cell-a", Via: gt.ViaMQTT, Received: r.now, Rejected: &gt.IngestFailure{Reason: gt.ReasonSignature, Message: "ed25519: bad signature"}},
		gt.DevicePack{Device: "cell-b", Via: gt.ViaMQTT, Received: r.now, Rejected: &gt.IngestFailure{Reason: gt.ReasonReplay, Message: "seq 3 is not above 9"}})
	if !r.active("signature_invalid", "device:cell-a") || !r.active("replay", "device:cell-b") || r.active("replay", "device:cell-a") {
		t.Fatal("refused packs did not raise signature_invalid on cell-a and replay on cell-b")
	}
	if as := r.alerts("signature_invalid", "device:cell-a"); len(as) != 1 || as[0].Severity != gt.SeverityCritical {
		t.Errorf("alerts = %+v, want one critical", as)
	}
	// A replay the engine catches: a new payload with an old seq.
	r.now = r.now.Add(time.Minute)
	old := r.pack("cell-a", true, r.at("mass", 50_000+cellTare))
	old.Seq = r.signed["cell-a"] - 1
	r.send(old)
	if !r.active("replay", "device:cell-a") {
		t.Fatal("the engine's replay was not raised")
	}
	// Integrity signals clear after a quiet day.
	r.wait(23 * time.Hour)
	if !r.active("replay", "device:cell-a") {
		t.Fatal("replay cleared before a quiet day")
	}
	r.wait(time.Hour)
	if r.active("replay", "device:cell-a") || r.active("signature_invalid", "device:cell-a") || r.active("replay", "device:cell-b") {
		t.Error("integrity signals still active after a quiet day")
	}
}

func TestSensorStuck(t *testing.T) {
	r := copperRig(t) // one reading of 500 t per cell
	raw := 500_000/cellScale + cellTare
	for i := 2; i <= 20; i++ {
		r.now = r.now.Add(reportEach)
		r.send(r.pack("cell-a", true, r.at("mass", raw)), r.pack("cell-b", true, r.at("mass", (500_000+r.noise(cellNoise))/cellScale+cellTare)))
		if got := r.active("sensor_stuck", "device:cell-a"); got != (i == 20) {
			t.Fatalf("after %d identical readings: sensor_stuck %v", i, got)
		}
	}
	if r.active("sensor_stuck", "device:cell-b") {
		t.Error("a cell at its stated noise is stuck")
	}
	if as := r.alerts("sensor_stuck", "device:cell-a"); len(as) != 1 || len(r.actions(gt.ActionRequestInspection)) != 1 {
		t.Errorf("alerts = %+v, want one requesting an inspection", as)
	}
	// Noisy again: it clears.
	r.every(reportEach, 20, func() []gt.DevicePack { return r.cellPacks(1_000_000, true) })
	if r.active("sensor_stuck", "device:cell-a") {
		t.Error("sensor_stuck stayed active on noisy readings")
	}
}

func TestImplausibleJump(t *testing.T) {
	r := copperRig(t) // 500 t per cell; the site handles 500 t/h
	kg := func(v float64) gt.Reading { return r.at("mass", v/cellScale+cellTare) }
	// 25 t in 5 minutes (300 t/h) and, after an hour's silence, 100 t (100 t/h).
	r.now = r.now.Add(reportEach)
	r.send(r.pack("cell-a", true, kg(475_000)))
	r.now = r.now.Add(time.Hour)
	r.send(r.pack("cell-a", true, kg(575_000)))
	if _, ok := r.e.Signal("bank-a", "implausible_jump", "device:cell-a"); ok {
		t.Fatal("movements within the site's throughput raised implausible_jump")
	}
	// 100 t in 5 minutes: 1200 t/h.
	r.now = r.now.Add(reportEach)
	r.send(r.pack("cell-a", true, kg(475_000)))
	s, ok := r.e.Signal("bank-a", "implausible_jump", "device:cell-a")
	if !ok || !s.Active || math.Abs(s.Value-1_200_000) > 1 {
		t.Fatalf("signal = %+v, want active at 1200000 kg/h", s)
	}
	if as := r.alerts("implausible_jump", "device:cell-a"); len(as) != 1 {
		t.Errorf("alerts = %+v, want one", as)
	}
	r.wait(24 * time.Hour)
	if r.active("implausible_jump", "device:cell-a") {
		t.Error("implausible_jump still active after a quiet day")
	}
}

func TestDeviceOffline(t *testing.T) {
	r := copperRig(t) // both cells reported now; interval 5 minutes
	r.wait(14 * time.Minute)
	if r.active("device_offline", "device:cell-a") {
		t.Fatal("offline before 3 reporting intervals")
	}
	r.wait(time.Minute)
	if r.active("device_offline", "device:cell-a") {
		t.Fatal("offline at exactly 3 reporting intervals, when a report would still be on time")
	}
	r.wait(time.Second)
	if !r.active("device_offline", "device:cell-a") || !r.active("device_offline", "device:cell-b") {
		t.Fatal("not offline after 3 reporting intervals")
	}
	if as := r.alerts("device_offline", "device:cell-a"); len(as) != 1 || as[0].State != gt.AlertFiring {
		t.Errorf("alerts = %+v, want one firing", as)
	}
	r.now = r.now.Add(time.Minute)
	r.send(r.pack("cell-a", true, r.at("mass", 500_000/cellScale+cellTare)))
	if r.active("device_offline", "device:cell-a") || !r.active("device_offline", "device:cell-b") {
		t.Error("a new pack of cell-a did not clear its offline signal alone")
	}
	if as := r.alerts("device_offline", "device:cell-a"); as[0].State != gt.AlertResolved {
		t.Errorf("alert state %s, want resolved", as[0].State)
	}
}

func TestDeviceRelocated(t *testing.T) {
	r := copperRig(t)
	r.records(gt.Records{Devices: []gt.Device{envSensor()}})
	for range 5 {
		r.now = r.now.Add(reportEach)
		r.send(r.pack("env-1", true, r.at("lat", inWarehouse[0]+r.noise(0.0002)), r.at("lon", inWarehouse[1]+r.noise(0.0002))))
	}
	if _, ok := r.e.Signal("bank-a", "device_relocated", "device:env-1"); ok {
		t.Fatal("a sensor inside its site is relocated")
	}
	r.now = r.now.Add(reportEach)
	r.send(r.pack("env-1", true, r.at("lat", outsideWarehouse[0]), r.at("lon", outsideWarehouse[1])),
		r.pack("cell-b", true, r.at("mass", 500_000/cellScale+cellTare), r.at("lat", outsideWarehouse[0]), r.at("lon", outsideWarehouse[1])))
	if !r.active("device_relocated", "device:env-1") || !r.active("device_relocated", "device:cell-b") {
		t.Fatal("fixed sensors outside their site are not relocated")
	}
	if as := r.alerts("device_relocated", "device:env-1"); len(as) != 1 || as[0].Severity != gt.SeverityCritical {
		t.Errorf("alerts = %+v, want one critical", as)
	}
	r.now = r.now.Add(reportEach)
	r.send(r.pack("env-1", true, r.at("lat", inWarehouse[0]), r.at("lon", inWarehouse[1])))
	if r.active("device_relocated", "device:env-1") {
		t.Error("device_relocated stayed active back inside the site")
	}
}

func TestTamperAndPowerCut(t *testing.T) {
	r := copperRig(t)
	r.now = r.now.Add(time.Minute)
	r.send(r.status("cell-a", gt.StateOnline))
	if _, ok := r.e.Signal("bank-a", "tamper", "device:cell-a"); ok {
		t.Fatal("an online report raised tamper")
	}
	r.now = r.now.Add(time.Minute)
	r.send(r.status("cell-a", gt.StateTamper), r.status("cell-b", gt.StatePowerCut))
	if !r.active("tamper", "device:cell-a") || !r.active("power_cut", "device:cell-b") || r.active("power_cut", "device:cell-a") {
		t.Fatal("status reports did not raise tamper on cell-a and power_cut on cell-b")
	}
	if as := r.alerts("tamper", "device:cell-a"); len(as) != 1 || as[0].Severity != gt.SeverityCritical {
		t.Errorf("tamper alerts = %+v, want one critical", as)
	}
	if as := r.alerts("power_cut", "device:cell-b"); len(as) != 1 || as[0].Severity != gt.SeverityWarning {
		t.Errorf("power_cut alerts = %+v, want one warning", as)
	}
	r.now = r.now.Add(time.Minute)
	r.send(r.status("cell-a", gt.StateOnline), r.status("cell-b", gt.StateOnline))
	if r.active("tamper", "device:cell-a") || r.active("power_cut", "device:cell-b") {
		t.Error("online reports did not clear tamper and power_cut")
	}
}

func TestClockSkew(t *testing.T) {
	r := copperRig(t)
	// A device reporting every minute: skewed beyond 10 minutes.
	env := envSensor()
	env.Interval = gt.Duration(time.Minute)
	r.records(gt.Records{Devices: []gt.Device{env}})
	r.now = r.now.Add(time.Minute)
	r.send(shifted(r.pack("env-1", true, r.at("temp", 18)), 8*time.Minute))
	if _, ok := r.e.Signal("bank-a", "clock_skew", "device:env-1"); ok {
		t.Fatal("readings 8 minutes old from a device of a 1-minute interval raised clock_skew")
	}
	r.now = r.now.Add(time.Minute)
	r.send(shifted(r.pack("env-1", true, r.at("temp", 18)), 12*time.Minute))
	if !r.active("clock_skew", "device:env-1") {
		t.Fatal("readings 12 minutes old did not raise clock_skew")
	}
	// A device reporting every 5 minutes: skewed beyond 3 intervals.
	r.now = r.now.Add(reportEach)
	r.send(shifted(r.pack("cell-a", true, r.at("mass", 500_000/cellScale+cellTare)), 2*time.Minute))
	if _, ok := r.e.Signal("bank-a", "clock_skew", "device:cell-a"); ok {
		t.Fatal("readings 2 minutes old raised clock_skew")
	}
	r.now = r.now.Add(reportEach)
	r.send(shifted(r.pack("cell-a", true, r.at("mass", 500_000/cellScale+cellTare)), 30*time.Minute))
	s, ok := r.e.Signal("bank-a", "clock_skew", "device:cell-a")
	if !ok || !s.Active || s.Value != 1800 {
		t.Fatalf("signal = %+v, want active, 1800 s", s)
	}
	r.now = r.now.Add(reportEach)
	r.send(r.pack("cell-a", true, r.at("mass", 500_000/cellScale+cellTare)))
	if r.active("clock_skew", "device:cell-a") {
		t.Error("clock_skew stayed active on prompt readings")
	}
}

func TestGeofenceExitPersistsUntilReturn(t *testing.T) {
	r := newRig(t, "bank-a")
	r.records(fleetRecords(gt.ProductEquipment))
	jitter := func(p [2]float64) [2]float64 { return [2]float64{p[0] + r.noise(0.0001), p[1] + r.noise(0.0001)} }
	r.every(time.Hour, 5, func() []gt.DevicePack { return []gt.DevicePack{r.position("gps-1", jitter(onLot))} })
	if _, ok := r.e.Signal("bank-a", "geofence_exit", "collateral:car-1"); ok {
		t.Fatal("GPS jitter inside the geofence raised geofence_exit")
	}
	r.every(time.Hour, 1, func() []gt.DevicePack { return []gt.DevicePack{r.position("gps-1", offLot)} })
	left := r.now
	r.every(time.Hour, 3, func() []gt.DevicePack { return []gt.DevicePack{r.position("gps-1", jitter(offLot))} })
	r.wait(30 * time.Minute)
	s, ok := r.e.Signal("bank-a", "geofence_exit", "collateral:car-1")
	if !ok || !s.Active || !s.Since.Equal(left) {
		t.Fatalf("signal = %+v, want active since %v", s, left)
	}
	if as := r.alerts("geofence_exit", "collateral:car-1"); len(as) != 1 || as[0].State != gt.AlertFiring {
		t.Fatalf("alerts = %+v, want one firing alert for the whole trip", as)
	}
	if r.active("out_of_trust", "collateral:car-1") {
		t.Error("out_of_trust on an equipment loan")
	}
	r.now = r.now.Add(30 * time.Minute)
	r.send(r.position("gps-1", onLot))
	if r.active("geofence_exit", "collateral:car-1") || r.alerts("geofence_exit", "collateral:car-1")[0].State != gt.AlertResolved {
		t.Error("geofence_exit did not end on return")
	}
}

func TestOutOfTrust(t *testing.T) {
	tests := []struct {
		name    string
		product gt.Product
		trip    time.Duration // 0: the car never comes back
		report  bool          // the tracker keeps reporting
		payoff  bool          // the dealer pays the loan off on the first day
		want    bool
	}{
		{"stolen tracker silent", gt.ProductFloorplan, 0, false, false, true},
		{"off the lot reporting", gt.ProductFloorplan, 0, true, false, true},
		{"test drive", gt.ProductFloorplan, 3 * time.Hour, true, false, false},
		{"sold and paid off", gt.ProductFloorplan, 0, true, true, false},
		{"equipment loan", gt.ProductEquipment, 0, true, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, "bank-a")
			recs := fleetRecords(tc.product)
			r.records(recs)
			r.now = r.now.Add(time.Minute)
			r.send(r.position("gps-1", onLot))
			r.now = r.now.Add(time.Hour)
			r.send(r.position("gps-1", offLot))
			left := r.now
			if tc.payoff {
				l := recs.Loans[0]
				l.Outstanding = gt.Money{Currency: "USD"}
				r.update(gt.Records{Loans: []gt.Loan{l}})
			}
			for h := 1; h <= 48; h++ {
				if h == 48 && r.active("out_of_trust", "collateral:car-1") {
					t.Fatal("out_of_trust after 47h")
				}
				r.now = left.Add(time.Duration(h) * time.Hour)
				switch {
				case tc.trip > 0 && time.Duration(h)*time.Hour >= tc.trip:
					r.send(r.position("gps-1", onLot))
				case tc.report:
					r.send(r.position("gps-1", offLot))
				default:
					r.do(gt.EventTick, "", nil)
				}
			}
			if got := r.active("out_of_trust", "collateral:car-1"); got != tc.want {
				t.Fatalf("out_of_trust after 48h = %v, want %v", got, tc.want)
			}
			if tc.want && len(r.actions(gt.ActionFreezeDrawdown)) == 0 {
				t.Error("out_of_trust did not freeze drawdowns")
			}
		})
	}
}

func TestHerdShortfall(t *testing.T) {
	tags := fleetRecords(gt.ProductLivestock).Collateral[1].Livestock.TagIDs
	t.Run("ten head missing", func(t *testing.T) {
		r := newRig(t, "bank-a")
		r.records(fleetRecords(gt.ProductLivestock))
		for i := 0; i <= 14; i++ { // a read every 12 hours for 7 days
			r.now = r.now.Add(12 * time.Hour)
			r.send(r.tags("rfid-1", tags[:40]))
			if got := r.active("herd_shortfall", "collateral:herd-1"); got != (i == 14) {
				t.Fatalf("after %v of reads: herd_shortfall %v", time.Duration(i)*12*time.Hour, got)
			}
		}
		s, _ := r.e.Signal("bank-a", "herd_shortfall", "collateral:herd-1")
		if s.Detail != "40 head seen of 50 head pledged" || math.Abs(s.Value-0.2) > 1e-9 {
			t.Errorf("signal = %+v, want 40 of 50 seen", s)
		}
		if v := r.valuation("bank-a", "herd-1"); v.VerifiedQuantity != 40 {
			t.Errorf("verified head count %v, want 40", v.VerifiedQuantity)
		}
		if as := r.alerts("herd_shortfall", "collateral:herd-1"); len(as) != 1 || as[0].Action != gt.ActionRequestInspection {
			t.Errorf("alerts = %+v, want one requesting an inspection", as)
		}
	})
	t.Run("whole herd seen over the week", func(t *testing.T) {
		r := newRig(t, "bank-a")
		r.records(fleetRecords(gt.ProductLivestock))
		for range 30 { // 15 days, 30 of 50 animals passing the reader each time
			r.now = r.now.Add(12 * time.Hour)
			seen := append([]string(nil), tags...)
			r.rng.Shuffle(len(seen), func(i, j int) { seen[i], seen[j] = seen[j], seen[i] })
			r.send(r.tags("rfid-1", seen[:30]))
			if r.active("herd_shortfall", "collateral:herd-1") {
				t.Fatalf("herd_shortfall at %v on a complete herd", r.now.Sub(t0))
			}
		}
	})
}

func TestPriceShock(t *testing.T) {
	r := copperRig(t)
	midnight := t0.Truncate(24 * time.Hour)
	day := func(d int) { r.now = midnight.AddDate(0, 0, d).Add(17 * time.Hour) }
	p := float64(copperUSD)
	for d := 1; d <= 11; d++ { // 11 closes moving 1% up and down
		day(d)
		if d%2 == 0 {
			p *= 1.01
		} else {
			p /= 1.01
		}
		r.price("copper", int64(math.Round(p)))
	}
	if _, ok := r.e.Signal("bank-a", "price_shock", "price:copper"); ok {
		t.Fatal("price_shock on 1% moves")
	}
	// Daily sigma is now about 1%: a fall of 3% in the morning is within 4 sigma, one of
	// 10% by the close is not.
	r.now = midnight.AddDate(0, 0, 12).Add(10 * time.Hour)
	r.price("copper", int64(math.Round(p*0.97)))
	if r.active("price_shock", "price:copper") {
		t.Fatal("price_shock on a 3-sigma move")
	}
	day(12)
	seq := r.seq + 1
	r.price("copper", int64(math.Round(p*0.9)))
	s, ok := r.e.Signal("bank-a", "price_shock", "price:copper")
	if !ok || !s.Active || math.Abs(s.Value-math.Log(0.9)) > 1e-4 || s.Evidence.Prices[0].Seq != seq {
		t.Fatalf("signal = %+v, want active at a return of ln 0.9 naming the tick of event %d", s, seq)
	}
	if as := r.alerts("price_shock", "price:copper"); len(as) != 1 || as[0].Action != gt.ActionNotify {
		t.Errorf("alerts = %+v, want one notifying", as)
	}
	if v := r.valuation("bank-a", "lot-1"); v.Price == nil || v.Price.Seq != seq {
		t.Errorf("the lot was not revalued at the shocked price: %+v", v.Price)
	}
	day(13)
	r.price("copper", int64(math.Round(p*0.9*1.005)))
	if r.active("price_shock", "price:copper") {
		t.Error("price_shock stayed active after a normal day")
	}

	// A big move before 10 daily returns are known is not judged.
	p = 20000_00
	for d := 1; d <= 6; d++ {
		day(d + 20)
		p *= 1.001
		if d == 6 {
			p *= 0.8
		}
		r.do(gt.EventPricesRecord, "bank-a", gt.Records{Prices: []gt.PriceTick{{Commodity: "nickel", At: r.now,
			Price: gt.Money{Amount: int64(p), Currency: "USD"}, Unit: "t"}}})
	}
	if _, ok := r.e.Signal("bank-a", "price_shock", "price:nickel"); ok {
		t.Error("price_shock judged before 10 daily returns")
	}
}

func TestPriceWithoutShocks(t *testing.T) {
	r := newRig(t, "bank-a")
	p := float64(copperUSD)
	for d := range 90 { // a normal quarter: daily moves of 1% sd
		r.now = t0.AddDate(0, 0, d).Add(17 * time.Hour)
		p *= math.Exp(r.noise(0.01))
		r.price("copper", int64(math.Round(p)))
		if r.active("price_shock", "price:copper") {
			t.Fatalf("price_shock on day %d of a normal quarter", d)
		}
	}
}

func TestCollateralBlind(t *testing.T) {
	r := copperRig(t)
	r.wait(23 * time.Hour)
	if v := r.valuation("bank-a", "lot-1"); r.active("collateral_blind", "collateral:lot-1") || v.Trust <= 0 || v.TrustReason != "stale" {
		t.Fatalf("after 23h: blind %v trust %v (%s), want not blind, stale", r.active("collateral_blind", "collateral:lot-1"), v.Trust, v.TrustReason)
	}
	r.wait(time.Hour)
	v := r.valuation("bank-a", "lot-1")
	if !r.active("collateral_blind", "collateral:lot-1") || v.Trust != 0 || v.Value.Amount != 0 || v.TrustReason != "blind" {
		t.Fatalf("after 24h: blind %v trust %v (%s) value %v, want blind at 0", r.active("collateral_blind", "collateral:lot-1"), v.Trust, v.TrustReason, v.Value)
	}
	if as := r.alerts("collateral_blind", "collateral:lot-1"); len(as) != 1 || as[0].Action != gt.ActionFreezeDrawdown {
		t.Errorf("alerts = %+v, want one freezing drawdowns", as)
	}
	r.now = r.now.Add(time.Minute)
	r.cells(1_000_000)
	if r.active("collateral_blind", "collateral:lot-1") || r.valuation("bank-a", "lot-1").Trust != 1 {
		t.Error("fresh data did not end collateral_blind")
	}
}

// TestDevicesThatNeverReport: a lot pledged with load cells that have not reported yet
// is valued on its book at the unsigned-trust cap (no false margin call on a new
// pledge), and goes blind when they stay silent for the blind period.
func TestDevicesThatNeverReport(t *testing.T) {
	r := newRig(t, "bank-a")
	r.price("copper", copperUSD)
	r.records(copperRecords())
	v := r.valuation("bank-a", "lot-1")
	// 1000 t x 8000.00 x (1 - 0.15) x 0.8 = 5,440,000.00 USD against 4,000,000.00.
	if v.TrustReason != "awaiting_data" || v.Trust != 0.8 || v.VerifiedQuantity != 1000 || v.QuantitySource != "book" || v.Value.Amount != 544_000_000 {
		t.Fatalf("new lot: trust %v (%s), verified %v from %q, value %v; want 0.8 awaiting_data, 1000 from book, 5440000.00",
			v.Trust, v.TrustReason, v.VerifiedQuantity, v.QuantitySource, v.Value)
	}
	if b := r.loanRisk("loan-1").Band; b == gt.BandMarginCall || b == gt.BandLiquidation || len(r.alerts("ltv_margin_call", "loan:loan-1")) > 0 {
		t.Fatalf("a pledge awaiting its first readings put the loan in band %s", b)
	}
	r.wait(23*time.Hour + 59*time.Minute)
	if r.active("collateral_blind", "collateral:lot-1") || r.valuation("bank-a", "lot-1").TrustReason != "awaiting_data" {
		t.Fatal("blind before the blind period ran out")
	}
	r.wait(time.Minute)
	v = r.valuation("bank-a", "lot-1")
	if !r.active("collateral_blind", "collateral:lot-1") || v.TrustReason != "blind" || v.Value.Amount != 0 || v.VerifiedQuantity != 0 {
		t.Fatalf("24h without a first reading: blind %v, trust %s, value %v; want blind at 0", r.active("collateral_blind", "collateral:lot-1"), v.TrustReason, v.Value)
	}
	r.now = r.now.Add(time.Minute)
	r.cells(1_000_000)
	if r.active("collateral_blind", "collateral:lot-1") || r.valuation("bank-a", "lot-1").TrustReason != "signed" {
		t.Error("the first readings did not end collateral_blind")
	}
}

func TestRelatedPartyCustodian(t *testing.T) {
	r := newRig(t, "bank-a")
	recs := copperRecords()
	r.records(recs)
	if _, ok := r.e.Signal("bank-a", "related_party_custodian", "collateral:lot-1"); ok {
		t.Fatal("an independent custodian is related")
	}
	// The borrower turns out to own the warehouse company.
	owner := recs.Parties[0]
	owner.RelatedParties = []string{"custodian-1"}
	r.update(gt.Records{Parties: []gt.Party{owner}})
	s, ok := r.e.Signal("bank-a", "related_party_custodian", "collateral:lot-1")
	if !ok || !s.Active || s.Detail != "custodian custodian-1 is related to borrower borrower-1" {
		t.Fatalf("signal = %+v, want active naming both", s)
	}
	if as := r.alerts("related_party_custodian", "collateral:lot-1"); len(as) != 1 {
		t.Errorf("alerts = %+v, want one", as)
	}
	owner.RelatedParties = nil
	r.update(gt.Records{Parties: []gt.Party{owner}})
	if r.active("related_party_custodian", "collateral:lot-1") {
		t.Error("related_party_custodian stayed active once the link was removed")
	}
	// The link recorded on the custodian's side counts too.
	r2 := newRig(t, "bank-a")
	recs = copperRecords()
	recs.Parties[1].RelatedParties = []string{"borrower-1"}
	r2.records(recs)
	if !r2.active("related_party_custodian", "collateral:lot-1") {
		t.Error("a custodian naming the borrower as related is not flagged")
	}
}

func TestDoublePledgeWithinATenant(t *testing.T) {
	r := newRig(t, "bank-a")
	r.records(copperRecords())
	fleet := fleetRecords(gt.ProductFloorplan)
	r.records(fleet)
	lot := func(id, receipt, custodian string) gt.Collateral {
		c := copperRecords().Collateral[0]
		inv := *c.Inventory
		inv.ReceiptNo, inv.CustodianID = receipt, custodian
		c.ID, c.Inventory = id, &inv
		return c
	}
	other := gt.Party{ID: "custodian-2", Name: "Rizhao Storage", Roles: []gt.PartyRole{gt.PartyCustodian}}
	r.records(gt.Records{Parties: []gt.Party{other}, Collateral: []gt.Collateral{lot("lot-2", "QD-2", "custodian-1"), lot("lot-3", "QD-1", "custodian-2")}})
	for _, id := range []string{"lot-1", "lot-2", "lot-3", "car-1", "herd-1"} {
		if _, ok := r.e.Signal("bank-a", "double_pledge", "collateral:"+id); ok {
			t.Fatalf("double_pledge on %s, whose identifiers are unique", id)
		}
	}
	// The same receipt (in other letters) at the same custodian, the same VIN, an ear
	// tag of the herd.
	car := fleet.Collateral[0]
	car.ID = "car-2"
	herd := fleet.Collateral[1]
	h := *herd.Livestock
	h.TagIDs, h.HeadCount = []string{"t-999", "t-017"}, 2
	herd.ID, herd.Livestock = "herd-2", &h
	r.records(gt.Records{Collateral: []gt.Collateral{lot("lot-4", "qd-1", "custodian-1"), car, herd}})
	for _, tc := range []struct{ id, detail string }{
		{"lot-1", "receipt:custodian-1/QD-1 is also pledged as collateral lot-4"},
		{"lot-4", "receipt:custodian-1/QD-1 is also pledged as collateral lot-1"},
		{"car-1", "vin:1HGCM82633A004352 is also pledged as collateral car-2"},
		{"car-2", "vin:1HGCM82633A004352 is also pledged as collateral car-1"},
		{"herd-1", "tag:t-017 is also pledged as collateral herd-2"},
		{"herd-2", "tag:t-017 is also pledged as collateral herd-1"},
	} {
		s, ok := r.e.Signal("bank-a", "double_pledge", "collateral:"+tc.id)
		if !ok || !s.Active || s.Detail != tc.detail {
			t.Errorf("double_pledge on %s = %+v, want active: %s", tc.id, s, tc.detail)
		}
	}
	if r.active("double_pledge", "collateral:lot-3") || r.active("double_pledge", "collateral:lot-2") {
		t.Error("another custodian's receipt of the same number is a double pledge")
	}
	n := 0
	for _, a := range r.store.Alerts("bank-a") {
		if a.Rule == "double_pledge" && a.State == gt.AlertFiring && a.Action == gt.ActionFreezeDrawdown {
			n++
		}
	}
	if n != 6 {
		t.Errorf("firing double_pledge alerts = %d, want 6 freezing drawdowns", n)
	}
	// The receipt of lot-4 was mistyped: corrected, neither lot is double any more.
	fixed := lot("lot-4", "QD-4", "custodian-1")
	r.update(gt.Records{Collateral: []gt.Collateral{fixed}})
	if r.active("double_pledge", "collateral:lot-1") || r.active("double_pledge", "collateral:lot-4") {
		t.Error("double_pledge stayed active after the receipt was corrected")
	}
}

func TestDoublePledgeAcrossTenants(t *testing.T) {
	r := newRig(t, "bank-a", "bank-b")
	r.records(copperRecords())
	b := copperRecords()
	b.Devices = nil
	b.Parties[0].ID, b.Parties[0].Name = "borrower-b", "Tianjin Metals"
	b.Loans[0].ID, b.Loans[0].BorrowerID = "loan-b", "borrower-b"
	b.Collateral[0].ID, b.Collateral[0].Allocations = "lot-b", []gt.Allocation{{LoanID: "loan-b", Share: 1}}
	other := b.Collateral[0]
	inv := *other.Inventory
	inv.ReceiptNo = "QD-7"
	other.ID, other.Inventory = "lot-b2", &inv
	b.Collateral = append(b.Collateral, other)
	r.do(gt.EventRecordsCreate, "bank-b", b)

	sig := func(tenant, coll string) gt.Signal {
		s, _ := r.e.Signal(tenant, "double_pledge", "collateral:"+coll)
		return s
	}
	if s := sig("bank-b", "lot-b2"); s.Active {
		t.Errorf("bank-b's own receipt QD-7 is double: %+v", s)
	}
	for _, tc := range []struct{ tenant, coll, other string }{{"bank-b", "lot-b", "bank-a"}, {"bank-a", "lot-1", "bank-b"}} {
		s := sig(tc.tenant, tc.coll)
		if !s.Active || s.Detail != "receipt:custodian-1/QD-1 is also pledged to another lender in this deployment" {
			t.Errorf("%s %s: double_pledge = %+v, want active, naming no lender", tc.tenant, tc.coll, s)
		}
		for _, a := range r.store.Alerts(tc.tenant) {
			if a.Rule != "double_pledge" {
				continue
			}
			if strings.Contains(a.Summary+s.Detail, tc.other) || strings.Contains(a.Summary, "Bank "+tc.other) {
				t.Errorf("%s's alert names the other lender: %s", tc.tenant, a.Summary)
			}
		}
	}
	// bank-b's receipt was wrong: corrected, neither lender sees a double pledge.
	fixed := b.Collateral[0]
	inv = *fixed.Inventory
	inv.ReceiptNo = "QD-8"
	fixed.Inventory = &inv
	r.do(gt.EventRecordsUpdate, "bank-b", gt.Records{Collateral: []gt.Collateral{fixed}})
	if sig("bank-a", "lot-1").Active || sig("bank-b", "lot-b").Active {
		t.Error("double_pledge stayed active after the receipt was corrected")
	}
}

// TestPayoffClearsOutOfTrustAtOnce: a car off the lot for 48 hours with its tracker silent
// is out of trust; the dealer's payoff clears it with the loan update itself, with no
// further position.
func TestPayoffClearsOutOfTrustAtOnce(t *testing.T) {
	r := newRig(t, "bank-a")
	recs := fleetRecords(gt.ProductFloorplan)
	r.records(recs)
	r.now = r.now.Add(time.Minute)
	r.send(r.position("gps-1", onLot))
	r.now = r.now.Add(time.Hour)
	r.send(r.position("gps-1", offLot))
	r.wait(49 * time.Hour)
	if !r.active("out_of_trust", "collateral:car-1") {
		t.Fatal("no out_of_trust after 49h off the lot")
	}
	l := recs.Loans[0]
	l.Outstanding = gt.Money{Currency: "USD"}
	r.update(gt.Records{Loans: []gt.Loan{l}})
	if r.active("out_of_trust", "collateral:car-1") {
		t.Error("out_of_trust still active after the payoff")
	}
}
