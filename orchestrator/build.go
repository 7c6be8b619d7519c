package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/kilnbuild/kiln/nixgen"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/nix"
)

// Builder runs the Nix half of the pipeline.
type Builder struct {
	Nix *nix.Nix
	// Log gets progress messages (default: discard).
	Log *slog.Logger
	// TempDir is where the generated flake is written (default os.TempDir()).
	TempDir string
}

// Request is one build.
type Request struct {
	Spec *spec.Spec
	// Mirror is a directory of source tarballs to seed the store from (air-gapped builds).
	Mirror string
	// Rebuild builds again and has nix check the result is bit-identical.
	Rebuild bool
	// NixArgs are extra nix build arguments.
	NixArgs []string
	// Cache, when set, is a binary cache kiln checks before building. The Nix driver must
	// already list it as a substituter with its trusted keys (kiln's own settings).
	Cache *Cache
}

// Result is what a build produced.
type Result struct {
	NixVersion string         `json:"nix_version"`
	Sources    []Source       `json:"sources"`
	Outputs    []string       `json:"outputs"`
	DrvPaths   []string       `json:"drv_paths"`
	Closure    []nix.PathInfo `json:"closure"`
	// Activity is what nix built and what it substituted from a binary cache.
	Activity nix.Activity `json:"activity"`
	// CacheLookup is what the binary cache held before the build (nil without --cache).
	CacheLookup *CacheLookup `json:"cache_lookup,omitempty"`
	// CachedDigest is the image digest a previous, identical build produced ("" if none).
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

func (b *Builder) log() *slog.Logger {
	if b.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return b.Log
}

// Build renders the spec's flake into a temporary directory, seeds sources from the mirror,
// runs nix build and queries the outputs' closure.
func (b *Builder) Build(ctx context.Context, req Request) (*Result, error) {
	log := b.log()
	version, err := b.Nix.Version(ctx)
	if err != nil {
		return nil, err
	}
	flake, err := nixgen.Render(req.Spec)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(b.TempDir, "kiln-flake-")
	if err != nil {
		return nil, fmt.Errorf("creating flake dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "flake")
	if err := flake.Write(dir); err != nil {
		return nil, err
	}

	res := &Result{NixVersion: version, Sources: Sources(req.Spec)}
	// The pinned toolchain's .debs and bootstrap; downloaded only when no binary cache may
	// hold the toolchain already.
	seeder := &ToolchainSeeder{Nix: b.Nix, Mirror: req.Mirror, Download: req.Cache == nil, Log: log}
	if err := seeder.Seed(ctx, req.Spec); err != nil {
		return nil, err
	}
	if req.Mirror != "" {
		missing, err := Seed(ctx, b.Nix, req.Mirror, res.Sources, log)
		if err != nil {
			return nil, err
		}
		for _, m := range missing {
			log.Warn("source not in mirror; nix will fetch it if it is not in the store already", "name", m.Name, "sha256", m.SHA256)
		}
	}

	installable := "path:" + dir + "#" + nixgen.Attr
	extra := req.NixArgs
	if req.Cache != nil {
		lookup, err := req.Cache.Check(ctx, b.Nix, installable, log)
		if err != nil {
			return nil, err
		}
		res.CacheLookup = lookup
		if lookup.Unreachable {
			// Don't let nix spend its own timeouts on a cache that is gone: build without it.
			extra = append(append([]string(nil), extra...), "--option", "substituters", "")
		}
	}
	log.Info("building", "package", req.Spec.Package.Name, "version", req.Spec.Package.Version, "toolchain", req.Spec.Build.Toolchain)
	results, err := b.Nix.Build(ctx, installable, nix.BuildOptions{Rebuild: req.Rebuild, Extra: extra, Activity: &res.Activity})
	if err != nil {
		var ne *nix.Error
		if errors.As(err, &ne) && bootstrapMissing(ne) {
			return nil, fmt.Errorf("%w\n%s", err, BootstrapHint)
		}
		if errors.As(err, &ne) && ne.NetworkError() {
			return nil, fmt.Errorf("%w\nnix tried to download something: seed the sources and the pinned toolchain's packages with --mirror DIR (`make sources` fetches them), or use a binary cache", err)
		}
		return nil, err
	}
	res.Outputs = nix.OutPaths(results)
	for _, r := range results {
		res.DrvPaths = append(res.DrvPaths, r.DrvPath)
	}
	if len(res.Activity.Substituted) > 0 || len(res.Activity.Built) > 0 {
		log.Info("nix finished", "built_derivations", len(res.Activity.Built), "substituted_paths", len(res.Activity.Substituted))
	}
	res.Closure, err = b.Nix.Closure(ctx, res.Outputs...)
	if err != nil {
		return nil, err
	}
	return res, nil
}
