package image

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	ddzstd "github.com/DataDog/zstd"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/kilnbuild/kiln/internal/libdeflate"
)

// Compression names the algorithm that compresses the image layer.
type Compression string

const (
	// Gzip compresses the layer with gzip (media type ...tar+gzip); it is the default.
	Gzip Compression = "gzip"
	// Zstd compresses the layer with zstd (media type ...tar+zstd); smaller, needs Docker 23+ / Podman 4+.
	Zstd Compression = "zstd"
)

// GzipLevel is the libdeflate level used for Gzip layers: 12, its strongest.
// libdeflate 1.23 is compiled in from vendored sources (internal/libdeflate),
// so the bytes do not depend on the host; building kiln needs cgo, as for
// zstd.
//
// History: kiln used klauspost/compress gzip level 8. On the layer tar of a
// 2,194,480-byte static HAProxy 3.0.11 (2,198,528-byte tar, 2 cores):
// compress/gzip BestCompression 1,005,176 B in 227 ms; klauspost level 7
// 996,849 B / 51 ms, level 8 993,965 B / 64 ms, level 9 994,866 B / 215 ms;
// GNU gzip -9 976,439 B; zopfli 944,471 B in 7.2 s. Go's deflate trails
// gzip -9 by ~2 %, and the default image (RELR binary) stayed at 946,196 B
// against a 915,000 B target. The Go libdeflate bindings are not served by the
// module proxy, hence the vendored C.
//
// Measured on the layer tar of the default build (RELR HAProxy 3.0.11,
// 1,944,576-byte tar; TestCompressorComparison, wall times on 2 cores at
// load 9): klauspost level 8 944,458 B /
// 198 ms; libdeflate level 9 920,801 B / 213 ms, 10 899,850 B / 548 ms, 11
// 899,731 B / 588 ms, 12 899,569 B / 670 ms (0.27 s of CPU on the default
// image's 1,948,672-byte tar, for 899,861 B; GNU gzip -9 928,798 B). Level 12
// is the smallest; the default image was 901,199 B (target 915,000 B; 901,801 B with the pool-cache line in haproxy.cfg) and its
// layer is byte-identical to upstream's libdeflate-gzip -12.
const GzipLevel = 12

// ZstdLevel is the level of the reference zstd library (libzstd 1.5.7, built
// from the C sources that github.com/DataDog/zstd v1.5.7 bundles, so go.mod
// pins the compressor) used for Zstd layers. Building kiln therefore needs
// cgo: a C compiler and libc headers (and not the external_libzstd tag, which
// would swap in the host's libzstd and change the digests).
//
// Measured on the layer tar of the static HAProxy 3.0.11 above plus
// /etc/passwd, /etc/group and /usr/sbin/haproxy (2,202,624-byte tar, 2
// cores, one call, fastest of 5): level 15 915,914 B / 378 ms, 16 903,235 B /
// 540 ms, 17 872,157 B / 670 ms, 18 847,667 B / 912 ms, 19 847,333 B /
// 857 ms; 20-22 are no smaller (847,333-847,349 B), no faster, and ask
// decoders for larger windows on big closures. Level 19 is the smallest: the
// whole image is 848,156 B (target 900,000 B; klauspost/compress
// SpeedBestCompression, used before, gave 933,627 B), packaged in about 1 s.
// Zstd is opt-in, so the default's under-1 s target does not bind it; the
// real-store test allows it 1.5 s.
const ZstdLevel = 19

// Valid reports whether c names a supported compression ("" counts as the default, Gzip).
func (c Compression) Valid() bool {
	switch c {
	case "", Gzip, Zstd:
		return true
	}
	return false
}

// OrDefault returns c, or Gzip when c is empty.
func (c Compression) OrDefault() Compression {
	if c == "" {
		return Gzip
	}
	return c
}

// MediaType returns the OCI layer media type for c.
func (c Compression) MediaType() types.MediaType {
	if c.OrDefault() == Zstd {
		return types.OCILayerZStd
	}
	return types.OCILayer
}

// newCompressor returns a writer that compresses deterministically into w:
// the output depends only on the bytes written, never on how they are split
// into Write calls, the time, the host or the number of CPUs.
func newCompressor(c Compression, w io.Writer) (io.WriteCloser, error) {
	switch c.OrDefault() {
	case Gzip:
		return &wholeWriter{w: w, name: "gzip", compress: gzipLayer}, nil
	case Zstd:
		return &wholeWriter{w: w, name: "zstd", compress: zstdLayer}, nil
	}
	return nil, fmt.Errorf("unknown compression %q (want %q or %q)", string(c), Gzip, Zstd)
}

// wholeWriter collects everything written to it and, on Close, compresses
// it into w with one call of compress. Compressing the whole input at once
// makes the output independent of how it was split into writes. Memory: the
// whole tar plus its compressed bound, at once (the layer tar of a HAProxy
// image is about 2 MB).
type wholeWriter struct {
	w        io.Writer
	name     string
	compress func([]byte) ([]byte, error)
	buf      bytes.Buffer
	closed   bool
}

var errWriterClosed = errors.New("write to a closed compressor")

// Write buffers p.
func (z *wholeWriter) Write(p []byte) (int, error) {
	if z.closed {
		return 0, errWriterClosed
	}
	return z.buf.Write(p)
}

// Close compresses what was written and writes the result to the underlying
// writer, which it does not close. Closing again does nothing.
func (z *wholeWriter) Close() error {
	if z.closed {
		return nil
	}
	z.closed = true
	out, err := z.compress(z.buf.Bytes())
	z.buf = bytes.Buffer{}
	if err != nil {
		return fmt.Errorf("%s: %w", z.name, err)
	}
	_, err = z.w.Write(out)
	return err
}

// gzipLayer compresses tar into one gzip member with libdeflate at
// GzipLevel. The header has no name, no comment, MTIME 0, XFL 2 (slowest
// compression) and OS 255 (unknown); one deflate stream, then the CRC-32 and
// size of the tar.
func gzipLayer(tar []byte) ([]byte, error) {
	return libdeflate.Gzip(tar, GzipLevel)
}

// zstdLayer compresses tar into one zstd frame with a single single-threaded
// libzstd call (ZSTD_compress at ZstdLevel); unlike libzstd's streaming API,
// which cuts blocks where writes and flushes fall and leaves the size out, the
// frame header records the content size.
//
// The frame is: magic, a header with Single_Segment and Frame_Content_Size
// (the tar size) and no dictionary ID, the blocks, and no content checksum
// (libzstd's default, which this API cannot change). The layer's sha256
// digest and diff ID, which every consumer checks, cover what the XXH64
// checksum would.
func zstdLayer(tar []byte) ([]byte, error) {
	return ddzstd.CompressLevel(nil, tar, ZstdLevel)
}

// newDecompressor returns a reader of the uncompressed bytes of r.
func newDecompressor(c Compression, r io.Reader) (io.ReadCloser, error) {
	switch c.OrDefault() {
	case Gzip:
		return gzip.NewReader(r)
	case Zstd:
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	}
	return nil, fmt.Errorf("unknown compression %q", string(c))
}
