package orchestrator

import (
	"context"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/kilnbuild/kiln/orchestrator/image"
)

// PackageOptions decide the image's bytes besides the build itself.
type PackageOptions struct {
	// Created is the image's one timestamp (config, history, file mtimes).
	Created time.Time
	// Compression is the layer compression ("" = gzip).
	Compression image.Compression
	// Root is the host directory holding nix/store with the closure ("" = the pipeline's
	// store). verify packages each round's rebuilt trees from a directory of its own.
	Root string
}

// Image is a packaged build: the image and what both audit gates found.
type Image struct {
	Image v1.Image
	// Binaries is the ELF gate's report on the build's outputs.
	Binaries *AuditReport
	// Filesystem is the image gate's report on the image (its files and ELF files).
	Filesystem *AuditReport
}

// Package turns a build into an image behind two gates: every ELF file of the outputs must
// meet the spec's hardening policy before anything is assembled, and the assembled image's
// filesystem must pass the image checks. A refusal is a *GateError naming every file and
// property; nothing is written by Package in any case.
func (p *Pipeline) Package(ctx context.Context, res *Result, opts PackageOptions) (*Image, error) {
	s := res.Spec
	root := p.StoreRoot()
	if opts.Root != "" {
		root = opts.Root
	}
	hosts := make([]string, len(res.Outputs))
	for i, o := range res.Outputs {
		hosts[i] = filepath.Join(root, filepath.FromSlash(o))
	}
	bins, err := AuditTree(hosts, s.Build.Hardening, root)
	if err != nil {
		return nil, err
	}
	if !bins.OK() {
		return nil, &GateError{Violations: bins.Violations}
	}
	start := time.Now()
	rootfs, cfg, err := ImageInput(s, res, root, opts.Created)
	if err != nil {
		return nil, err
	}
	img, err := image.Build(ctx, rootfs, cfg, image.Options{Compression: opts.Compression, MTime: opts.Created})
	if err != nil {
		return nil, err
	}
	fsys, err := AuditImage(img, s.Build.Hardening)
	if err != nil {
		return nil, err
	}
	if !fsys.OK() {
		return nil, &GateError{Violations: fsys.Violations}
	}
	p.log.Debug("packaged", "seconds", time.Since(start).Seconds())
	return &Image{Image: img, Binaries: bins, Filesystem: fsys}, nil
}
