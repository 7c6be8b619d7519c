package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kilnbuild/kiln/flakes"
	"github.com/kilnbuild/kiln/internal/storepath"
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
	// The pinned toolchain's .debs and bootstrap; downloaded only when no binary cache may
	// hold the toolchain already.
	seeder := &ToolchainSeeder{Nix: n, Mirror: p.mirror, Download: p.cache == nil, Log: p.log}
	if err := seeder.Seed(ctx, s); err != nil {
		return nil, err
	}
	if p.mirror != "" {
		missing, err := Seed(ctx, n, p.mirror, res.Sources, p.log)
		if err != nil {
			return nil, err
		}
		for _, m := range missing {
			p.log.Warn("source not in mirror; nix will fetch it if it is not in the store already", "name", m.Name, "sha256", m.SHA256)
		}
	}

	sources, err := sourcePaths(res.Sources)
	if err != nil {
		return nil, err
	}
	flakeRef := "path:" + dir
	installable := flakeRef + "#" + nixgen.Attr
	bo := nix.BuildOptions{Rebuild: opts.Rebuild, KeepFailed: opts.KeepFailed, Activity: &res.Activity}
	fromCache := map[string]bool{}
	if p.cache != nil {
		outs, err := n.PackageOutPaths(ctx, flakeRef, nixgen.System)
		if err != nil {
			return nil, err
		}
		lookup, err := p.cache.Check(ctx, append(outs, slices.Sorted(maps.Keys(sources))...), p.log)
		if err != nil {
			return nil, err
		}
		res.CacheLookup = lookup
		// Don't let nix spend its own timeouts on a cache that is gone: build without it.
		bo.Offline = lookup.Unreachable
		for _, f := range lookup.Found {
			fromCache[f] = true
		}
	}
	if p.store != "" {
		// The toolchain's packages and bootstrap are downloads too: a nix fetch of one into
		// the separate store would overwrite it in /nix/store.
		all, err := toolchainPaths(s)
		if err != nil {
			return nil, err
		}
		maps.Copy(all, sources)
		if err := p.seedStore(ctx, n, all, fromCache); err != nil {
			return nil, err
		}
	}
	p.log.Info("building", "package", s.Package.Name, "version", s.Package.Version, "toolchain", s.Build.Toolchain)
	results, err := n.Build(ctx, installable, bo)
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
		p.log.Info("nix finished", "built_derivations", len(res.Activity.Built), "substituted_paths", len(res.Activity.Substituted))
	}
	res.Closure, err = n.Closure(ctx, res.Outputs...)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// SourceMissingError is a pinned download that a build in a separate store (--store) would
// have to fetch.
type SourceMissingError struct {
	Store   string
	Missing []Source
}

func (e *SourceMissingError) Error() string {
	var names []string
	for _, m := range e.Missing {
		names = append(names, m.Name+" (sha256 "+m.SHA256+")")
	}
	return fmt.Sprintf("building in the store at %s needs every pinned download there first, and these are neither there, nor in --mirror, nor in /nix/store: %s\n"+
		"kiln never lets nix fetch into a separate store (Nix 2.8 then overwrites the path in /nix/store with an empty file): give --mirror DIR holding them (scripts/sources.sh fetches them), or build once without --store",
		e.Store, strings.Join(names, ", "))
}

// sourcePaths maps the store path of every pinned download to its source.
func sourcePaths(srcs []Source) (map[string]Source, error) {
	paths := map[string]Source{}
	for _, src := range srcs {
		sp, err := storepath.FixedOutputPath(src.Name, src.SHA256, false)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", src.Name, err)
		}
		paths[sp] = src
	}
	return paths, nil
}

// toolchainPaths maps the store path of each of the pinned toolchain's downloads (its
// .debs and the bootstrap) to its source; none for other toolchains.
func toolchainPaths(s *spec.Spec) (map[string]Source, error) {
	srcs, err := ToolchainSources(s)
	if err != nil || len(srcs) == 0 {
		return map[string]Source{}, err
	}
	paths, err := sourcePaths(srcs)
	if err != nil {
		return nil, err
	}
	pins, err := flakes.PinnedToolchain()
	if err != nil {
		return nil, err
	}
	boot, err := bootstrapPath(pins)
	if err != nil {
		return nil, err
	}
	d := pins.Deb[pins.Bootstrap.Deb]
	paths[boot] = Source{Name: pins.Bootstrap.Name + " (busybox from " + d.Name + ")", URL: d.URL, SHA256: pins.Bootstrap.NarHash}
	return paths, nil
}

// seedStore makes every pinned download valid in a separate store before nix builds
// there: what --mirror did not seed and the binary cache did not verify (fromCache) is
// copied from the local store; anything still missing refuses the build. A fixed-output
// fetch into a chroot store is what corrupts /nix/store on Nix 2.8, so it never happens.
func (p *Pipeline) seedStore(ctx context.Context, n *nix.Nix, paths map[string]Source, fromCache map[string]bool) error {
	var want []string
	for _, sp := range slices.Sorted(maps.Keys(paths)) {
		if !fromCache[sp] {
			want = append(want, sp)
		}
	}
	invalid, err := n.Invalid(ctx, want...)
	if err != nil || len(invalid) == 0 {
		return err
	}
	opts := []nix.Option{nix.WithBin(p.nixBin), nix.WithEnv(nix.Environ(p.environ, nix.Settings{}))}
	if p.runner != nil {
		opts = append(opts, nix.WithRunner(p.runner))
	}
	stillLocal, err := nix.New(opts...).Invalid(ctx, invalid...)
	if err != nil {
		return err
	}
	missing := map[string]bool{}
	for _, sp := range stillLocal {
		missing[sp] = true
	}
	var copyable []string
	for _, sp := range invalid {
		if !missing[sp] {
			copyable = append(copyable, sp)
		}
	}
	if len(copyable) > 0 {
		if err := n.CopyFromLocal(ctx, copyable...); err != nil {
			return err
		}
		p.log.Info("copied sources from /nix/store into the build's store", "store", p.store, "paths", len(copyable))
	}
	if len(missing) > 0 {
		e := &SourceMissingError{Store: p.store}
		for _, sp := range invalid {
			if missing[sp] {
				e.Missing = append(e.Missing, paths[sp])
			}
		}
		return e
	}
	return nil
}
