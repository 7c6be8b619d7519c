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
)

// Compression names the algorithm that compresses the image layer.
type Compression string

const (
	// Gzip compresses the layer with gzip (media type ...tar+gzip); it is the default.
	Gzip Compression = "gzip"
	// Zstd compresses the layer with zstd (media type ...tar+zstd); smaller, needs Docker 23+ / Podman 4+.
	Zstd Compression = "zstd"
)

// GzipLevel is the pinned klauspost/compress gzip level used for Gzip layers.
//
// Measured on the layer tar of a 2,194,480-byte static HAProxy 3.0.11
// (2,198,528-byte tar, 2 cores): compress/gzip BestCompression 1,005,176 B in
// 227 ms; klauspost level 7 996,849 B / 51 ms, level 8 993,965 B / 64 ms,
// level 9 994,866 B / 215 ms. Level 8 is the smallest and fast. (For
// reference, not usable here: GNU gzip -9 976,439 B; zopfli 944,471 B in 7.2 s.
// klauspost/compress v1.20.4 level 8 is only 19 B smaller; the Go libdeflate
// bindings are not served by the module proxy.)
const GzipLevel = 8

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
		// The gzip header carries no name, no comment and mtime 0.
		return gzip.NewWriterLevel(w, GzipLevel)
	case Zstd:
		return &zstdWriter{w: w}, nil
	}
	return nil, fmt.Errorf("unknown compression %q (want %q or %q)", string(c), Gzip, Zstd)
}

// zstdWriter collects everything written to it and, on Close, compresses it
// into w as one zstd frame with a single single-threaded libzstd call
// (ZSTD_compress at ZstdLevel). Compressing the whole input at once makes the
// output independent of how it was split into writes, and lets the frame
// header record the content size; libzstd's streaming API would instead cut
// blocks where writes and flushes fall and leave the size out.
//
// The frame is: magic, a header with Single_Segment and Frame_Content_Size
// (the tar size) and no dictionary ID, the blocks, and no content checksum
// (libzstd's default, which this API cannot change). The layer's sha256
// digest and diff ID, which every consumer checks, cover what the XXH64
// checksum would. Memory: the whole tar plus its compressed bound, at once.
type zstdWriter struct {
	w      io.Writer
	buf    bytes.Buffer
	closed bool
}

var errWriterClosed = errors.New("write to a closed compressor")

// Write buffers p.
func (z *zstdWriter) Write(p []byte) (int, error) {
	if z.closed {
		return 0, errWriterClosed
	}
	return z.buf.Write(p)
}

// Close compresses what was written and writes the frame to the underlying
// writer, which it does not close. Closing again does nothing.
func (z *zstdWriter) Close() error {
	if z.closed {
		return nil
	}
	z.closed = true
	frame, err := ddzstd.CompressLevel(nil, z.buf.Bytes(), ZstdLevel)
	z.buf = bytes.Buffer{}
	if err != nil {
		return fmt.Errorf("zstd: %w", err)
	}
	_, err = z.w.Write(frame)
	return err
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
