// Package image packages a Nix store closure into a bit-for-bit reproducible,
// single-layer OCI image.
//
// The layer is a tar stream whose headers are built from semantics alone:
// paths sorted component by component, every parent directory emitted once,
// uid/gid 0 without names, one mtime, and fixed modes (store directories
// 0555, other directories 0755, store files 0444 or 0555 after the host exec
// bit, symlinks 0777, extra files as given). The same closure and options give
// the same image digest on any host, in any working or temporary directory.
package image

import (
	"context"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// DefaultMTime is the modification time of every layer entry unless Options.MTime is set:
// 1970-01-01T00:00:01Z, Nix's store mtime.
func DefaultMTime() time.Time { return time.Unix(1, 0) }

// Options tunes how the image is packaged.
type Options struct {
	// Compression of the layer; "" means Gzip.
	Compression Compression
	// MTime is the modification time of every entry in the layer, truncated
	// to seconds; the zero value means DefaultMTime (1970-01-01T00:00:01Z).
	MTime time.Time
}

// Build packages fsys as the single layer of an OCI image configured by cfg.
//
// The layer is built and compressed in memory once; the returned image serves
// those bytes and never touches the host again.
func Build(ctx context.Context, fsys Rootfs, cfg Config, opts Options) (v1.Image, error) {
	if !opts.Compression.Valid() {
		return nil, fmt.Errorf("unknown compression %q (want %q or %q)", string(opts.Compression), Gzip, Zstd)
	}
	mtime := opts.MTime
	if mtime.IsZero() {
		mtime = DefaultMTime()
	}
	mtime = mtime.Truncate(time.Second).UTC()
	if mtime.Unix() < 0 {
		return nil, fmt.Errorf("mtime %s is before 1970", mtime)
	}
	entries, err := collect(ctx, fsys)
	if err != nil {
		return nil, fmt.Errorf("building image: %w", err)
	}
	l, err := buildLayer(ctx, entries, mtime, opts.Compression)
	if err != nil {
		return nil, fmt.Errorf("building image layer: %w", err)
	}
	config, err := configFile(cfg, l.diffID)
	if err != nil {
		return nil, fmt.Errorf("building image config: %w", err)
	}
	manifest, err := manifestFile(config, l)
	if err != nil {
		return nil, fmt.Errorf("building image manifest: %w", err)
	}
	return partial.CompressedToImage(&core{config: config, manifest: manifest, layer: l})
}

// core is the minimal image that partial.CompressedToImage completes.
type core struct {
	config, manifest []byte
	layer            *layer
}

// RawConfigFile returns the serialized config.
func (c *core) RawConfigFile() ([]byte, error) { return c.config, nil }

// MediaType returns the OCI manifest media type.
func (c *core) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// RawManifest returns the serialized manifest.
func (c *core) RawManifest() ([]byte, error) { return c.manifest, nil }

// LayerByDigest returns the layer with digest h.
func (c *core) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if h == c.layer.digest {
		return c.layer, nil
	}
	return nil, fmt.Errorf("image has no layer %s", h)
}
