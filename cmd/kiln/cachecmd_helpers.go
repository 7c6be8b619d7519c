package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/cache"
	"github.com/kilnbuild/kiln/orchestrator"
	"github.com/kilnbuild/kiln/orchestrator/nix"
)

// binaryCache builds the cache client for --cache with the --trusted-key keys. A cache
// without trusted keys is refused: nix would substitute nothing from it and say nothing.
func binaryCache(c *cli.Context, url string, log *slog.Logger) (*orchestrator.Cache, error) {
	texts := c.StringSlice("trusted-key")
	if len(texts) == 0 {
		return nil, fmt.Errorf("--cache needs --trusted-key: the public key its paths are signed with (kiln cache keygen prints it)")
	}
	var keys []cache.PublicKey
	for _, t := range texts {
		k, err := cache.ParsePublicKey(t)
		if err != nil {
			return nil, fmt.Errorf("--trusted-key %q: %v", t, err)
		}
		keys = append(keys, k)
	}
	client, err := cache.New(url, cache.WithLogger(log))
	if err != nil {
		return nil, fmt.Errorf("--cache %q: %v", url, err)
	}
	return &orchestrator.Cache{Client: client, Trusted: keys}, nil
}

// pathsPresent reports whether every store path exists in the store rooted at root.
func pathsPresent(root string, paths []string) bool {
	for _, p := range paths {
		if _, err := os.Lstat(filepath.Join(root, p)); err != nil {
			return false
		}
	}
	return len(paths) > 0
}

// storePaths maps store paths to host paths in the store rooted at root.
func storePaths(root string, paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Join(root, p)
	}
	return out
}

// resultFromCache turns a remembered result back into what packaging needs.
func resultFromCache(r *cache.Result) *orchestrator.Result {
	res := &orchestrator.Result{Outputs: r.Outputs, DrvPaths: r.DrvPaths, CachedDigest: r.Digest}
	for _, p := range r.Closure {
		res.Closure = append(res.Closure, nix.PathInfo{Path: p, NarHash: r.NarHashes[p]})
	}
	return res
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
