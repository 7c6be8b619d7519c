package publish

import (
	"context"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Result describes a written image.
type Result struct {
	// Digest is the image manifest's digest. A docker archive stores no
	// manifest: loading it gives an image with the same config (image ID).
	Digest v1.Hash `json:"digest"`
	// Target is where the image went, in ParseTarget syntax.
	Target string `json:"target"`
	// CompressedSize is manifest + config + compressed layers, in bytes.
	CompressedSize int64 `json:"compressedSize"`
	// UncompressedSize is manifest + config + uncompressed layer tars, in bytes.
	UncompressedSize int64 `json:"uncompressedSize"`
}

// Write writes img to t and reports what it wrote.
func Write(ctx context.Context, img v1.Image, t Target, opts Options) (Result, error) {
	if err := t.checkRef(); err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	var err error
	switch t.Transport {
	case OCI:
		err = writeOCI(ctx, img, t, opts)
	case DockerArchive:
		err = writeArchive(ctx, img, t, opts)
	case Registry:
		err = push(ctx, img, t, opts)
	}
	if err != nil {
		return Result{}, err
	}
	d, err := img.Digest()
	if err != nil {
		return Result{}, err
	}
	compressed, uncompressed, err := sizes(img)
	if err != nil {
		return Result{}, fmt.Errorf("measuring image: %w", err)
	}
	return Result{Digest: d, Target: t.String(), CompressedSize: compressed, UncompressedSize: uncompressed}, nil
}

// sizes returns manifest + config + layers, compressed and uncompressed.
func sizes(img v1.Image) (compressed, uncompressed int64, err error) {
	m, err := img.RawManifest()
	if err != nil {
		return 0, 0, err
	}
	c, err := img.RawConfigFile()
	if err != nil {
		return 0, 0, err
	}
	base := int64(len(m) + len(c))
	compressed, uncompressed = base, base
	layers, err := img.Layers()
	if err != nil {
		return 0, 0, err
	}
	for _, l := range layers {
		n, err := l.Size()
		if err != nil {
			return 0, 0, err
		}
		compressed += n
		u, err := uncompressedSize(l)
		if err != nil {
			return 0, 0, err
		}
		uncompressed += u
	}
	return compressed, uncompressed, nil
}

// uncompressedSize counts the bytes of l's tar.
func uncompressedSize(l v1.Layer) (int64, error) {
	rc, err := l.Uncompressed()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	return io.Copy(io.Discard, rc)
}
