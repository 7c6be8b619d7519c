package orchestrator

import (
	"context"
	"fmt"
	"time"

	"github.com/kilnbuild/kiln/internal/resultcache"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/publish"
)

// RunOptions are what `kiln build` asks of the pipeline.
type RunOptions struct {
	// Build are the nix build's choices.
	Build BuildOptions
	// Package are the image's choices.
	Package PackageOptions
	// NoImage stops after the nix build.
	NoImage bool
	// Targets are where the image is written (none: the image is built but not written).
	Targets []publish.Target
	// PushCache, when set, copies the build to this binary cache, signed with SignKey.
	PushCache string
	// SignKey is the secret key file for PushCache.
	SignKey string
	// Attest, when set, attaches SBOMs and signed provenance to the image at every target.
	Attest *AttestOptions
}

// Report is what a run did: the --json of kiln build.
type Report struct {
	Spec             string            `json:"spec"`
	Toolchain        string            `json:"toolchain"`
	NixVersion       string            `json:"nix_version"`
	Sources          []Source          `json:"sources"`
	Outputs          []string          `json:"outputs"`
	Closure          []string          `json:"closure"`
	NarHashes        map[string]string `json:"nar_hashes"`
	Digest           string            `json:"digest,omitempty"`
	CompressedSize   int64             `json:"compressed_size,omitempty"`
	UncompressedSize int64             `json:"uncompressed_size,omitempty"`
	Layers           []LayerReport     `json:"layers,omitempty"`
	Targets          []string          `json:"targets,omitempty"`
	// Attestations are what --attest attached to the image at every target.
	Attestations []AttestationReport `json:"attestations,omitempty"`
	// Substituted and Built say what nix copied from a binary cache and what it compiled.
	Substituted []string `json:"substituted"`
	Built       []string `json:"built"`
	// BuiltOn says where each built derivation was built: "local" or a remote builder.
	BuiltOn map[string]string `json:"built_on,omitempty"`
	Cache   *CacheLookup      `json:"cache,omitempty"`
	Pushed  []string          `json:"pushed,omitempty"`
	// ResultCache is "hit" when nix was not run at all, "miss" or "off".
	ResultCache string `json:"result_cache"`

	// Image is the packaged image (nil with NoImage).
	Image *Image `json:"-"`
	// Result is the build.
	Result *Result `json:"-"`
}

