package csvimport

import (
	"errors"
	"strconv"
	"strings"

	gt "groundtruth"
)

// Locate rewrites an error that names a record by its position in the batch, as the engine
// returns it (a *groundtruth.Error with Field "loans[3].borrower_id" or
// "collateral[0].inventory.site_id"), into one naming the CSV line and column: Field
// "line 5, column borrower_id", with the same Code and Message. Other errors, and errors
// about positions outside the batch, are returned unchanged.
func (b *Batch) Locate(err error) error {
	var e *gt.Error
	if b == nil || !errors.As(err, &e) {
		return err
	}
	rest, ok := strings.CutPrefix(e.Field, b.Kind+"[")
	if !ok {
		return err
	}
	n, rest, ok := strings.Cut(rest, "]")
	if !ok || n == "" || strings.TrimLeft(n, "0123456789") != "" {
		return err
	}
	i, perr := strconv.Atoi(n)
	if perr != nil || i >= len(b.lines) {
		return err
	}
	field, ok := strings.CutPrefix(rest, ".")
	if !ok && rest != "" {
		return err
	}
	col := b.column(i, field)
	msg := e.Message
	if strings.Contains(field, "[") {
		msg = field + ": " + msg
	}
	return &gt.Error{Code: e.Code, Field: lineField(b.lines[i], col), Message: msg}
}

// column returns the CSV column of a field of record i.
func (b *Batch) column(i int, field string) string {
	if field == "" {
		return ""
	}
	if i < len(b.cols) && b.cols[i] != "" {
		if stripIndexes(field) == "at" {
			return b.atCol
		}
		return b.cols[i]
	}
	return column(b.Kind, field)
}

// fieldColumns maps fields of a record (indexes removed, collateral details unwrapped) to
// the column they come from, where the names differ. A field not listed maps to its first
// path element ("boundary.coordinates" -> "boundary", "zones.id" -> "zones").
var fieldColumns = map[string]map[string]string{
	"loans": {
		"principal.currency":    "currency",
		"outstanding.currency":  "currency",
		"terms.warn_ltv":        "warn_ltv",
		"terms.margin_call_ltv": "margin_call_ltv",
		"terms.liquidation_ltv": "liquidation_ltv",
		"terms.cure_period":     "cure_period",
		"terms":                 "warn_ltv",
	},
	"collateral": {
		"allocations.loan_id":     "loan_ids",
		"allocations.share":       "shares",
		"allocations":             "shares",
		"value.currency":          "currency",
		"amount.currency":         "currency",
		"price_per_head.currency": "currency",
		"inventory":               "kind",
		"vehicle":                 "kind",
		"livestock":               "kind",
		"crop":                    "kind",
		"receivable":              "kind",
	},
	"devices": {
		"calibration.tare":  "tare",
		"calibration.scale": "scale",
		"calibration.unit":  "unit",
		"calibration":       "scale",
	},
	"prices": {
		"price.currency": "currency",
	},
}

// column returns the CSV column of a record field such as "terms.warn_ltv" or
// "inventory.site_id" for a kind, or "" when field is empty.
func column(kind, field string) string {
	f := stripIndexes(field)
	if f == "" {
		return ""
	}
	if kind == "collateral" {
		for _, d := range []string{"inventory.", "vehicle.", "livestock.", "crop.", "receivable."} {
			if rest, ok := strings.CutPrefix(f, d); ok {
				f = rest
				break
			}
		}
	}
	if c, ok := fieldColumns[kind][f]; ok {
		return c
	}
	first, _, _ := strings.Cut(f, ".")
	if c, ok := fieldColumns[kind][first]; ok {
		return c
	}
	return first
}

// stripIndexes removes list indexes: "zones[1].id" -> "zones.id".
func stripIndexes(field string) string {
	if !strings.Contains(field, "[") {
		return field
	}
	var sb strings.Builder
	depth := 0
	for _, c := range field {
		switch {
		case c == '[':
			depth++
		case c == ']' && depth > 0:
			depth--
		case depth == 0:
			sb.WriteRune(c)
		}
	}
	return sb.String()
}
