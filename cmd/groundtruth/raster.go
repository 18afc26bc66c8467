package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"groundtruth/crop"
	"groundtruth/geo"
	"groundtruth/raster"
	"groundtruth/satellite"
)

type rasterCmd struct {
	Info  rasterInfoCmd  `cmd:"" help:"Describe a GeoTIFF: size, bands, type, layout, CRS, transform, nodata, overviews."`
	NDVI  rasterNDVICmd  `cmd:"" name:"ndvi" help:"Compute NDVI from red and near-infrared bands under a quality mask, into a float32 GeoTIFF."`
	Zonal rasterZonalCmd `cmd:"" help:"Zonal NDVI statistics of the polygons of a GeoJSON file, as CSV or JSON."`
}

type rasterInfoCmd struct {
	File string `arg:"" help:"GeoTIFF or COG." placeholder:"FILE"`
}

// bandFlags name a scene's rasters, as the CLI takes them.
type bandFlags struct {
	Red      string `help:"Red band file." placeholder:"FILE"`
	RedBand  int    `help:"Band of the red file (0-based)."`
	NIR      string `name:"nir" help:"Near-infrared band file (may be the red file with another --nir-band)." placeholder:"FILE"`
	NIRBand  int    `name:"nir-band" help:"Band of the nir file (0-based)."`
	Mask     string `help:"Quality band file." placeholder:"FILE"`
	MaskBand int    `help:"Band of the mask file (0-based)."`
	MaskKind string `help:"landsat_bqa, scl or binary." placeholder:"KIND"`
}

type rasterNDVICmd struct {
	bandFlags
	Out string `required:"" help:"Output GeoTIFF (float32, DEFLATE, nodata -9999 where masked)." placeholder:"FILE"`
}

type rasterZonalCmd struct {
	bandFlags
	NDVI     string `name:"ndvi" help:"A band of NDVI already computed, instead of --red and --nir." placeholder:"FILE"`
	NDVIBand int    `name:"ndvi-band" help:"Band of the ndvi file (0-based)."`
	Fields   string `required:"" help:"GeoJSON FeatureCollection of polygons in WGS84." placeholder:"FILE"`
	ID       string `help:"Feature property that names a field (default the feature's id, else its position)." placeholder:"NAME"`
	Format   string `help:"csv or json." enum:"csv,json" default:"csv"`
}

