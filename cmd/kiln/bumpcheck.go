package main

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/internal/bump"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator"
	"github.com/kilnbuild/kiln/orchestrator/publish"
	"github.com/kilnbuild/kiln/orchestrator/verify"
)

// buildChecker is bump --check's bump.Checker: the pipeline kiln build runs (build, both
// audit gates, image) and kiln verify's rounds, with the command's packaging options.
type buildChecker struct {
	c   *cli.Context
	pkg orchestrator.PackageOptions
}

// Check builds s, gates and packages it as kiln build does, and with req.Rounds ≥ 2
// verifies it as kiln verify does.
func (k *buildChecker) Check(ctx context.Context, s *spec.Spec, req bump.CheckRequest) (*bump.Outcome, error) {
	p := newPipeline(k.c)
	// The tarballs bump fetched are seeded first; --mirror then by the pipeline.
	if req.Sources != "" {
		if _, err := orchestrator.Seed(ctx, p.Nix(s), req.Sources, orchestrator.Sources(s), p.Logger()); err != nil {
			return nil, err
		}
	}
	res, err := p.Build(ctx, s, orchestrator.BuildOptions{})
	if err != nil {
		return nil, err
	}
	img, err := p.Package(ctx, res, k.pkg)
	if err != nil {
		return nil, err
	}
	desc, err := publish.Describe(ctx, img.Image)
	if err != nil {
		return nil, err
	}
	o := &bump.Outcome{
		Version:          s.Package.Version,
		Digest:           desc.Digest.String(),
		CompressedSize:   desc.CompressedSize,
		UncompressedSize: desc.UncompressedSize,
		Hardening:        bump.Verdicts(img.Filesystem.ELF),
		Rounds:           1,
	}
	if req.Rounds < 2 {
		return o, nil
	}
	v := &verify.Verifier{Pipeline: p}
	vr, err := v.Run(ctx, verify.Request{Spec: s, Rounds: req.Rounds, Image: &k.pkg})
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
		p.Logger().Warn("the bumped spec is not reproducible", "summary", vr.Summary())
	}
	o.Rounds, o.Reproducible = req.Rounds, &ok
	return o, nil
}

var _ bump.Checker = (*buildChecker)(nil)
