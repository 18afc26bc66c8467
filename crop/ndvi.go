// Package crop watches financed fields from space (SPEC §7): NDVI with cloud and quality
// masks, zonal statistics per field polygon, field time series and the signals read from
// them (not_planted, crop_stress, early_harvest), and the value of a standing crop. It is
// pure: rasters come in as blocks of samples, polygons as pixel spans, time as arguments.
package crop

import "math"

// Pixel classes of a mask.
const (
	Clear  uint8 = iota // usable
	NoData              // outside the scene, fill, saturated or a nodata value
	Cloud               // cloud, cirrus or cloud shadow
)

// LandsatQA classifies a Landsat 8 Collection 1 quality band (BQA) value: bit 0 is
// designated fill (NoData); bit 4 is cloud; bits 5-6, 7-8 and 11-12 are the confidence
// of cloud, cloud shadow and cirrus (3 = high). A pixel is Cloud when the cloud bit is
// set or any of the three confidences is high; otherwise Clear. (USGS, "Landsat 8
// Collection 1 Level-1 Quality Assessment Band", bit layout of the BQA.)
func LandsatQA(qa uint16) uint8 {
	switch {
	case qa&1 != 0:
		return NoData
	case qa&(1<<4) != 0, (qa>>5)&3 == 3, (qa>>7)&3 == 3, (qa>>11)&3 == 3:
		return Cloud
	}
	return Clear
}

// SentinelSCL classifies a Sentinel-2 Level-2A scene classification (SCL) value: 0 no
// data and 1 saturated or defective are NoData; 3 cloud shadow, 8 and 9 cloud (medium
// and high probability) and 10 thin cirrus are Cloud; vegetation, bare soil, water,
// unclassified and snow are Clear. (ESA, Sentinel-2 Level-2A product, SCL classes.)
func SentinelSCL(class uint8) uint8 {
	switch class {
	case 0, 1:
		return NoData
	case 3, 8, 9, 10:
		return Cloud
	}
	if class > 11 {
		return NoData
	}
	return Clear
}

// CloudMask classifies a binary cloud mask (such as s2cloudless's CLM): non-zero is Cloud.
func CloudMask(v uint8) uint8 {
	if v != 0 {
		return Cloud
	}
	return Clear
}

// NDVI returns (nir - red) / (nir + red), and false when it is undefined (a sum that is
// not positive, or a value that is not finite).
func NDVI(red, nir float64) (float64, bool) {
	s := nir + red
	if !(s > 0) || math.IsInf(s, 0) {
		return 0, false
	}
	v := (nir - red) / s
	if math.IsNaN(v) || v < -1 || v > 1 {
		return 0, false
	}
	return v, true
}

// NDVIBlock computes the NDVI of a block of pixels into out (NaN where the pixel is not
// Clear or NDVI is undefined) and classifies each pixel into class: mask[i] (nil: every
// pixel Clear), NoData for the nodata value of a band (nodata nil: none) or an undefined
// NDVI. All slices have the block's length.
func NDVIBlock(red, nir []float64, mask []uint8, nodata *float64, out []float32, class []uint8) {
	if mask == nil && nodata == nil { // the common case, without branches per pixel for them
		red, nir, class = red[:len(out)], nir[:len(out)], class[:len(out)]
		for i := range out {
			r, n := red[i], nir[i]
			s := n + r
			if s > 0 && s <= math.MaxFloat64 {
				out[i], class[i] = float32((n-r)/s), Clear
				if r >= 0 && n >= 0 {
					continue
				}
			}
			out[i], class[i] = float32(math.NaN()), NoData
		}
		return
	}
	nd, hasND := 0.0, nodata != nil
	if hasND {
		nd = *nodata
	}
	for i := range out {
		c := Clear
		if mask != nil {
			c = mask[i]
		}
		if c == Clear {
			r, n := red[i], nir[i]
			s := n + r
			switch {
			case hasND && (r == nd || n == nd), !(s > 0 && s <= math.MaxFloat64), r < 0, n < 0:
				c = NoData
			default:
				out[i], class[i] = float32((n-r)/s), Clear
				continue
			}
		}
		class[i], out[i] = c, float32(math.NaN())
	}
}
