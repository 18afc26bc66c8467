package groundtruth

import (
	"math"
	"strconv"
	"time"
)

// EventSceneStats records the zonal statistics of a satellite scene over a tenant's crop
// fields (SPEC §7). Data: SceneStats.
const EventSceneStats EventType = "scene.stats"

// SceneStats is what one scene showed of a tenant's financed fields.
type SceneStats struct {
	Scene    string       `json:"scene" doc:"Identifier of the scene, e.g. its product id."`
	Acquired time.Time    `json:"acquired_at" doc:"When the satellite took it."`
	Source   string       `json:"source,omitempty" doc:"Sensor or product, e.g. Sentinel-2 L2A."`
	Fields   []FieldStats `json:"fields"`
}

// FieldStats are the statistics of one crop field in a scene: pixels whose centre lies
// inside the field, by class, and the NDVI of the clear ones.
type FieldStats struct {
	CollateralID string  `json:"collateral_id"`
	Pixels       int     `json:"pixels"`
	Valid        int     `json:"valid"`
	Cloud        int     `json:"cloud"`
	NoData       int     `json:"nodata"`
	Mean         float64 `json:"mean"`
	Std          float64 `json:"std"`
	P10          float64 `json:"p10"`
	P50          float64 `json:"p50"`
	P90          float64 `json:"p90"`
}

// FieldObservation is one crop field's statistics in one scene, as kept for its time
// series.
type FieldObservation struct {
	TenantID string    `json:"-"`
	Scene    string    `json:"scene"`
	At       time.Time `json:"acquired_at"`
	Source   string    `json:"source,omitempty"`
	FieldStats
	Seq uint64 `json:"seq"`
}

// MaxSceneFields bounds the fields of one SceneStats.
const MaxSceneFields = 100_000

// Validate checks the scene's identity and each field's figures.
func (s *SceneStats) Validate() error {
	if err := ValidateText("scene", s.Scene, 200, true); err != nil {
		return err
	}
	if err := ValidateTime("acquired_at", s.Acquired); err != nil {
		return err
	}
	if err := ValidateText("source", s.Source, 200, false); err != nil {
		return err
	}
	if len(s.Fields) > MaxSceneFields {
		return FieldErrorf("fields", "at most %d fields per scene", MaxSceneFields)
	}
	for i := range s.Fields {
		f := &s.Fields[i]
		if err := ValidateID("collateral_id", f.CollateralID); err != nil {
			return prefixField(fieldIndex("fields", i), err)
		}
		if f.Pixels < 0 || f.Valid < 0 || f.Cloud < 0 || f.NoData < 0 || f.Valid+f.Cloud+f.NoData != f.Pixels {
			return FieldErrorf(fieldIndex("fields", i)+".pixels", "must be the sum of valid, cloud and nodata, none negative")
		}
		for _, v := range []float64{f.Mean, f.P10, f.P50, f.P90} {
			if math.IsNaN(v) || v < -1 || v > 1 {
				return FieldErrorf(fieldIndex("fields", i)+".mean", "NDVI figures must be between -1 and 1")
			}
		}
		if math.IsNaN(f.Std) || f.Std < 0 || f.Std > 2 {
			return FieldErrorf(fieldIndex("fields", i)+".std", "must be between 0 and 2")
		}
	}
	return nil
}

func fieldIndex(name string, i int) string { return name + "[" + strconv.Itoa(i) + "]" }
