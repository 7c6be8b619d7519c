package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kilnbuild/kiln/nixgen"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/nix"
)

// BuildOptions are one build's choices.
type BuildOptions struct {
	// Rebuild builds again although the outputs are in the store and fails unless the
	// result is bit-identical (a *nix.NotDeterministicError says what differs).
	Rebuild bool
	// KeepFailed keeps what a failed or differing build leaves (nix's build directory and
	// <out>.check); they are listed in Result.Activity.Kept / the error.
	KeepFailed bool
}

// Result is what a build produced.
type Result struct {
	// Spec is what was built.
	Spec       *spec.Spec     `json:"-"`
	NixVersion string         `json:"nix_version"`
	Sources    []Source       `json:"sources"`
	Outputs    []string       `json:"outputs"`
	DrvPaths   []string       `json:"drv_paths"`
	Closure    []nix.PathInfo `json:"closure"`
	// Activity is what nix built and what it substituted.
	Activity nix.Activity `json:"activity"`
	// CacheLookup is what the binary cache held before the build (nil without one).
	CacheLookup *CacheLookup `json:"cache_lookup,omitempty"`
	// FromResultCache is set when nix was not run: the result cache remembered the build.
	FromResultCache bool `json:"-"`
	// CachedDigest is the image digest the remembered build produced ("" if none).
	CachedDigest string `json:"-"`
}

// ClosurePaths lists the closure's store paths.
func (r *Result) ClosurePaths() []string {
	out := make([]string, len(r.Closure))
	for i, p := range r.Closure {
		out[i] = p.Path
	}
	return out
}

// Build renders the spec's flake into a temporary directory, seeds the mirror's downloads,
// checks the binary cache, runs nix build and queries the outputs' closure.
func (p *Pipeline) Build(ctx context.Context, s *spec.Spec, opts BuildOptions) (*Result, error) {
	n := p.Nix(s)
	version, err := n.Version(ctx)
	if err != nil {
		return nil, err
	}
	flake, err := nixgen.Render(s)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(p.tempDir, "kiln-flake-")
	if err != nil {
		return nil, fmt.Errorf("creating flake dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "flake")
	if err := flake.Write(dir); err != nil {
		return nil, err
	}

	res := &Result{Spec: s, NixVersion: version, Sources: Sources(s)}
	if p.mirror != "" {
		missing, err := Seed(ctx, n, p.mirror, res.Sources, p.log)
		if err != nil {
			return nil, err
		}
		for _, m := range missing {
			p.log.Warn("source not in mirror; nix will fetch it if it is not in the store already", "name", m.Name, "sha256", m.SHA256)
		}
	}

	installable := "path:" + dir + "#" + nixgen.Attr
	bo := nix.BuildOptions{Rebuild: opts.Rebuild, KeepFailed: opts.KeepFailed, Activity: &res.Activity}
	if p.cache != nil {
		lookup, err := p.cache.Check(ctx, n, installable, p.log)
		if err != nil {
			return nil, err
		}
		res.CacheLookup = lookup
		// Don't let nix spend its own timeouts on a cache that is gone: build without it.
		bo.Offline = lookup.Unreachable
	}
	p.log.Info("building", "package", s.Package.Name, "version", s.Package.Version, "toolchain", s.Build.Toolchain)
	results, err := n.Build(ctx, installable, bo)
	if err != nil {
		var ne *nix.Error
		if errors.As(err, &ne) && ne.NetworkError() {
			return nil, fmt.Errorf("%w\nnix tried to download something: seed the sources with --mirror DIR (scripts/sources.sh fetches them) or use a binary cache", err)
		}
		return nil, err
	}
	res.Outputs = nix.OutPaths(results)
	for _, r := range results {
		res.DrvPaths = append(res.DrvPaths, r.DrvPath)
	}
	if len(res.Activity.Substituted) > 0 || len(res.Activity.Built) > 0 {
		p.log.Info("nix finished", "built_derivations", len(res.Activity.Built), "substituted_paths", len(res.Activity.Substituted))
	}
	res.Closure, err = n.Closure(ctx, res.Outputs...)
	if err != nil {
		return nil, err
	}
	return res, nil
}
