package orchestrator

import (
	"context"
	"strings"
)

// PushCache copies a build's outputs and its build-time closure (sources, recipe files,
// dependency outputs) to a binary cache, signed with the secret key file, and returns the
// paths it pushed. Paths already in the cache are skipped by nix.
func (p *Pipeline) PushCache(ctx context.Context, res *Result, to, signKeyFile string) ([]string, error) {
	n := p.Nix(res.Spec)
	paths := append([]string(nil), res.ClosurePaths()...)
	for _, drv := range res.DrvPaths {
		build, err := n.BuildTimeClosure(ctx, drv)
		if err != nil {
			return nil, err
		}
		for _, p := range build {
			if !strings.HasSuffix(p, ".drv") {
				paths = append(paths, p)
			}
		}
	}
	paths = dedupe(paths)
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	dest := to
	if !strings.Contains(to, "compression=") {
		dest += sep + "compression=zstd"
		sep = "&"
	}
	dest += sep + "secret-key=" + signKeyFile
	if err := n.Copy(ctx, dest, paths...); err != nil {
		return nil, err
	}
	p.log.Info("pushed to binary cache", "cache", redact(to), "paths", len(paths))
	return paths, nil
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range in {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// redact hides a URL's query (it may name key files or carry credentials).
func redact(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i] + "?…"
	}
	return u
}
