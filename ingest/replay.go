package ingest

import "groundtruth"

// CheckSeq returns nil when seq, from a device's protected header, is above last, the
// highest seq accepted from that device so far (0 when none). Gaps are allowed. Otherwise
// it returns an ECONFLICT *groundtruth.Error that matches ErrReplay. It is a pure
// function: the caller owns the per-device state and must update it only after the
// payload is durably accepted.
func CheckSeq(last, seq uint64) error {
	if seq > last {
		return nil
	}
	e := groundtruth.Errorf(groundtruth.ECONFLICT,
		"%d is not above the last accepted seq %d (replay)", seq, last)
	e.Field = "protected.seq"
	return &reasonError{err: e, reason: ErrReplay}
}
