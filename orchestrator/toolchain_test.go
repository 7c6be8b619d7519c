package orchestrator

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/flakes"
	"github.com/kilnbuild/kiln/internal/storepath"
	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/nix"
)

// bootstrapDeb is the pinned busybox-static .deb from the test mirror.
func bootstrapDeb(t *testing.T) (*flakes.Pins, string) {
	t.Helper()
	testenv.Short(t)
	testenv.Require(t, "nix", "nix-store")
	m := os.Getenv("KILN_MIRROR")
	if m == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("KILN_MIRROR is not set; run the tests with `make test`")
		}
		t.Skip("KILN_MIRROR not set; `make test` downloads the pinned packages and sets it")
	}
	pins, err := flakes.PinnedToolchain()
	if err != nil {
		t.Fatal(err)
	}
	return pins, filepath.Join(m, pins.Deb[pins.Bootstrap.Deb].Name)
}

// freshStore is a nix driver on an empty store of its own (nix --store DIR).
func freshStore(t *testing.T) *nix.Nix {
	t.Helper()
	return nix.New(nix.WithStore(t.TempDir()), nix.WithEnv(append(os.Environ(), "NIX_CONFIG=experimental-features = nix-command flakes")))
}

// TestSeedBootstrapFromMirror: kiln extracts busybox from the pinned .deb and adds it where
// the toolchain's fixed-output derivation expects it: the path nix evaluates for that
// derivation, valid in the store afterwards.
func TestSeedBootstrapFromMirror(t *testing.T) {
	pins, debFile := bootstrapDeb(t)
	n := freshStore(t)
	seeder := &ToolchainSeeder{Nix: n, Mirror: filepath.Dir(debFile), Require: true}
	s := spec.Default()
	if err := seeder.Seed(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	want, err := BootstrapPath()
	if err != nil {
		t.Fatal(err)
	}
	invalid, err := n.Invalid(context.Background(), want)
	if err != nil || len(invalid) != 0 {
		t.Fatalf("bootstrap %s not valid after seeding: %v %v", want, invalid, err)
	}
	// The toolchain's own derivation, evaluated by nix, has that out path.
	expr := `(import ` + absPath(t, "../flakes/toolchains/pinned.nix") + ` { system = "x86_64-linux"; }).parts.bootstrap.outPath`
	cmd := exec.Command("nix-instantiate", "--eval", "--read-write-mode", "--store", n.Store(), "--expr", expr)
	cmd.Env = append(os.Environ(), "NIX_CONFIG=build-users-group =")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nix-instantiate: %v", err)
	}
	if got := strings.Trim(strings.TrimSpace(string(out)), `"`); got != want {
		t.Fatalf("the toolchain's bootstrap derivation is %s, kiln seeded %s", got, want)
	}
	// The .debs were seeded from the mirror too: every one is valid now.
	srcs, _ := ToolchainSources(s)
	var paths []string
	for _, src := range srcs {
		sp, err := storepath.FixedOutputPath(src.Name, src.SHA256, false)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, sp)
	}
	if invalid, err := n.Invalid(context.Background(), paths...); err != nil || len(invalid) != 0 {
		t.Fatalf("packages not seeded: %v %v", invalid, err)
	}
	if len(srcs) != len(pins.Deb) {
		t.Fatalf("%d sources for %d pinned packages", len(srcs), len(pins.Deb))
	}
}

func absPath(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// to sends every request to the test server, whatever its URL says.
type to struct{ srv *httptest.Server }

func (r to) RoundTrip(req *http.Request) (*http.Response, error) {
	u, _ := url.Parse(r.srv.URL)
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host = u.Scheme, u.Host
	return http.DefaultTransport.RoundTrip(req)
}

// TestSeedBootstrapDownload: without a mirror, kiln downloads the .deb from its pinned URL
// (a local server stands in for snapshot.debian.org) and checks its hash; a wrong file or
// a 404 leaves the store alone and says what to do.
func TestSeedBootstrapDownload(t *testing.T) {
	pins, debFile := bootstrapDeb(t)
	debBytes, err := os.ReadFile(debFile)
	if err != nil {
		t.Fatal(err)
	}
	wantPath := "/file/" + pins.Deb[pins.Bootstrap.Deb].SHA1
	serve := func(body []byte, status int) *http.Client {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != wantPath {
				http.NotFound(w, r)
				return
			}
			w.WriteHeader(status)
			w.Write(body)
		}))
		t.Cleanup(srv.Close)
		return &http.Client{Transport: to{srv}}
	}
	ctx := context.Background()
	s := spec.Default()
	boot, _ := BootstrapPath()

	n := freshStore(t)
	if err := (&ToolchainSeeder{Nix: n, Download: true, Require: true, HTTP: serve(debBytes, 200)}).Seed(ctx, s); err != nil {
		t.Fatal(err)
	}
	if invalid, _ := n.Invalid(ctx, boot); len(invalid) != 0 {
		t.Fatalf("bootstrap not valid after download")
	}

	tampered := append([]byte(nil), debBytes...)
	tampered[len(tampered)/2] ^= 1
	for name, c := range map[string]struct {
		client *http.Client
		want   string
	}{
		"tampered": {serve(tampered, 200), "the pin says"},
		"404":      {serve(nil, 404), "404"},
	} {
		t.Run(name, func(t *testing.T) {
			n := freshStore(t)
			err := (&ToolchainSeeder{Nix: n, Download: true, Require: true, HTTP: c.client}).Seed(ctx, s)
			var bm *BootstrapMissingError
			if !errors.As(err, &bm) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "kiln prefetch --mirror DIR") {
				t.Fatalf("error %v; want a BootstrapMissingError naming %q and what to do", err, c.want)
			}
			// Without Require (kiln build), it is a warning: nix decides.
			if err := (&ToolchainSeeder{Nix: n, Download: true, HTTP: c.client}).Seed(ctx, s); err != nil {
				t.Fatalf("kiln build's seeding failed on a missing bootstrap: %v", err)
			}
			if invalid, _ := n.Invalid(ctx, boot); len(invalid) != 1 {
				t.Fatalf("a bad download reached the store")
			}
		})
	}
}
