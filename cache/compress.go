package cache

import (
	"compress/bzip2"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// ErrUnsupportedCompression means the NAR is compressed with a method this package can't
// undo. Callers fall back to building, as for a cache miss.
var ErrUnsupportedCompression = errors.New("unsupported NAR compression")

// supportedCompressions are the Compression values FetchNAR can undo: every one `nix copy`
// writes (xz is Nix's default).
var supportedCompressions = []string{"none", "bzip2", "gzip", "xz", "zstd"}

// decompressor undoes the narinfo's Compression as r is read.
func decompressor(method string, r io.Reader) (io.ReadCloser, error) {
	switch method {
	case "none":
		return io.NopCloser(r), nil
	case "bzip2":
		return io.NopCloser(bzip2.NewReader(r)), nil
	case "gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("decompressing gzip: %w", err)
		}
		return zr, nil
	case "xz":
		xr, err := xz.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("decompressing xz: %w", err)
		}
		return io.NopCloser(xr), nil
	case "zstd":
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, fmt.Errorf("decompressing zstd: %w", err)
		}
		return d.IOReadCloser(), nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupportedCompression, method)
}
