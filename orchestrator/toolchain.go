package orchestrator

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/kilnbuild/kiln/flakes"
	"github.com/kilnbuild/kiln/internal/deb"
	"github.com/kilnbuild/kiln/internal/files"
	"github.com/kilnbuild/kiln/internal/nar"
	"github.com/kilnbuild/kiln/internal/storepath"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/nix"
)

// ToolchainSources lists the Debian packages of the spec's toolchain as fixed-output
// downloads (name, snapshot URL, sha256): the pinned toolchain's bill of materials. Other
// toolchains have none.
func ToolchainSources(s *spec.Spec) ([]Source, error) {
	if s.Build.Toolchain != spec.ToolchainPinned {
		return nil, nil
	}
	pins, err := flakes.PinnedToolchain()
	if err != nil {
		return nil, err
	}
	var srcs []Source
	for _, name := range pins.Packages() {
		d := pins.Deb[name]
		srcs = append(srcs, Source{Name: d.Name, URL: d.URL, SHA256: d.SHA256})
	}
	return srcs, nil
}

// BootstrapMissingError says the pinned toolchain's bootstrap is not in the store and
// could not be put there, and what to do.
type BootstrapMissingError struct {
	Path, Deb string
	Err       error
}

func (e *BootstrapMissingError) Error() string {
	msg := fmt.Sprintf("the pinned toolchain's bootstrap %s (busybox from %s) is not in the Nix store", e.Path, e.Deb)
	if e.Err != nil {
		msg += " (" + e.Err.Error() + ")"
	}
	return msg + ": run `kiln prefetch --mirror DIR` or `kiln build --mirror DIR` with the .deb in DIR (`make sources` downloads it), or let kiln download it (network)"
}

func (e *BootstrapMissingError) Unwrap() error { return e.Err }

// BootstrapHint is what to do when nix stops at the pinned toolchain's missing bootstrap.
const BootstrapHint = "the pinned toolchain's bootstrap busybox is not in the Nix store: run `kiln prefetch --mirror DIR` or `kiln build --mirror DIR` with its .deb in DIR (`make sources` downloads it), or `kiln build` with network access"

// bootstrapMissing reports whether a failed nix run stopped at the bootstrap placeholder
// (its URL says it is not in the store).
func bootstrapMissing(e *nix.Error) bool {
	for _, l := range e.Tail {
		if strings.Contains(l, "-is-not-in-the-nix-store:run-kiln-prefetch") {
			return true
		}
	}
	return false
}

// ToolchainSeeder makes what the pinned toolchain needs valid in the store before nix
// runs: its .debs from a mirror, and the bootstrap busybox, which Nix cannot unpack from
// its .deb by itself, so kiln does (the .deb from the mirror, else downloaded).
type ToolchainSeeder struct {
	Nix *nix.Nix
	// Mirror is a directory of .debs (and source tarballs), "" for none.
	Mirror string
	// Download lets the seeder fetch the bootstrap .deb from its pinned URL when the
	// mirror does not have it. Off when a binary cache may hold the toolchain already.
	Download bool
	// Require makes a bootstrap that cannot be had an error (kiln prefetch); otherwise it
	// is a warning, and nix decides (a binary cache may hold the toolchain).
	Require bool
	// HTTP is the client downloads use (nil: retries with backoff, 5 min per file).
	HTTP *http.Client
	Log  *slog.Logger
}

func (t *ToolchainSeeder) log() *slog.Logger {
	if t.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return t.Log
}

// Seed seeds the pinned toolchain of s (nothing for other toolchains). Paths already
// valid are left alone, so a warm build costs one nix-store call. A bootstrap that cannot
// be had is a warning, not an error: nix may substitute it from a binary cache, and if it
// must build it, it fails saying what to do (BootstrapMissingError says the same).
func (t *ToolchainSeeder) Seed(ctx context.Context, s *spec.Spec) error {
	if s.Build.Toolchain != spec.ToolchainPinned {
		return nil
	}
	pins, err := flakes.PinnedToolchain()
	if err != nil {
		return err
	}
	srcs, err := ToolchainSources(s)
	if err != nil {
		return err
	}
	boot, err := bootstrapPath(pins)
	if err != nil {
		return err
	}
	want := []string{boot}
	byPath := map[string]Source{}
	for _, src := range srcs {
		p, err := storepath.FixedOutputPath(src.Name, src.SHA256, false)
		if err != nil {
			return err
		}
		byPath[p] = src
		want = append(want, p)
	}
	invalid, err := t.Nix.Invalid(ctx, want...)
	if err != nil {
		return err
	}
	var debs []Source
	bootMissing := false
	for _, p := range invalid {
		if p == boot {
			bootMissing = true
		} else if src, ok := byPath[p]; ok {
			debs = append(debs, src)
		}
	}
	if len(debs) > 0 && t.Mirror != "" {
		missing, err := Seed(ctx, t.Nix, t.Mirror, debs, t.log())
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			t.log().Warn("toolchain packages not in mirror; nix will fetch them from snapshot.debian.org", "count", len(missing), "first", missing[0].Name)
		}
	}
	if !bootMissing {
		return nil
	}
	if err := t.seedBootstrap(ctx, pins, boot); err != nil {
		var bm *BootstrapMissingError
		switch {
		case !errors.As(err, &bm) || t.Require:
		case bm.Err == nil && !t.Download:
			// Nothing was tried: a binary cache is expected to hold the toolchain.
			t.log().Info("the pinned toolchain's bootstrap is not in the store; nix needs it only if the binary cache lacks the toolchain", "path", boot)
			return nil
		default:
			t.log().Warn(err.Error())
			return nil
		}
		return err
	}
	return nil
}

