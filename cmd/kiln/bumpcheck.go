package main

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/internal/bump"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator"
	"github.com/kilnbuild/kiln/orchestrator/image"
	"github.com/kilnbuild/kiln/orchestrator/nix"
	"github.com/kilnbuild/kiln/orchestrator/publish"
	"github.com/kilnbuild/kiln/orchestrator/verify"
)

// buildChecker is bump --check's bump.Checker, made of today's build and verify code:
// orchestrator.Builder, kiln build's packageImage (hardening gate, image, image gate) and
// verify.Verifier. It is the one place to re-wire when the pipeline becomes one library
// entry point.
type buildChecker struct {
	c           *cli.Context
	mirror      string
	created     time.Time
	compression image.Compression
	work        string // a scratch directory for the packaged image
}

// Check builds s, gates and packages it as kiln build does, and with req.Rounds ≥ 2
// verifies it as kiln verify does.
func (k *buildChecker) Check(ctx context.Context, s *spec.Spec, req bump.CheckRequest) (*bump.Outcome, error) {
	log := logger(k.c)
	n := nixFor(s, nix.Settings{})
	n.Log = progress(k.c)
	// The tarballs bump fetched, then --mirror: the builds find them in the store, offline.
	srcs := orchestrator.Sources(s)
	for _, dir := range []string{req.Sources, k.mirror} {
		if dir == "" || len(srcs) == 0 {
			continue
		}
		missing, err := orchestrator.Seed(ctx, n, dir, srcs, log)
		if err != nil {
			return nil, err
		}
		srcs = missing
	}
	if k.mirror != "" {
		for _, m := range srcs {
			log.Warn("source not in mirror; nix will fetch it if it is not in the store already", "name", m.Name, "sha256", m.SHA256)
		}
	}
	b := &orchestrator.Builder{Nix: n, Log: log}
	res, err := b.Build(ctx, orchestrator.Request{Spec: s})
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(k.work, "image-")
	if err != nil {
		return nil, err
	}
	target, err := publish.ParseTarget("oci:" + filepath.Join(dir, "oci"))
	if err != nil {
		return nil, err
	}
	var out buildOutput
	img, err := packageImage(k.c, s, res, "", k.created, k.compression, []publish.Target{target}, &out)
	if err != nil {
		return nil, err
	}
	d, err := img.Digest()
	if err != nil {
		return nil, err
	}
	audit, err := orchestrator.AuditImage(img, s.Build.Hardening)
	if err != nil {
		return nil, err
	}
	o := &bump.Outcome{
		Version:          s.Package.Version,
		Digest:           d.String(),
		CompressedSize:   out.CompressedSize,
		UncompressedSize: out.UncompressedSize,
		Hardening:        bump.Verdicts(audit.ELF),
		Rounds:           1,
	}
	if req.Rounds < 2 {
		return o, nil
	}
	v := &verify.Verifier{Builder: b, Log: log}
	vr, err := v.Run(ctx, verify.Request{Spec: s, Rounds: req.Rounds,
		Image: &verify.ImageOptions{Created: k.created, Compression: k.compression}})
	if err != nil {
		return nil, err
	}
	ok := vr.Reproducible && vr.Image != nil
	if ok {
		for _, r := range vr.Image.Rounds {
			ok = ok && r.Digest == o.Digest
		}
	}
	if !ok {
		log.Warn("the bumped spec is not reproducible", "summary", vr.Summary())
	}
	o.Rounds, o.Reproducible = req.Rounds, &ok
	return o, nil
}

var _ bump.Checker = (*buildChecker)(nil)
