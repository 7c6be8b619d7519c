package cache

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
)

// ErrUnsupportedCompression means the NAR is compressed with a method this package can't
// undo (xz among them: no xz decoder is among kiln's dependencies). Callers fall back to
// building, as for a cache miss.
var ErrUnsupportedCompression = errors.New("unsupported NAR compression")

// decompress undoes the narinfo's Compression, refusing output beyond limit bytes so a
// small hostile file can't expand without bound before the NarSize check.
func decompress(method string, data []byte, limit uint64) ([]byte, error) {
	var (
		r   io.Reader
		err error
	)
	switch method {
	case "none":
		r = bytes.NewReader(data)
	case "bzip2":
		r = bzip2.NewReader(bytes.NewReader(data))
	case "gzip":
		r, err = gzip.NewReader(bytes.NewReader(data))
	case "zstd":
		var d *zstd.Decoder
		d, err = zstd.NewReader(bytes.NewReader(data), zstd.WithDecoderConcurrency(1))
		if err == nil {
			defer d.Close()
			r = d
		}
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedCompression, method)
	}
	if err != nil {
		return nil, fmt.Errorf("decompressing %s: %w", method, err)
	}
	out, err := io.ReadAll(io.LimitReader(r, int64(min(limit, 1<<62))+1))
	if err != nil {
		return nil, fmt.Errorf("decompressing %s: %w", method, err)
	}
	return out, nil
}
