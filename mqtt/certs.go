package mqtt

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"groundtruth"
)

// DeviceStore is the part of groundtruth.Store that a CertificateIndex reads.
type DeviceStore interface {
	Tenants(ctx context.Context, o groundtruth.ListOptions) ([]groundtruth.Tenant, error)
	Devices(ctx context.Context, tenant string, o groundtruth.ListOptions) ([]groundtruth.Device, error)
	Device(ctx context.Context, tenant, id string) (*groundtruth.Device, error)
}

// devRef names a device across tenants.
type devRef struct{ tenant, id string }

// CertificateIndex maps the fingerprints of registered client certificates to devices,
// across tenants: the store can find a device by its token hash but not by certificate.
// It learns of devices from the changes the node projects (Observe, in sequence order)
// and, for those projected before it existed, from one scan of the store (Load). The
// index is only a hint: DeviceByCertificate reads the device from the store and answers
// only when the stored record still holds that fingerprint.
//
// A certificate is public, so nothing stops two devices (of one tenant or two) from
// registering the same one. Such a certificate identifies neither: DeviceByCertificate
// returns ECONFLICT.
//
// It is safe for concurrent use.
type CertificateIndex struct {
	mu     sync.RWMutex
	store  DeviceStore // set by Load
	loaded bool
	byFP   map[string]map[devRef]bool
	// byDev holds each indexed device's fingerprint; until Load has finished it also
	// holds "" for devices observed without one, so that the scan does not put back a
	// fingerprint that a later change removed.
	byDev map[devRef]string
}

// NewCertificateIndex returns an empty index. Call Observe from the node's projection
// hook from the start, then Load once.
func NewCertificateIndex() *CertificateIndex {
	return &CertificateIndex{byFP: map[string]map[devRef]bool{}, byDev: map[devRef]string{}}
}

// Observe indexes the devices of one projected change set. Changes must be observed in
// sequence order; they override what Load reads.
func (x *CertificateIndex) Observe(devs []groundtruth.Device) {
	if len(devs) == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := range devs {
		x.set(devRef{devs[i].TenantID, devs[i].ID}, devs[i].CertSHA256, true)
	}
}

// set records fp (maybe "") as r's fingerprint. A scan (override false) leaves alone
// the devices that Observe has seen.
func (x *CertificateIndex) set(r devRef, fp string, override bool) {
	old, seen := x.byDev[r]
	if seen && !override {
		return
	}
	if seen && old != "" {
		delete(x.byFP[old], r)
		if len(x.byFP[old]) == 0 {
			delete(x.byFP, old)
		}
	}
	switch {
	case fp != "":
		x.byDev[r] = fp
		if x.byFP[fp] == nil {
			x.byFP[fp] = map[devRef]bool{}
		}
		x.byFP[fp][r] = true
	case !x.loaded:
		x.byDev[r] = "" // observed without a certificate: the scan must not add one
	default:
		delete(x.byDev, r)
	}
}

// Load scans every tenant's devices in s and indexes those with a certificate that
// Observe has not seen, then uses s to read the devices DeviceByCertificate returns. Call
// it once Observe is wired, before the broker serves.
func (x *CertificateIndex) Load(ctx context.Context, s DeviceStore) error {
	var after string
	for {
		ts, err := s.Tenants(ctx, groundtruth.ListOptions{After: after, Limit: groundtruth.MaxPageSize})
		if err != nil {
			return fmt.Errorf("list tenants: %w", err)
		}
		for _, t := range ts {
			if err := x.loadTenant(ctx, s, t.ID); err != nil {
				return err
			}
		}
		if len(ts) < groundtruth.MaxPageSize {
			break
		}
		after = ts[len(ts)-1].ID
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for r, fp := range x.byDev {
		if fp == "" {
			delete(x.byDev, r)
		}
	}
	x.store, x.loaded = s, true
	return nil
}

func (x *CertificateIndex) loadTenant(ctx context.Context, s DeviceStore, tenant string) error {
	var after string
	for {
		ds, err := s.Devices(ctx, tenant, groundtruth.ListOptions{After: after, Limit: groundtruth.MaxPageSize})
		if err != nil {
			return fmt.Errorf("list devices of tenant %s: %w", tenant, err)
		}
		x.mu.Lock()
		for i := range ds {
			if ds[i].CertSHA256 != "" {
				x.set(devRef{tenant, ds[i].ID}, ds[i].CertSHA256, false)
			}
		}
		x.mu.Unlock()
		if len(ds) < groundtruth.MaxPageSize {
			return nil
		}
		after = ds[len(ds)-1].ID
	}
}

// DeviceByCertificate returns the device whose registered certificate has this
// fingerprint, read from the store. It returns ENOTFOUND when none has, ECONFLICT when
// more than one device registered it, and EUNAVAILABLE before Load has finished.
func (x *CertificateIndex) DeviceByCertificate(ctx context.Context, fingerprint string) (*groundtruth.Device, error) {
	x.mu.RLock()
	s, refs := x.store, x.byFP[fingerprint]
	var names []string
	var r devRef
	for ref := range refs {
		r = ref
		names = append(names, ref.tenant+"/"+ref.id)
	}
	n := len(refs)
	x.mu.RUnlock()
	switch {
	case s == nil:
		return nil, groundtruth.Errorf(groundtruth.EUNAVAILABLE, "the certificate index is not loaded yet")
	case n == 0:
		return nil, groundtruth.Errorf(groundtruth.ENOTFOUND, "no device registered this certificate")
	case n > 1:
		slices.Sort(names)
		return nil, groundtruth.Errorf(groundtruth.ECONFLICT, "devices %s registered the same certificate", strings.Join(names, ", "))
	}
	d, err := s.Device(ctx, r.tenant, r.id)
	if err != nil {
		var ge *groundtruth.Error
		if errors.As(err, &ge) && ge.Code == groundtruth.ENOTFOUND {
			return nil, groundtruth.Errorf(groundtruth.ENOTFOUND, "no device registered this certificate")
		}
		return nil, fmt.Errorf("read device %s/%s: %w", r.tenant, r.id, err)
	}
	if d.CertSHA256 != fingerprint {
		return nil, groundtruth.Errorf(groundtruth.ENOTFOUND, "no device registered this certificate")
	}
	return d, nil
}
