package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/kilnbuild/kiln/cache"
	"github.com/kilnbuild/kiln/flakes"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator"
)

// resultKey is the result-cache key of a build: everything its image depends on. Tools are
// identified by their files (path, size, mtime) rather than by running them, so a hit costs
// no nix invocation at all.
func resultKey(s *spec.Spec, compression string, created time.Time, store string) (string, error) {
	specDigest, err := orchestrator.SpecDigest(s)
	if err != nil {
		return "", err
	}
	self, err := selfDigest()
	if err != nil {
		return "", err
	}
	parts := []string{
		"kiln-result-v1", specDigest, flakes.Digest(), self,
		fileIdentity(lookPath("nix")), string(s.Build.Toolchain),
		compression, created.UTC().Format(time.RFC3339), store,
	}
	return cache.ResultKey(parts...), nil
}

func lookPath(name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		return name
	}
	return p
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

// selfDigest is the sha256 of the running kiln binary: any change to kiln's code changes
// every key, whatever its version string says.
func selfDigest() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("locating kiln's own binary: %w", err)
	}
	sum, err := orchestrator.FileSHA256(exe)
	if err != nil {
		return "", fmt.Errorf("reading kiln's own binary: %w", err)
	}
	return sum, nil
}

// resultsDir is where results are kept: --result-cache, else $XDG_CACHE_HOME/kiln/results,
// else ~/.cache/kiln/results.
func resultsDir(flag string) string {
	if flag != "" {
		return flag
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "kiln", "results")
	}
	if d, err := os.UserHomeDir(); err == nil {
		return filepath.Join(d, ".cache", "kiln", "results")
	}
	return filepath.Join(os.TempDir(), "kiln-results")
}
