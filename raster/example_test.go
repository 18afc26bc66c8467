package raster_test

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"groundtruth/raster"
)

// Example streams an NDVI mean over a two-band (red, near infrared) image block by
// block, holding one block in memory at a time, as for a full 10980x10980 scene.
func Example() {
	// A 600x500 two-band DEFLATE-compressed tiled GeoTIFF, made by the test encoder;
	// a real file is opened the same way from an *os.File and its size.
	l := layer{w: 600, h: 500, bands: 2, dtype: raster.Uint16, tileW: 256, tileH: 256, compression: 8, predictor: 2,
		tags: geoTags(452475, 3408645, 30, 32616, 1)}
	red, nir := make([]float64, 600*500), make([]float64, 600*500)
	for i := range red {
		red[i], nir[i] = 1000, float64(2000+i%1000)
	}
	l.data = [][]float64{red, nir}
	b := encodeTIFF(binary.LittleEndian, false, l)

	f, err := raster.Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		fmt.Println(err)
		return
	}
	im := f.Image()
	tr, _ := im.Transform()
	fmt.Printf("%dx%d, %d bands of %v, EPSG:%d, origin (%.0f, %.0f), %.0f m pixels\n",
		im.Width(), im.Height(), im.Bands(), im.DataType(), im.EPSG(), tr[0], tr[3], tr[1])

	bw, bh := im.BlockSize()
	dst := [][]float64{make([]float64, bw*bh), make([]float64, bw*bh)}
	sum, n := 0.0, 0
	for i := range im.Blocks() {
		r, err := im.ReadBlockBands(i, []int{0, 1}, dst)
		if err != nil {
			fmt.Println(err)
			return
		}
		for k := range r.Dx() * r.Dy() {
			if s := dst[0][k] + dst[1][k]; s > 0 {
				sum += (dst[1][k] - dst[0][k]) / s
				n++
			}
		}
	}
	fmt.Printf("%d blocks, NDVI mean %.4f over %d pixels\n", im.NumBlocks(), sum/float64(n), n)
	// Output:
	// 600x500, 2 bands of uint16, EPSG:32616, origin (452475, 3408645), 30 m pixels
	// 6 blocks, NDVI mean 0.4246 over 300000 pixels
}
