package engine_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/engine"
)

// TestDeviceCertificateThroughTheJournal: a certificate fingerprint is registered by a
// device.key event, replaced by the next one, kept (and never forged) by record updates,
// refused when malformed, and restored from a snapshot exactly as a replay rebuilds it.
func TestDeviceCertificateThroughTheJournal(t *testing.T) {
	f := newFeeder()
	f.must(t, gt.EventTenantCreate, "bank-a", tenantCreate("bank-a"))
	f.must(t, gt.EventRecordsCreate, "bank-a", portfolio(1))
	key := "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
	f.must(t, gt.EventDeviceKey, "bank-a", gt.DeviceCredential{DeviceID: "cell-1", PublicKey: key})

	fp1, fp2 := gt.CertFingerprint([]byte("cert one")), gt.CertFingerprint([]byte("cert two"))
	ch := f.must(t, gt.EventDeviceKey, "bank-a", gt.DeviceCredential{DeviceID: "cell-1", CertSHA256: fp1})
	if got := ch.Devices[0]; got.CertSHA256 != fp1 || got.PublicKey != key {
		t.Fatalf("after registering a certificate: cert %q key %q, want %q and the key kept", got.CertSHA256, got.PublicKey, fp1)
	}
	ch = f.must(t, gt.EventDeviceKey, "bank-a", gt.DeviceCredential{DeviceID: "cell-1", CertSHA256: fp2})
	if got := ch.Devices[0].CertSHA256; got != fp2 {
		t.Fatalf("replaced certificate = %q, want %q", got, fp2)
	}

	// A record neither clears nor sets the fingerprint.
	d := portfolio(1).Devices[0]
	d.Interval = gt.Duration(5 * time.Minute)
	ch = f.must(t, gt.EventRecordsUpdate, "bank-a", gt.Records{Devices: []gt.Device{d}})
	if got := ch.Devices[0]; got.CertSHA256 != fp2 || got.Interval != gt.Duration(5*time.Minute) {
		t.Errorf("after a record update without it: cert %q interval %v, want %q and 5m", got.CertSHA256, got.Interval, fp2)
	}
	d.CertSHA256 = fp1
	ch = f.must(t, gt.EventRecordsPut, "bank-a", gt.Records{Devices: []gt.Device{d}})
	if got := ch.Devices[0].CertSHA256; got != fp2 {
		t.Errorf("a record naming another fingerprint changed it to %q, want %q kept", got, fp2)
	}
	nd := d
	nd.ID, nd.CertSHA256 = "cell-new", fp1
	ch = f.must(t, gt.EventRecordsCreate, "bank-a", gt.Records{Devices: []gt.Device{nd}})
	if got := ch.Devices[0].CertSHA256; got != "" {
		t.Errorf("a new device record set its own fingerprint %q, want none", got)
	}

	for _, c := range []struct {
		name string
		cred gt.DeviceCredential
		code string
	}{
		{"upper-case hex", gt.DeviceCredential{DeviceID: "cell-1", CertSHA256: strings.ToUpper(fp1)}, gt.EINVALID},
		{"short", gt.DeviceCredential{DeviceID: "cell-1", CertSHA256: fp1[:40]}, gt.EINVALID},
		{"key and certificate at once", gt.DeviceCredential{DeviceID: "cell-1", CertSHA256: fp1, PublicKey: key}, gt.EINVALID},
		{"unknown device", gt.DeviceCredential{DeviceID: "nope", CertSHA256: fp1}, gt.ENOTFOUND},
	} {
		if _, err := f.apply(t, gt.EventDeviceKey, "bank-a", c.cred); gt.ErrorCode(err) != c.code {
			t.Errorf("%s: Apply = %v, want %s", c.name, err, c.code)
		}
	}

	snap, err := f.e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(snap, []byte(fp2)) {
		t.Errorf("the snapshot does not hold the fingerprint")
	}
	restored, err := engine.Restore(snap)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := restored.Snapshot()
	full := engine.New()
	replay(t, full, f.log)
	fromReplay, _ := full.Snapshot()
	if !bytes.Equal(again, snap) || !bytes.Equal(fromReplay, snap) {
		t.Errorf("restore or replay differs from the original state")
	}
}
