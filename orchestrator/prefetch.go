package orchestrator

import (
	"context"
	"fmt"
	"os"

	"github.com/kilnbuild/kiln/internal/storepath"
	"github.com/kilnbuild/kiln/nixgen/spec"
)

// Prefetch seeds the pipeline's store with everything s's build fetches — the source
// tarballs, the pinned toolchain's Debian packages and its bootstrap — from the mirror,
// else from each pinned URL, every file checked against its pinned sha256; what the store
// already holds is left alone (a warm store costs one nix-store call). It returns the
// store paths, so a plain `nix build` of the generated flake runs offline.
func (p *Pipeline) Prefetch(ctx context.Context, s *spec.Spec) ([]string, error) {
	n := p.Nix(s)
	srcs := Sources(s)
	debs, err := ToolchainSources(s)
	if err != nil {
		return nil, err
	}
	srcs = append(srcs, debs...)
	paths := make([]string, len(srcs))
	for i, src := range srcs {
		if paths[i], err = storepath.FixedOutputPath(src.Name, src.SHA256, false); err != nil {
			return nil, fmt.Errorf("prefetching %s: %w", src.Name, err)
		}
	}
	invalid, err := n.Invalid(ctx, paths...)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, sp := range invalid {
		want[sp] = true
	}
	var missing []Source
	for i, src := range srcs {
		if want[paths[i]] {
			missing = append(missing, src)
		}
	}
	if p.mirror != "" && len(missing) > 0 {
		if missing, err = Seed(ctx, n, p.mirror, missing, p.log); err != nil {
			return nil, err
		}
	}
	for _, src := range missing {
		f, err := Download(ctx, nil, src, p.tempDir)
		if err != nil {
			return nil, fmt.Errorf("prefetching %s: %w (put it in --mirror DIR, or check the network)", src.Name, err)
		}
		sp, err := n.AddFile(ctx, src.Name, f)
		os.Remove(f)
		if err != nil {
			return nil, fmt.Errorf("prefetching %s: %w", src.Name, err)
		}
		p.log.Info("downloaded", "url", src.URL, "store_path", sp)
	}
	seeder := &ToolchainSeeder{Nix: n, Mirror: p.mirror, Download: true, Require: true, Log: p.log}
	if err := seeder.Seed(ctx, s); err != nil {
		return nil, err
	}
	if s.Build.Toolchain == spec.ToolchainPinned {
		boot, err := BootstrapPath()
		if err != nil {
			return nil, err
		}
		paths = append(paths, boot)
	}
	return paths, nil
}
