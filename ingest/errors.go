package ingest

import (
	"errors"

	"groundtruth"
)

// ErrSignature matches, with errors.Is, the error Parsed.Verify returns when the
// signature does not verify with the given key. Its text is the name of the signal a
// caller counts (SPEC §6.5). The error is also a *groundtruth.Error with Code EINVALID
// and Field "signature".
var ErrSignature = errors.New("signature_invalid")

// ErrReplay matches, with errors.Is, the error CheckSeq returns when a seq does not
// strictly increase. Its text is the name of the signal a caller counts (SPEC §6.5).
// The error is also a *groundtruth.Error with Code ECONFLICT and Field "protected.seq".
var ErrReplay = errors.New("replay")

// reasonError is a *groundtruth.Error that also matches a sentinel with errors.Is, so
// that groundtruth.ErrorCode and errors.As see the domain error and callers can branch
// on the sentinel.
type reasonError struct {
	err    *groundtruth.Error
	reason error
}

func (e *reasonError) Error() string   { return e.err.Error() }
func (e *reasonError) Unwrap() []error { return []error{e.err, e.reason} }

// invalid returns an EINVALID *groundtruth.Error about one part or header member.
func invalid(field, format string, args ...any) error {
	return groundtruth.FieldErrorf(field, format, args...)
}

// tooLarge returns an ETOOLARGE *groundtruth.Error about one part.
func tooLarge(field string, n, limit int) error {
	e := groundtruth.Errorf(groundtruth.ETOOLARGE, "is %d bytes, over the limit of %d", n, limit)
	e.Field = field
	return e
}