// BootstrapPath is the store path of the pinned toolchain's bootstrap busybox.
func BootstrapPath() (string, error) {
	pins, err := flakes.PinnedToolchain()
	if err != nil {
		return "", err
	}
	return bootstrapPath(pins)
}

// bootstrapPath is the store path the bootstrap must have: a recursive fixed output of its
// pinned NAR hash.
func bootstrapPath(pins *flakes.Pins) (string, error) {
	b := pins.Bootstrap
	sum, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(b.NarHash, "sha256-"))
	if err != nil || len(sum) != sha256.Size || !strings.HasPrefix(b.NarHash, "sha256-") {
		return "", fmt.Errorf("reading %s: bootstrap nar_hash %q is not sha256-<base64>", flakes.PinsFile, b.NarHash)
	}
	return storepath.FixedOutputPath(b.Name, hex.EncodeToString(sum), true)
}

// seedBootstrap takes the bootstrap's .deb from the mirror or its pinned URL, checks its
// sha256, extracts the busybox, checks the NAR hash of bin/busybox against the pin, and
// adds it to the store, where it must land at path.
func (t *ToolchainSeeder) seedBootstrap(ctx context.Context, pins *flakes.Pins, path string) error {
	b := pins.Bootstrap
	d := pins.Deb[b.Deb]
	src := Source{Name: d.Name, URL: d.URL, SHA256: d.SHA256}
	file := ""
	if t.Mirror != "" {
		f, err := Locate(t.Mirror, src)
		if err != nil {
			return err
		}
		file = f
	}
	if file == "" && t.Download {
		f, err := Download(ctx, t.HTTP, src, "")
		if err != nil {
			return &BootstrapMissingError{Path: path, Deb: d.Name, Err: err}
		}
		defer os.Remove(f)
		file = f
	}
	if file == "" {
		return &BootstrapMissingError{Path: path, Deb: d.Name}
	}
	p, err := AddBootstrap(ctx, t.Nix, pins, file)
	if err != nil {
		return err
	}
	if p != path {
		return fmt.Errorf("seeding the bootstrap: nix added %s, but the toolchain expects %s", p, path)
	}
	t.log().Info("seeded the pinned toolchain's bootstrap", "deb", file, "store_path", p)
	return nil
}

// AddBootstrap extracts the pinned busybox from the .deb at file (whose sha256 must be the
// pinned one), checks its NAR hash, and adds it to the store; it returns the store path.
func AddBootstrap(ctx context.Context, n *nix.Nix, pins *flakes.Pins, file string) (string, error) {
	b := pins.Bootstrap
	d := pins.Deb[b.Deb]
	got, err := files.SHA256(file)
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", file, err)
	}
	if got != d.SHA256 {
		return "", &HashMismatchError{File: file, Want: d.SHA256, Got: got}
	}
	path, err := bootstrapPath(pins)
	if err != nil {
		return "", err
	}
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	member, err := deb.ReadFile(f, b.Member)
	if err != nil {
		return "", fmt.Errorf("extracting %s from %s: %w", b.Member, file, err)
	}
	tmp, err := os.MkdirTemp("", "kiln-bootstrap-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	tree := filepath.Join(tmp, b.Name)
	if err := os.MkdirAll(filepath.Join(tree, "bin"), 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tree, "bin", "busybox"), member.Data, 0o555); err != nil {
		return "", err
	}
	// The tree must be the pinned one before nix adds it (and so before anything runs it).
	if h, err := nar.Hash(tree); err != nil {
		return "", err
	} else if !nar.SameHash(h, b.NarHash) {
		return "", fmt.Errorf("extracting %s from %s: its NAR hash is %s, the pin says %s", b.Member, file, h, b.NarHash)
	}
	p, err := n.AddPath(ctx, b.Name, tree)
	if err != nil {
		return "", fmt.Errorf("seeding the bootstrap: %w", err)
	}
	if p != path {
		return "", fmt.Errorf("seeding the bootstrap: nix added %s, but the toolchain expects %s", p, path)
	}
	return p, nil
}

// Download fetches src.URL into a new file in dir ("" = the system's temporary directory),
// checking its sha256 while it streams; it returns the file, which the caller removes.
// Transient failures (connection errors, 5xx, 429) are retried with backoff.
func Download(ctx context.Context, client *http.Client, src Source, dir string) (string, error) {
	if client == nil {
		rc := retryablehttp.NewClient()
		rc.RetryMax = 3
		rc.RetryWaitMin, rc.RetryWaitMax = time.Second, 10*time.Second
		rc.HTTPClient.Timeout = 5 * time.Minute
		rc.Logger = nil
		client = rc.StandardClient()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.URL, nil)
	if err != nil {
		return "", fmt.Errorf("downloading %s: %w", src.URL, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("downloading %s: %w", src.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("downloading %s: %s", src.URL, resp.Status)
	}
	f, err := os.CreateTemp(dir, "kiln-download-*-"+filepath.Base(src.Name))
	if err != nil {
		return "", fmt.Errorf("downloading %s: %w", src.URL, err)
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(f, h), resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("downloading %s: %w", src.URL, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != src.SHA256 {
		os.Remove(f.Name())
		return "", fmt.Errorf("downloading %s: %w", src.URL, &HashMismatchError{File: src.Name, Want: src.SHA256, Got: got})
	}
	return f.Name(), nil
}
