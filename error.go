package groundtruth

import (
	"errors"
	"fmt"
)

// Error codes shared by every layer. The HTTP API maps each to one status code.
const (
	EINVALID      = "invalid"      // the input is malformed or breaks a rule
	ENOTFOUND     = "not_found"    // the subject does not exist for this tenant
	ECONFLICT     = "conflict"     // the subject already exists or changed meanwhile
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	EFORBIDDEN    = "forbidden"    // the credentials do not allow this
	ETOOLARGE     = "too_large"    // the input exceeds a size limit
	EUNAVAILABLE  = "unavailable"  // a dependency is down or overloaded; retry later
	ERATELIMIT    = "rate_limited" // the caller sends faster than its limit; retry later
	EINTERNAL     = "internal"     // a bug or an unexpected failure
)

// Error is the error type of the domain. Code says what kind of failure it is, Message is
// safe to show to a user, and Field names the offending input field (JSON path such as
// "terms.warn_ltv"), when there is one.
type Error struct {
	Code    string
	Message string
	Field   string
}

// Error returns the message, prefixed by the field when set.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an EINVALID *Error about one input field.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other
// non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of the first *Error in err's chain, or a
// generic text for other errors (their detail may hold internals and is only logged).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorField returns the field of the first *Error in err's chain, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// prefixField returns err with its field prefixed by parent ("collateral" + "id" ->
// "collateral.id"). Errors that are not *Error pass through unchanged.
func prefixField(parent string, err error) error {
	var e *Error
	if err == nil || !errors.As(err, &e) {
		return err
	}
	f := parent
	if e.Field != "" {
		f = parent + "." + e.Field
	}
	return &Error{Code: e.Code, Message: e.Message, Field: f}
}