// LayerReport is one layer of the written image.
type LayerReport struct {
	Digest    string `json:"digest"`
	DiffID    string `json:"diff_id"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
}

// Run builds s (or takes the result cache's remembered build), optionally pushes it to a
// binary cache, packages it behind the audit gates and writes it to every target. Every
// check that can refuse the run happens before anything is written.
func (p *Pipeline) Run(ctx context.Context, s *spec.Spec, opts RunOptions) (*Report, error) {
	if err := checkTargets(opts.Targets); err != nil {
		return nil, err
	}
	if opts.Attest != nil {
		switch {
		case opts.Attest.Key == nil:
			return nil, fmt.Errorf("attesting: no signing key")
		case opts.NoImage || len(opts.Targets) == 0:
			return nil, fmt.Errorf("attesting: SBOMs and provenance are attached to the image: give an --output")
		}
	}
	// An attested build asks nix for the closure (NAR sizes included) rather than trusting
	// the result cache's memory of it: the provenance records what nix says.
	useResults := p.results != nil && !opts.Build.Rebuild && !opts.NoImage && opts.PushCache == "" && opts.Attest == nil
	var key string
	state := "off"
	var res *Result
	if useResults {
		state = "miss"
		var err error
		if key, err = p.resultKey(s, opts.Package); err != nil {
			return nil, err
		}
		res = p.remembered(key, s)
		if res != nil {
			state = "hit"
		}
	}
	if res == nil {
		var err error
		if res, err = p.Build(ctx, s, opts.Build); err != nil {
			return nil, err
		}
	}
	rep := &Report{
		Spec:        specName(s.File()),
		Toolchain:   string(s.Build.Toolchain),
		NixVersion:  res.NixVersion,
		Sources:     res.Sources,
		Outputs:     res.Outputs,
		Closure:     res.ClosurePaths(),
		NarHashes:   map[string]string{},
		Substituted: nonNil(res.Activity.Substituted),
		Built:       nonNil(res.Activity.Built),
		BuiltOn:     res.Activity.BuiltOn,
		Cache:       res.CacheLookup,
		ResultCache: state,
		Result:      res,
	}
	for _, c := range res.Closure {
		rep.NarHashes[c.Path] = c.NarHash
	}
	if opts.PushCache != "" {
		pushed, err := p.PushCache(ctx, res, opts.PushCache, opts.SignKey)
		if err != nil {
			return nil, err
		}
		rep.Pushed = pushed
	}
	if opts.NoImage {
		return rep, nil
	}
	img, err := p.Package(ctx, res, opts.Package)
	if err != nil {
		return nil, err
	}
	rep.Image = img
	desc, err := publish.Describe(ctx, img.Image)
	if err != nil {
		return nil, fmt.Errorf("describing the image: %w", err)
	}
	rep.Digest = desc.Digest.String()
	rep.CompressedSize, rep.UncompressedSize = desc.CompressedSize, desc.UncompressedSize
	for _, l := range desc.Layers {
		rep.Layers = append(rep.Layers, LayerReport{Digest: l.Digest.String(), DiffID: l.DiffID.String(), MediaType: string(l.MediaType), Size: l.Size})
	}
	// The attestations are made before anything is written: a build that cannot be
	// attested writes nothing.
	var arts []publish.Artifact
	if a := opts.Attest; a != nil {
		b := a.Builder
		if b.ID == "" {
			b = ThisBuilder("", res.NixVersion)
		}
		rec, err := Record(s, res, rep.Digest, opts.Package.Created, b, a.KilnVersion)
		if err != nil {
			return nil, fmt.Errorf("attesting: %w", err)
		}
		if arts, rep.Attestations, err = attestationArtifacts(rec, a.Key); err != nil {
			return nil, fmt.Errorf("attesting: %w", err)
		}
	}
	written, err := p.Publish(ctx, s, img, opts.Targets)
	if err != nil {
		return nil, err
	}
	for _, w := range written {
		rep.Targets = append(rep.Targets, w.Target)
	}
	if len(arts) > 0 {
		if err := p.Attach(ctx, img, opts.Targets, arts, rep.Attestations); err != nil {
			return nil, err
		}
	}
	if useResults {
		if res.FromResultCache && res.CachedDigest != rep.Digest {
			p.log.Warn("image digest differs from the remembered one; the result cache entry is replaced", "was", res.CachedDigest, "now", rep.Digest)
		}
		if err := p.results.Put(&resultcache.Entry{Key: key, Digest: rep.Digest, NixVersion: res.NixVersion,
			Outputs: res.Outputs, Closure: rep.Closure, NarHashes: rep.NarHashes, DrvPaths: res.DrvPaths}); err != nil {
			p.log.Warn("could not remember this build", "error", err)
		}
	}
	return rep, nil
}

// Publish writes img to every target, tagging it with the spec's tag where the target
// does not name one. The targets were checked before the build (checkTargets).
func (p *Pipeline) Publish(ctx context.Context, s *spec.Spec, img *Image, targets []publish.Target) ([]publish.Result, error) {
	var out []publish.Result
	for _, t := range targets {
		start := time.Now()
		r, err := publish.Write(ctx, img.Image, t, append(p.PublishOptions(), publish.WithTag(tagFor(t, s)))...)
		if err != nil {
			return out, err
		}
		p.log.Info("image written", "target", r.Target, "digest", r.Digest.String(), "seconds", time.Since(start).Seconds())
		out = append(out, r)
	}
	return out, nil
}

// tagFor names the image where the target does not: the spec's tag for oci:, name:tag for
// docker-archive:.
func tagFor(t publish.Target, s *spec.Spec) string {
	if t.Transport == publish.DockerArchive {
		return s.Image.Name + ":" + s.Image.Tag
	}
	return s.Image.Tag
}

// checkTargets refuses, before anything is built or written, targets that cannot all be
// written: the same place twice, or a path a write would refuse.
func checkTargets(targets []publish.Target) error {
	seen := map[string]bool{}
	for _, t := range targets {
		where := t.Path
		if t.Transport == publish.Registry {
			where = t.Ref
		}
		if seen[string(t.Transport)+":"+where] {
			return fmt.Errorf("--output %s is given twice", t)
		}
		seen[string(t.Transport)+":"+where] = true
		if err := publish.CheckWritable(t); err != nil {
			return fmt.Errorf("--output %s: %w", t, err)
		}
	}
	return nil
}

func specName(file string) string {
	if file == "" {
		return "<default>"
	}
	return file
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
