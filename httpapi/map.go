package httpapi

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	gt "groundtruth"

	"github.com/danielgtaylor/huma/v2"
)

// MaxMapPoints is the number of devices above which GET /api/v1/map clusters them.
const MaxMapPoints = 2000

// MapLayers answers GET /api/v1/map: GeoJSON feature collections of the tenant's sites,
// geofences and devices, for the dashboard's map.
type MapLayers struct {
	Sites     FeatureCollection `json:"sites"`
	Geofences FeatureCollection `json:"geofences"`
	Fields    FeatureCollection `json:"fields" doc:"Crop fields, with the mean NDVI of their latest clear scene among the last 20 (properties.ndvi, absent without one)"`
	Devices   FeatureCollection `json:"devices" doc:"Points, or clusters (properties.cluster) when more than 2000 devices are in the box"`
	Clustered bool              `json:"clustered"`
	Total     int               `json:"total_devices" doc:"Devices placed in the box"`
}

// FeatureCollection is a GeoJSON FeatureCollection (RFC 7946).
type FeatureCollection struct {
	Type     string    `json:"type" enum:"FeatureCollection"`
	Features []Feature `json:"features"`
}

// Feature is a GeoJSON Feature.
type Feature struct {
	Type       string         `json:"type" enum:"Feature"`
	Geometry   any            `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

type point struct {
	Type        string     `json:"type"`
	Coordinates [2]float64 `json:"coordinates"`
}

type mapInput struct {
	BBox string `query:"bbox" doc:"minLon,minLat,maxLon,maxLat: only devices in this box"`
}

type mapOutput struct{ Body MapLayers }

func collection(fs []Feature) FeatureCollection {
	if fs == nil {
		fs = []Feature{}
	}
	return FeatureCollection{Type: "FeatureCollection", Features: fs}
}

// all reads every page of a list.
func all[T any](ctx context.Context, list func(context.Context, gt.ListOptions) ([]T, error), id func(*T) string) ([]T, error) {
	var out []T
	o := gt.ListOptions{Limit: gt.MaxPageSize}
	for {
		page, err := list(ctx, o)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < o.Limit {
			return out, nil
		}
		o.After = id(&page[len(page)-1])
	}
}

func parseBBox(s string) (b [4]float64, ok bool, err error) {
	if s == "" {
		return b, false, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return b, false, gt.FieldErrorf("bbox", "must be minLon,minLat,maxLon,maxLat")
	}
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return b, false, gt.FieldErrorf("bbox", "%q is not a number", p)
		}
		b[i] = v
	}
	if b[0] > b[2] || b[1] > b[3] {
		return b, false, gt.FieldErrorf("bbox", "min must not exceed max")
	}
	return b, true, nil
}

func (s *Server) registerMap() {
	o := op("get-map", http.MethodGet, "/api/v1/map", "read the map layers", "risk", readers...)
	o.Description = "Sites, geofences (vehicles' home geofences, herds' pastures) and devices as GeoJSON. A device " +
		"is placed at its last reported position (lat/lon readings) or at the centre of its site; `reporting` " +
		"is false when its status says offline, power cut or tamper, or when it has not reported for three " +
		"intervals before the newest report of the tenant. More than 2000 devices in the box are clustered on a grid."
	huma.Register(s.api, o, func(ctx context.Context, in *mapInput) (*mapOutput, error) {
		tenant := caller(ctx).tenant
		box, boxed, err := parseBBox(in.BBox)
		if err != nil {
			msg := err.(*gt.Error).Message
			return nil, huma.NewError(http.StatusUnprocessableEntity, "bbox: "+msg,
				&huma.ErrorDetail{Location: "query.bbox", Message: msg, Value: in.BBox})
		}
		layers, err := s.mapLayers(ctx, tenant, box, boxed)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &mapOutput{Body: *layers}, nil
	})
}

func (s *Server) mapLayers(ctx context.Context, tenant string, box [4]float64, boxed bool) (*MapLayers, error) {
	st := s.o.Store
	sites, err := all(ctx, func(ctx context.Context, o gt.ListOptions) ([]gt.Site, error) { return st.Sites(ctx, tenant, o) },
		func(x *gt.Site) string { return x.ID })
	if err != nil {
		return nil, err
	}
	colls, err := all(ctx, func(ctx context.Context, o gt.ListOptions) ([]gt.Collateral, error) {
		return st.Collaterals(ctx, tenant, o)
	},
		func(x *gt.Collateral) string { return x.ID })
	if err != nil {
		return nil, err
	}
	devs, err := st.DevicePositions(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := &MapLayers{}
	centres := map[string][2]float64{}
	var sf []Feature
	for i := range sites {
		x := &sites[i]
		sf = append(sf, Feature{Type: "Feature", Geometry: x.Boundary, Properties: map[string]any{"id": x.ID, "name": x.Name, "kind": string(x.Kind)}})
		if c, ok := x.Boundary.Centre(); ok {
			centres[x.ID] = c
		}
	}
	out.Sites = collection(sf)
	siteOf := map[string]string{}
	var gf []Feature
	for i := range colls {
		c := &colls[i]
		var fence *gt.Polygon
		switch {
		case c.Inventory != nil:
			siteOf[c.ID] = c.Inventory.SiteID
		case c.Vehicle != nil:
			siteOf[c.ID], fence = c.Vehicle.SiteID, c.Vehicle.HomeGeofence
		case c.Livestock != nil:
			siteOf[c.ID], fence = c.Livestock.SiteID, c.Livestock.Pasture
		}
		if fence != nil {
			gf = append(gf, Feature{Type: "Feature", Geometry: fence, Properties: map[string]any{"collateral_id": c.ID, "kind": string(c.Kind)}})
		}
	}
	out.Geofences = collection(gf)
	var ff []Feature
	for i := range colls {
		c := &colls[i]
		if c.Crop == nil {
			continue
		}
		props := map[string]any{"collateral_id": c.ID, "crop": c.Crop.Crop}
		obs, err := st.FieldObservations(ctx, tenant, c.ID, time.Time{}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), 20)
		if err != nil {
			return nil, err
		}
		// The newest clear one: a clouded scene says nothing of the crop.
		for k := len(obs) - 1; k >= 0; k-- {
			o := obs[k]
			if o.Valid >= 5 && o.Cloud <= o.Valid {
				props["ndvi"], props["acquired_at"] = o.Mean, o.At
				break
			}
		}
		ff = append(ff, Feature{Type: "Feature", Geometry: c.Crop.Field, Properties: props})
	}
	out.Fields = collection(ff)

	var newest time.Time
	for i := range devs {
		if devs[i].Reported && devs[i].LastSeen.After(newest) {
			newest = devs[i].LastSeen
		}
	}
	// A device's properties are built only when it is drawn as a point: a clustered map
	// of 100k devices needs their positions and health, not 100k property maps.
	type spot struct {
		pos       [2]float64
		reporting bool
		d         *gt.DevicePosition
	}
	var spots []spot
	for i := range devs {
		d := &devs[i]
		pos, ok := [2]float64{}, false
		if d.Lat != nil && d.Lon != nil {
			pos, ok = [2]float64{*d.Lon, *d.Lat}, true
		}
		if !ok {
			site := d.SiteID
			if site == "" {
				site = siteOf[d.CollateralID]
			}
			pos, ok = centres[site]
		}
		if !ok || boxed && (pos[0] < box[0] || pos[0] > box[2] || pos[1] < box[1] || pos[1] > box[3]) {
			continue
		}
		reporting := false
		if d.Reported {
			silent := newest.Sub(d.LastSeen) > 3*d.Interval
			reporting = !silent && d.State != gt.StateOffline && d.State != gt.StatePowerCut && d.State != gt.StateTamper
		}
		spots = append(spots, spot{pos, reporting, d})
	}
	out.Total = len(spots)
	var df []Feature
	if len(spots) <= MaxMapPoints {
		for _, sp := range spots {
			d := sp.d
			props := map[string]any{"id": d.DeviceID, "kind": string(d.Kind), "collateral_id": d.CollateralID,
				"state": "unknown", "reporting": sp.reporting}
			if d.Reported {
				props["state"], props["last_seen"] = d.State, d.LastSeen
			}
			df = append(df, Feature{Type: "Feature", Geometry: point{"Point", sp.pos}, Properties: props})
		}
		out.Devices = collection(df)
		return out, nil
	}
	// Cluster on a 64 x 64 grid over the box (or the devices' extent).
	minX, minY, maxX, maxY := box[0], box[1], box[2], box[3]
	if !boxed {
		minX, minY, maxX, maxY = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, sp := range spots {
			minX, minY = math.Min(minX, sp.pos[0]), math.Min(minY, sp.pos[1])
			maxX, maxY = math.Max(maxX, sp.pos[0]), math.Max(maxY, sp.pos[1])
		}
	}
	const grid = 64
	w, h := math.Max((maxX-minX)/grid, 1e-9), math.Max((maxY-minY)/grid, 1e-9)
	type cell struct {
		n, reporting int
		sx, sy       float64
	}
	cells := map[[2]int]*cell{}
	for _, sp := range spots {
		k := [2]int{int((sp.pos[0] - minX) / w), int((sp.pos[1] - minY) / h)}
		c := cells[k]
		if c == nil {
			c = &cell{}
			cells[k] = c
		}
		c.n++
		c.sx += sp.pos[0]
		c.sy += sp.pos[1]
		if sp.reporting {
			c.reporting++
		}
	}
	keys := make([][2]int, 0, len(cells))
	for k := range cells {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i][0] < keys[j][0] || keys[i][0] == keys[j][0] && keys[i][1] < keys[j][1]
	})
	for _, k := range keys {
		c := cells[k]
		df = append(df, Feature{Type: "Feature", Geometry: point{"Point", [2]float64{c.sx / float64(c.n), c.sy / float64(c.n)}},
			Properties: map[string]any{"cluster": true, "count": c.n, "reporting": c.reporting,
				"id": fmt.Sprintf("cluster %d,%d", k[0], k[1])}})
	}
	out.Devices, out.Clustered = collection(df), true
	return out, nil
}
