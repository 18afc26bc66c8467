#!/bin/sh
# Rewrites the golden files of TestLibtiffGolden with libtiff's tiffcp (Debian
# libtiff-tools) from the src_*.tif that GT_WRITE_TESTDATA=1 go test -run TestWriteTestdata
# writes. Output names start with the codec and contain the source's name.
# Big-endian files with predictor 3 are left out: tiffcp 4.5.0 on a little-endian host
# writes their byte planes least significant first, which libtiff itself then misreads.
set -eu
cd "$(dirname "$0")"
t() { src=$1; out=$2; shift 2; tiffcp "$@" "src_$src.tif" "$out" 2>/dev/null; }
t u16x3 lzw_u16x3.tif -c lzw
t u16x3 lzw2_u16x3.tif -c lzw:2
t u16x3 zip2_u16x3_tiled.tif -c zip:2 -t -w 16 -l 16
t u16x3 lzw2_u16x3_be.tif -B -c lzw:2 -r 7
t u16x3 lzw2_u16x3_bigtiff.tif -8 -c lzw:2
t u16x3 lzw2_u16x3_be_tiled.tif -B -c lzw:2 -t -w 32 -l 16
t f32x2 lzw3_f32x2.tif -c lzw:3
t f32x2 zip3_f32x2_tiled.tif -c zip:3 -t -w 16 -l 16
t f32x2 lzw3_f32x2_bigtiff.tif -8 -c lzw:3
t f32x2 lzw2_f32x2_be.tif -B -c lzw:2
t u8x1 lzw_u8x1.tif -c lzw
t u8x1 lzw2_u8x1_tiled.tif -c lzw:2 -t -w 64 -l 64
t u8x3 lzw2_u8x3_planar.tif -p separate -c lzw:2
t u8x3 zip_u8x3_planar_be.tif -B -p separate -c zip -t -w 16 -l 16
