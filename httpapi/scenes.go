package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	gt "groundtruth"
	"groundtruth/geo"
	"groundtruth/raster"
	"groundtruth/satellite"

	"github.com/danielgtaylor/huma/v2"
)

// MaxSceneBytes bounds an upload of POST /api/v1/scenes: a few Sentinel-2 bands.
const MaxSceneBytes = 2 << 30

// SceneResult answers POST /api/v1/scenes.
type SceneResult struct {
	Seq     uint64        `json:"seq" doc:"Journal sequence of the scene.stats event"`
	Scene   gt.SceneStats `json:"scene" doc:"What the scene showed of each crop field it covers"`
	Outside []string      `json:"outside" doc:"Crop fields the scene does not cover"`
}

type sceneInput struct {
	RawBody huma.MultipartFormFiles[struct {
		Red  huma.FormFile `form:"red" contentType:"image/tiff,application/octet-stream" required:"false" doc:"Red band (GeoTIFF or COG); with nir"`
		NIR  huma.FormFile `form:"nir" contentType:"image/tiff,application/octet-stream" required:"false" doc:"Near-infrared band; may be the red file again with another nir_band"`
		Mask huma.FormFile `form:"mask" contentType:"image/tiff,application/octet-stream" required:"false" doc:"Quality band, with mask_kind"`
		NDVI huma.FormFile `form:"ndvi" contentType:"image/tiff,application/octet-stream" required:"false" doc:"A band of NDVI already computed, instead of red and nir"`
	}]
}

type sceneOutput struct{ Body SceneResult }

func (s *Server) registerScenes() {
	o := op("upload-scene", http.MethodPost, "/api/v1/scenes", "upload a satellite scene", "scenes", writers...)
	o.MaxBodyBytes = MaxSceneBytes
	o.Description = "Multipart upload of a scene: `red` and `nir` GeoTIFF/COG bands (or `ndvi`), an optional `mask` " +
		"with `mask_kind` (landsat_bqa, scl or binary), and the form values `acquired_at` (RFC 3339, required), " +
		"`scene` (an id; default derived from the time), `source`, and the 0-based bands `red_band`, `nir_band`, " +
		"`mask_band`, `ndvi_band`. The server computes the zonal statistics of each of the tenant's crop fields the " +
		"scene covers (pixels whose centre is inside the field) and records them as one scene.stats event."
	huma.Register(s.api, o, func(ctx context.Context, in *sceneInput) (*sceneOutput, error) {
		p := caller(ctx)
		form := in.RawBody.Data()
		value := func(name string) string {
			if in.RawBody.Form == nil {
				return ""
			}
			if v := in.RawBody.Form.Value[name]; len(v) > 0 {
				return strings.TrimSpace(v[0])
			}
			return ""
		}
		bad := func(field, format string, args ...any) error {
			msg := fmt.Sprintf(format, args...)
			return huma.NewError(http.StatusUnprocessableEntity, field+": "+msg, &huma.ErrorDetail{Location: "body." + field, Message: msg})
		}
		at, err := time.Parse(time.RFC3339Nano, value("acquired_at"))
		if err != nil {
			return nil, bad("acquired_at", "is required, an RFC 3339 time such as 2026-06-14T10:05:00Z")
		}
		band := func(name string) (int, error) {
			v := value(name)
			if v == "" {
				return 0, nil
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 10000 {
				return 0, bad(name, "must be a band number from 0")
			}
			return n, nil
		}
		open := func(name string, f huma.FormFile) (*raster.Image, error) {
			if !f.IsSet {
				return nil, nil
			}
			tf, err := raster.Open(f.File, f.Size)
			if err != nil {
				return nil, bad(name, "%v", err)
			}
			return tf.Image(), nil
		}
		var sc satellite.Scene
		if sc.Red, err = open("red", form.Red); err != nil {
			return nil, err
		}
		if sc.NIR, err = open("nir", form.NIR); err != nil {
			return nil, err
		}
		if sc.Mask, err = open("mask", form.Mask); err != nil {
			return nil, err
		}
		if sc.NDVI, err = open("ndvi", form.NDVI); err != nil {
			return nil, err
		}
		for _, b := range []struct {
			name string
			dst  *int
		}{{"red_band", &sc.RedBand}, {"nir_band", &sc.NIRBand}, {"mask_band", &sc.MaskBand}, {"ndvi_band", &sc.NDVIBand}} {
			if *b.dst, err = band(b.name); err != nil {
				return nil, err
			}
		}
		sc.MaskKind = value("mask_kind")
		fields, err := s.cropFields(ctx, p.tenant)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		results, err := satellite.Zonal(ctx, sc, fields, nil)
		if err != nil {
			return nil, bad("ndvi", "%v", err)
		}
		stats := gt.SceneStats{Scene: value("scene"), Acquired: at.UTC(), Source: value("source"), Fields: []gt.FieldStats{}}
		if stats.Scene == "" {
			stats.Scene = "scene-" + at.UTC().Format("20060102T150405Z")
		}
		res := SceneResult{Outside: []string{}}
		for _, r := range results {
			if r.Outside {
				res.Outside = append(res.Outside, r.Field)
				continue
			}
			stats.Fields = append(stats.Fields, gt.FieldStats{CollateralID: r.Field, Pixels: r.Pixels, Valid: r.Valid,
				Cloud: r.Cloud, NoData: r.NoData, Mean: r.Mean, Std: r.Std, P10: r.P10, P50: r.P50, P90: r.P90})
		}
		if err := stats.Validate(); err != nil {
			return nil, s.problem(ctx, err)
		}
		if len(stats.Fields) == 0 {
			return nil, bad("ndvi", "the scene covers none of the tenant's %d crop fields", len(fields))
		}
		seq, err := s.o.Node.Command(ctx, gt.EventSceneStats, p.tenant, p.keyID, stats)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		res.Seq, res.Scene = seq, stats
		return &sceneOutput{Body: res}, nil
	})
}

// cropFields returns the tenant's crop fields as polygons in WGS84.
func (s *Server) cropFields(ctx context.Context, tenant string) ([]satellite.Field, error) {
	colls, err := all(ctx, func(ctx context.Context, o gt.ListOptions) ([]gt.Collateral, error) {
		return s.o.Store.Collaterals(ctx, tenant, o)
	}, func(x *gt.Collateral) string { return x.ID })
	if err != nil {
		return nil, err
	}
	var out []satellite.Field
	for i := range colls {
		if c := colls[i].Crop; c != nil {
			out = append(out, satellite.Field{ID: colls[i].ID, Polygon: geo.MultiPolygon{geo.Polygon(c.Field.Coordinates)}})
		}
	}
	return out, nil
}
