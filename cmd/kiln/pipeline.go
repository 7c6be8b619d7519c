package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/internal/files"
	"github.com/kilnbuild/kiln/internal/resultcache"
	"github.com/kilnbuild/kiln/orchestrator"
	"github.com/kilnbuild/kiln/orchestrator/image"
	"github.com/kilnbuild/kiln/orchestrator/publish"
)

// This file is where the command line meets the library: flags and the environment
// (NIX_CONFIG, SOURCE_DATE_EPOCH, XDG dirs) are read here and passed down as values.

// newPipeline returns the pipeline the command's flags describe.
func newPipeline(c *cli.Context, opts ...orchestrator.Option) *orchestrator.Pipeline {
	base := []orchestrator.Option{
		orchestrator.WithLogger(logger(c)),
		orchestrator.WithProgress(progress(c)),
		orchestrator.WithEnviron(os.Environ()),
		orchestrator.WithNixBin(nixBin()),
		orchestrator.WithPublishOptions(publishOptions(c)...),
	}
	if c.IsSet("mirror") {
		base = append(base, orchestrator.WithMirror(c.String("mirror")))
	}
	if c.IsSet("store") {
		base = append(base, orchestrator.WithStore(c.String("store")))
	}
	return orchestrator.New(append(base, opts...)...)
}

// nixBin is the nix on PATH, resolved so the result cache can identify it by its file.
func nixBin() string {
	if p, err := exec.LookPath("nix"); err == nil {
		return p
	}
	return "nix"
}

// publishOptions are the registry options of the command's flags.
func publishOptions(c *cli.Context) []publish.Option {
	opts := []publish.Option{publish.WithLogger(logger(c)), publish.WithInsecure(c.Bool("insecure"))}
	if c.IsSet("timeout") {
		opts = append(opts, publish.WithTimeout(c.Duration("timeout")))
	}
	return opts
}

// packageOptions are what decides the image's bytes besides the build: its created time
// and layer compression.
func packageOptions(c *cli.Context, specCreated string) (orchestrator.PackageOptions, error) {
	created, err := createdTime(specCreated)
	if err != nil {
		return orchestrator.PackageOptions{}, err
	}
	compression := image.Compression(c.String("compression"))
	if !compression.Valid() || compression == "" {
		return orchestrator.PackageOptions{}, fmt.Errorf("--compression %q: use gzip or zstd", compression)
	}
	return orchestrator.PackageOptions{Created: created, Compression: compression}, nil
}

// createdTime is the image's one timestamp: the spec's image.created, else
// SOURCE_DATE_EPOCH, else 1970-01-01T00:00:01Z (Nix's store mtime).
func createdTime(specCreated string) (time.Time, error) {
	if specCreated != "" {
		return time.Parse(time.RFC3339, specCreated) // validated
	}
	if v, ok := os.LookupEnv("SOURCE_DATE_EPOCH"); ok && v != "" {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil || sec < 0 || sec > maxEpoch {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want seconds since 1970, at most %d (year 9999) (unset it, or set image.created in the spec)", truncate(v, 40), maxEpoch)
		}
		return time.Unix(sec, 0).UTC(), nil
	}
	return image.DefaultMTime().UTC(), nil
}

// maxEpoch is 9999-12-31T23:59:59Z: RFC 3339 (and so the image config) has four-digit years.
const maxEpoch = 253402300799

// resultCache opens the result cache the flags ask for (nil when off): --result-cache DIR,
// else $XDG_CACHE_HOME/kiln/results. Entries are authenticated with a secret kept apart
// from them ($XDG_STATE_HOME/kiln/result-cache.key), so a restored or shared cache
// directory cannot plant a result.
func resultCache(c *cli.Context) (*resultcache.Cache, string, error) {
	if c.Bool("no-result-cache") {
		return nil, "", nil
	}
	secret, err := resultcache.LoadSecret(filepath.Join(xdgDir("XDG_STATE_HOME", ".local/state"), "kiln", "result-cache.key"))
	if err != nil {
		return nil, "", err
	}
	dir := c.String("result-cache")
	if dir == "" {
		dir = filepath.Join(xdgDir("XDG_CACHE_HOME", ".cache"), "kiln", "results")
	}
	rc, err := resultcache.New(dir, secret)
	if err != nil {
		return nil, "", err
	}
	self, err := selfDigest()
	if err != nil {
		return nil, "", err
	}
	return rc, self, nil
}

// xdgDir is $env, else ~/fallback, else a directory under the temporary directory.
func xdgDir(env, fallback string) string {
	if d := os.Getenv(env); d != "" && filepath.IsAbs(d) {
		return d
	}
	if d, err := os.UserHomeDir(); err == nil {
		return filepath.Join(d, fallback)
	}
	return filepath.Join(os.TempDir(), "kiln-"+filepath.Base(fallback))
}

// selfDigest is the sha256 of the running kiln binary: any change to kiln's code changes
// every result key, whatever its version string says.
func selfDigest() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("locating kiln's own binary: %w", err)
	}
	sum, err := files.SHA256(exe)
	if err != nil {
		return "", fmt.Errorf("reading kiln's own binary: %w", err)
	}
	return sum, nil
}

// truncate shortens s for an error message, saying how long it was.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:n], len(s))
}
