package raster_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"groundtruth/raster"
)

// npyArray is a little-endian float32 NumPy array in C order.
type npyArray struct {
	shape []int
	data  []float32
}

// readNPY parses a NumPy .npy file: the magic "\x93NUMPY", a version byte pair, a
// header length (2 bytes in version 1, 4 in versions 2 and 3), and a Python dict literal
// with 'descr', 'fortran_order' and 'shape', then the raw data. Only '<f4' in C order is
// accepted.
func readNPY(path string) (*npyArray, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 10 || string(b[:6]) != "\x93NUMPY" {
		return nil, fmt.Errorf("cannot parse %s: not a .npy file", path)
	}
	var hlen, start int
	switch b[6] {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(b[8:])), 10
	case 2, 3:
		if len(b) < 12 {
			return nil, fmt.Errorf("cannot parse %s: short header", path)
		}
		hlen, start = int(binary.LittleEndian.Uint32(b[8:])), 12
	default:
		return nil, fmt.Errorf("cannot parse %s: version %d", path, b[6])
	}
	if start+hlen > len(b) {
		return nil, fmt.Errorf("cannot parse %s: header of %d bytes", path, hlen)
	}
	header := string(b[start : start+hlen])
	field := func(name string) string {
		m := regexp.MustCompile(`'` + name + `':\s*('[^']*'|True|False|\([^)]*\))`).FindStringSubmatch(header)
		if m == nil {
			return ""
		}
		return m[1]
	}
	if d := field("descr"); d != "'<f4'" {
		return nil, fmt.Errorf("cannot parse %s: descr %s, want '<f4'", path, d)
	}
	if f := field("fortran_order"); f != "False" {
		return nil, fmt.Errorf("cannot parse %s: fortran_order %s, want False", path, f)
	}
	a := &npyArray{}
	n := 1
	for _, s := range strings.Split(strings.Trim(field("shape"), "()"), ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		d, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("cannot parse %s: shape %s", path, field("shape"))
		}
		a.shape = append(a.shape, d)
		n *= d
	}
	body := b[start+hlen:]
	if len(a.shape) == 0 || len(body) != 4*n {
		return nil, fmt.Errorf("cannot parse %s: %d data bytes for shape %v", path, len(body), a.shape)
	}
	a.data = make([]float32, n)
	for i := range a.data {
		a.data[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:]))
	}
	return a, nil
}

// TestSentinel2Series reads the 68-band float32 NDVI stack, checks its georeferencing
// against bbox.geojson, and compares every sample with NDVI.npy, whose axes are
// (time, row, column, 1): band t of the GeoTIFF is time step t.
func TestSentinel2Series(t *testing.T) {
	dir := filepath.Join(satDir(t), "sentinel2-slovenia")
	im := openFile(t, filepath.Join(dir, "derived_s2_ndvi_timeseries_68bands.tif")).Image()
	if im.Width() != 100 || im.Height() != 101 || im.Bands() != 68 || im.DataType() != raster.Float32 || im.EPSG() != 32633 {
		t.Fatalf("image = %dx%dx%d %v EPSG %d, want 100x101x68 float32 EPSG 32633",
			im.Width(), im.Height(), im.Bands(), im.DataType(), im.EPSG())
	}
	var dates []string
	if b, err := os.ReadFile(filepath.Join(dir, "timestamps.json")); err != nil || json.Unmarshal(b, &dates) != nil || len(dates) != im.Bands() {
		t.Errorf("timestamps.json holds %d dates (err %v), want one per band", len(dates), err)
	}

	var bbox struct {
		Coordinates [][][2]float64 `json:"coordinates"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "bbox.geojson"))
	if err != nil || json.Unmarshal(b, &bbox) != nil || len(bbox.Coordinates) == 0 {
		t.Fatalf("cannot read bbox.geojson: %v", err)
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range bbox.Coordinates[0] {
		minX, maxX = min(minX, p[0]), max(maxX, p[0])
		minY, maxY = min(minY, p[1]), max(maxY, p[1])
	}
	tr, ok := im.Transform()
	x1, y1 := tr.Apply(100, 101)
	if !ok || math.Abs(tr[0]-minX) > 1e-6 || math.Abs(tr[3]-maxY) > 1e-6 || math.Abs(x1-maxX) > 1e-6 || math.Abs(y1-minY) > 1e-6 {
		t.Errorf("extent (%v,%v)-(%v,%v), bbox.geojson (%v,%v)-(%v,%v)", tr[0], tr[3], x1, y1, minX, maxY, maxX, minY)
	}

	a, err := readNPY(filepath.Join(dir, "NDVI.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.shape) != 4 || a.shape[0] != 68 || a.shape[1] != 101 || a.shape[2] != 100 || a.shape[3] != 1 {
		t.Fatalf("NDVI.npy shape %v, want (68, 101, 100, 1)", a.shape)
	}
	bands := make([]int, im.Bands())
	dst := make([][]float64, im.Bands())
	for i := range bands {
		bands[i], dst[i] = i, make([]float64, 100*101)
	}
	if err := im.ReadWindowBands(0, 0, 100, 101, bands, dst); err != nil {
		t.Fatal(err)
	}
	diff, nan := 0, 0
	for ti := range 68 {
		for row := range 101 {
			for col := range 100 {
				want := a.data[(ti*101+row)*100+col]
				got := dst[ti][row*100+col]
				if math.IsNaN(float64(want)) {
					nan++
				}
				if math.Float32bits(float32(got)) != math.Float32bits(want) || float64(float32(got)) != got {
					if diff < 5 {
						t.Errorf("band %d pixel (%d,%d) = %v, NDVI.npy %v", ti, col, row, got, want)
					}
					diff++
				}
			}
		}
	}
	t.Logf("compared %d samples with NDVI.npy (shape %v, %d NaN): %d differ", 68*101*100, a.shape, nan, diff)
}
