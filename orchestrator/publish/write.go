package publish

import (
	"context"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Result describes a written image.
type Result struct {
	// Digest is the image manifest's digest. A docker archive stores no
	// manifest: loading it gives an image with the same config (image ID).
	Digest v1.Hash `json:"digest"`
	// Target is where the image went, in ParseTarget syntax.
	Target string `json:"target"`
}

// Write writes img to t and reports what it wrote.
func Write(ctx context.Context, img v1.Image, t Target, opts ...Option) (Result, error) {
	o := makeOptions(opts)
	if err := t.checkRef(); err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	var err error
	switch t.Transport {
	case OCI:
		err = writeOCI(ctx, img, t, o)
	case DockerArchive:
		err = writeArchive(ctx, img, t, o)
	case Registry:
		err = push(ctx, img, t, o)
	}
	if err != nil {
		return Result{}, err
	}
	d, err := img.Digest()
	if err != nil {
		return Result{}, err
	}
	return Result{Digest: d, Target: t.String()}, nil
}
