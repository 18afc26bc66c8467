// Package credit is the regulatory and accounting credit-risk math of SPEC §11: the Basel
// IRB risk-weight function for corporate exposures, the foundation-IRB effective LGD of
// secured exposures, supervisory haircut scaling, IFRS 9 staging and expected credit
// losses, and the Vasicek one-factor portfolio loss distribution.
//
// Nothing here does I/O or reads the clock: every input is an argument, so the same
// numbers come out of the API, the CLI calculators and a replay. Ratios are fractions
// (0.45 = 45%), amounts are in any one currency unit, PDs are one-year probabilities of
// default unless a schedule says otherwise.
//
// The references each function implements are named in its doc comment; the tests
// reproduce the published figures:
//
//   - Basel Committee, "International Convergence of Capital Measurement and Capital
//     Standards", June 2006 (Basel II), §272-273 and Annex 5; Basel Framework CRE22, CRE31
//     and CRE32 (Basel III).
//   - IFRS 9 §5.5 and the five-year loan example of IFRScommunity.com.
//   - O. Vasicek, "The distribution of loan portfolio value", Risk, December 2002.
//
// Invalid inputs (NaN, a PD outside [0, 1], a negative exposure) give errors that wrap
// ErrInvalid, so a caller can tell them from other failures with errors.Is.
package credit

import "errors"

// ErrInvalid is wrapped by every error this package returns for an input outside the
// domain of a formula.
var ErrInvalid = errors.New("invalid input")