// openRaster opens a GeoTIFF file; the file stays open until the process ends.
func openRaster(path string) (*raster.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	rf, err := raster.Open(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rf, nil
}

func (c *rasterInfoCmd) Run(e *env) error {
	f, err := openRaster(c.File)
	if err != nil {
		return err
	}
	for i, im := range f.Images() {
		kind := "image"
		if im.IsOverview() {
			kind = "overview"
		}
		bw, bh := im.BlockSize()
		layout := fmt.Sprintf("strips of %d rows", bh)
		if im.Tiled() {
			layout = fmt.Sprintf("%dx%d tiles", bw, bh)
		}
		fmt.Fprintf(e.stdout, "%s %d: %dx%d, %d bands of %s, %s, compression %d, predictor %d\n", kind, i, im.Width(), im.Height(),
			im.Bands(), im.DataType(), layout, im.Compression(), im.Predictor())
		if i > 0 {
			continue
		}
		fmt.Fprintf(e.stdout, "  CRS EPSG:%d, raster type %s\n", im.EPSG(), im.RasterType())
		if t, ok := im.Transform(); ok {
			fmt.Fprintf(e.stdout, "  origin (%.3f, %.3f), pixel %.6g x %.6g\n", t[0], t[3], t[1], -t[5])
		}
		if v, ok := im.NoData(); ok {
			fmt.Fprintf(e.stdout, "  nodata %v\n", v)
		}
	}
	return nil
}

// scene opens the rasters the flags name.
func (b *bandFlags) scene(ndvi string, ndviBand int) (satellite.Scene, error) {
	var s satellite.Scene
	open := func(path string) (*raster.Image, error) {
		if path == "" {
			return nil, nil
		}
		f, err := openRaster(path)
		if err != nil {
			return nil, err
		}
		return f.Image(), nil
	}
	var err error
	if s.NDVI, err = open(ndvi); err != nil {
		return s, err
	}
	if s.Red, err = open(b.Red); err != nil {
		return s, err
	}
	if b.NIR == b.Red {
		s.NIR = s.Red
	} else if s.NIR, err = open(b.NIR); err != nil {
		return s, err
	}
	if s.Mask, err = open(b.Mask); err != nil {
		return s, err
	}
	s.RedBand, s.NIRBand, s.MaskBand, s.MaskKind, s.NDVIBand = b.RedBand, b.NIRBand, b.MaskBand, b.MaskKind, ndviBand
	if s.NDVI == nil && (s.Red == nil || s.NIR == nil) {
		return s, fmt.Errorf("give --red and --nir, or --ndvi")
	}
	return s, nil
}

func (c *rasterNDVICmd) Run(e *env) error {
	s, err := c.scene("", 0)
	if err != nil {
		return err
	}
	red := s.Red
	crs, gt, err := satellite.Grid(red)
	if err != nil {
		return err
	}
	w, h := red.Width(), red.Height()
	out, err := os.Create(c.Out)
	if err != nil {
		return err
	}
	defer out.Close()
	nd := -9999.0
	rv, nv, mv := make([]float64, w), make([]float64, w), make([]float64, w)
	vals, cls, mcls := make([]float32, w), make([]uint8, w), make([]uint8, w)
	var nodata *float64
	if v, ok := red.NoData(); ok {
		nodata = &v
	}
	bar := progress(e.stderr, "ndvi", h)
	err = raster.WriteRows(out, raster.WriteOptions{Width: w, Height: h, Bands: 1, DataType: raster.Float32, EPSG: int(crs),
		Transform: raster.Transform{gt.X0, gt.DX, 0, gt.Y0, 0, gt.DY}, NoData: &nd, Deflate: true, RowsPerStrip: 16},
		func(y int, dst []float64) error {
			if err := red.ReadWindow(0, y, w, 1, s.RedBand, rv); err != nil {
				return err
			}
			if err := s.NIR.ReadWindow(0, y, w, 1, s.NIRBand, nv); err != nil {
				return err
			}
			var m []uint8
			if s.Mask != nil {
				if err := s.Mask.ReadWindow(0, y, w, 1, s.MaskBand, mv); err != nil {
					return err
				}
				for i, v := range mv {
					mcls[i] = maskClass(s.MaskKind, v)
				}
				m = mcls
			}
			crop.NDVIBlock(rv, nv, m, nodata, vals, cls)
			for i := range dst {
				dst[i] = nd
				if cls[i] == crop.Clear {
					dst[i] = float64(vals[i])
				}
			}
			bar(y + 1)
			return nil
		})
	if err != nil {
		return err
	}
	return out.Close()
}

func maskClass(kind string, v float64) uint8 {
	switch kind {
	case satellite.MaskLandsatQA:
		return crop.LandsatQA(uint16(v))
	case satellite.MaskSCL:
		return crop.SentinelSCL(uint8(v))
	}
	return crop.CloudMask(uint8(math.Min(v, 1)))
}

func (c *rasterZonalCmd) Run(e *env) error {
	s, err := c.scene(c.NDVI, c.NDVIBand)
	if err != nil {
		return err
	}
	fields, err := readFields(c.Fields, c.ID)
	if err != nil {
		return err
	}
	ref := s.NDVI
	if ref == nil {
		ref = s.Red
	}
	bar := progress(e.stderr, "zonal", ref.NumBlocks())
	res, err := satellite.Zonal(e.ctx, s, fields, func(done, _ int) { bar(done) })
	if err != nil {
		return err
	}
	if c.Format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	w := csv.NewWriter(e.stdout)
	w.Write([]string{"field", "pixels", "valid", "cloud", "nodata", "cloud_fraction", "mean", "std", "p10", "p50", "p90"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	for _, r := range res {
		if r.Outside {
			w.Write([]string{r.Field, "0", "0", "0", "0", "", "", "", "", "", ""})
			continue
		}
		w.Write([]string{r.Field, strconv.Itoa(r.Pixels), strconv.Itoa(r.Valid), strconv.Itoa(r.Cloud), strconv.Itoa(r.NoData),
			f(r.CloudFraction()), f(r.Mean), f(r.Std), f(r.P10), f(r.P50), f(r.P90)})
	}
	w.Flush()
	return w.Error()
}

// readFields reads the polygons of a GeoJSON FeatureCollection (or one geometry).
func readFields(path, idProp string) ([]satellite.Field, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var fc struct {
		Type string `json:"type"`
		CRS  struct {
			Properties struct {
				Name string `json:"name"`
			} `json:"properties"`
		} `json:"crs"`
		Features []struct {
			ID         any             `json:"id"`
			Properties map[string]any  `json:"properties"`
			Geometry   json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// Polygons come back in lon/lat whatever CRS the file declares (old-style "crs").
	lonLat := func(m geo.MultiPolygon, crs geo.CRS) (geo.MultiPolygon, error) {
		if crs == 0 || crs == geo.LonLat {
			return m, nil
		}
		return m.Transform(crs, geo.LonLat)
	}
	if fc.Type != "FeatureCollection" {
		m, crs, err := geo.DecodeGeoJSON(b)
		if err == nil {
			m, err = lonLat(m, crs)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return []satellite.Field{{ID: "1", Polygon: m}}, nil
	}
	var top geo.CRS
	if name := fc.CRS.Properties.Name; name != "" {
		if top, err = geo.ParseCRS(name); err != nil {
			return nil, fmt.Errorf("%s: crs: %w", path, err)
		}
	}
	var out []satellite.Field
	for i, f := range fc.Features {
		m, crs, err := geo.DecodeGeoJSON(f.Geometry)
		if crs == 0 {
			crs = top
		}
		if err == nil {
			m, err = lonLat(m, crs)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: feature %d: %w", path, i, err)
		}
		id := strconv.Itoa(i + 1)
		switch {
		case idProp != "" && f.Properties[idProp] != nil:
			id = fmt.Sprint(f.Properties[idProp])
		case f.ID != nil:
			id = fmt.Sprint(f.ID)
		}
		out = append(out, satellite.Field{ID: id, Polygon: m})
	}
	return out, nil
}

// progress draws a bar of done out of total on w, at most ten times a second.
func progress(w io.Writer, what string, total int) func(done int) {
	var last time.Time
	return func(done int) {
		if done < total && time.Since(last) < 100*time.Millisecond {
			return
		}
		last = time.Now()
		n := 40 * done / max(total, 1)
		fmt.Fprintf(w, "\r%-6s [%s%s] %3d%%", what, strings.Repeat("#", n), strings.Repeat(".", 40-n), 100*done/max(total, 1))
		if done >= total {
			fmt.Fprintln(w)
		}
	}
}
