package orchestrator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kilnbuild/kiln/flakes"
	"github.com/kilnbuild/kiln/internal/nar"
	"github.com/kilnbuild/kiln/internal/resultcache"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/nix"
)

// resultKey is the result-cache key of a build: everything its image depends on. Tools
// are identified by their files (path, size, mtime) rather than by running them, so a hit
// costs no nix invocation at all.
func (p *Pipeline) resultKey(s *spec.Spec, opts PackageOptions) (string, error) {
	specDigest, err := SpecDigest(s)
	if err != nil {
		return "", err
	}
	parts := []string{
		"kiln-result-v2", specDigest, flakes.Digest(), p.kilnID,
		fileIdentity(p.nixBin), string(s.Build.Toolchain),
		string(opts.Compression), opts.Created.UTC().Format(time.RFC3339), p.store,
	}
	return resultcache.Key(parts...), nil
}

// fileIdentity names a file by its resolved path, size and modification time.
func fileIdentity(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	st, err := os.Stat(p)
	if err != nil {
		return p + ":absent"
	}
	return fmt.Sprintf("%s:%d:%d", p, st.Size(), st.ModTime().UnixNano())
}

// remembered returns the result cache's build for key, or nil. An entry is used only if it
// is authentic (its MAC), every closure path is still in the store and each hashes to the
// NAR hash the entry records; anything else is discarded with a warning and nix builds.
func (p *Pipeline) remembered(key string, s *spec.Spec) *Result {
	e, found, err := p.results.Get(key)
	switch {
	case errors.Is(err, resultcache.ErrTampered):
		p.log.Warn("result cache entry discarded: it was not written by this kiln (edited or planted); building", "error", err)
		return nil
	case err != nil:
		p.log.Warn("result cache unreadable; building", "error", err)
		return nil
	case !found:
		return nil
	}
	res := &Result{Spec: s, NixVersion: e.NixVersion, Sources: Sources(s), Outputs: e.Outputs, DrvPaths: e.DrvPaths,
		FromResultCache: true, CachedDigest: e.Digest}
	root := p.StoreRoot()
	for _, path := range e.Closure {
		h, err := nar.Hash(filepath.Join(root, filepath.FromSlash(path)))
		if err != nil || !nar.SameHash(h, e.NarHashes[path]) {
			if err == nil {
				err = fmt.Errorf("%s hashes to %s, the entry says %s", path, h, e.NarHashes[path])
			}
			p.log.Info("result cache entry does not match the store; building", "reason", err)
			return nil
		}
		res.Closure = append(res.Closure, nix.PathInfo{Path: path, NarHash: e.NarHashes[path]})
	}
	if len(res.Closure) == 0 {
		return nil
	}
	p.log.Info("unchanged spec: reusing the previous build's store paths; nix not run", "outputs", e.Outputs)
	return res
}
