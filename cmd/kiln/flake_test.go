package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/orchestrator/nix"
)

// subsetTarball is the real nixos-24.11 subset the evaluation tests run against.
const subsetTarball = "../../testdata/nixpkgs/nixpkgs-24.11-slim.tar.gz"

var (
	subsetOnce sync.Once
	subsetDir  string
	subsetErr  error
)

// nixpkgsSubset unpacks testdata's nixpkgs subset once per test run and returns its
// directory (removed with the test binary's temporary directory).
func nixpkgsSubset(t *testing.T) string {
	t.Helper()
	subsetOnce.Do(func() {
		subsetDir = filepath.Join(filepath.Dir(kilnBin), "nixpkgs")
		subsetErr = untarGz(subsetTarball, subsetDir)
	})
	if subsetErr != nil {
		t.Fatalf("unpacking %s: %v", subsetTarball, subsetErr)
	}
	return subsetDir
}

func untarGz(file, dir string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(p, filepath.Clean(dir)) {
			return &fs.PathError{Op: "untar", Path: h.Name, Err: fs.ErrInvalid}
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			data, err := io.ReadAll(tr)
			if err != nil {
				return err
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := os.Symlink(h.Linkname, p); err != nil {
				return err
			}
		}
	}
}

// projectFlakeCopy copies what kiln's own flake.nix reads (itself and flakes/) into a new
// directory, so evaluating it does not copy the whole work tree into the store.
func projectFlakeCopy(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "kiln")
	copyTreeFiles(t, "../../flakes", filepath.Join(dir, "flakes"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, "../../flake.nix", filepath.Join(dir, "flake.nix"))
	return dir
}

func copyTreeFiles(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// kilnGoVersion is the Go release kiln is built with: go.mod's toolchain line (go1.27.3 →
// 1.27.3), or its go directive where it has none. kiln's flake must build with the same.
func kilnGoVersion(t *testing.T) string {
	t.Helper()
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?m)^toolchain go(\S+)$`).FindSubmatch(mod); m != nil {
		return string(m[1])
	}
	if m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod); m != nil {
		return string(m[1])
	}
	t.Fatal("go.mod has neither a toolchain line nor a go directive")
	return ""
}

// nixRunner runs nix with args and returns stdout (failing the test on error).
type nixRunner func(t *testing.T, args ...string) string

// hostNix is the machine's nix (2.8 on Debian 12) with kiln's test settings.
func hostNix(t *testing.T, args ...string) string { t.Helper(); return nixCmd(t, args...) }

// checkProjectFlake evaluates every output of kiln's own flake against the nixpkgs subset
// with run's nix: `nix flake check --no-build` (every output evaluates, every derivation
// instantiates, down to nixpkgs' bootstrap), the app, and what packages.kiln is made of.
func checkProjectFlake(t *testing.T, run nixRunner, subset, flake string) {
	t.Helper()
	over := []string{"--no-write-lock-file", "--override-input", "nixpkgs", "path:" + subset}
	ref := "path:" + flake
	run(t, append(append([]string{"flake", "check", "--no-build"}, over...), ref)...)

	var show struct {
		Packages map[string]map[string]struct {
			Name string `json:"name"`
		} `json:"packages"`
		Apps map[string]map[string]json.RawMessage `json:"apps"`
	}
	if err := json.Unmarshal([]byte(run(t, append(append([]string{"flake", "show", "--json"}, over...), ref)...)), &show); err != nil {
		t.Fatalf("nix flake show --json: %v", err)
	}
	pk := show.Packages["x86_64-linux"]
	goVersion := kilnGoVersion(t)
	if pk["kiln"].Name != "kiln-0.1.0" || pk["default"].Name != "kiln-0.1.0" || pk["go"].Name != "go-"+goVersion || show.Apps["x86_64-linux"]["default"] == nil {
		t.Errorf("nix flake show: packages %v, apps %v", pk, show.Apps)
	}

	eval := func(attr string) string {
		return run(t, append(append([]string{"eval", "--raw"}, over...), ref+"#"+attr)...)
	}
	out := eval("packages.x86_64-linux.kiln.outPath")
	if got := eval("apps.x86_64-linux.default.program"); got != out+"/bin/kiln" {
		t.Errorf("apps.default.program = %q, want %s/bin/kiln (nix run <flake> -- build)", got, out)
	}
	if eval("apps.x86_64-linux.default.type") != "app" {
		t.Error("apps.default is not an app")
	}
	if recipes := eval("lib.recipes"); !strings.HasPrefix(recipes, "/nix/store/") {
		t.Errorf("lib.recipes = %q", recipes)
	}

	// The kiln derivation: cgo on (libzstd), go.mod's Go as its compiler, GOTOOLCHAIN=local.
	shown := run(t, append(append([]string{"show-derivation"}, over...), ref+"#packages.x86_64-linux.kiln")...)
	drvs, err := nix.ParseDerivations([]byte(shown), nix.DefaultStoreDir)
	if err != nil || len(drvs) != 1 {
		t.Fatalf("show-derivation of packages.kiln: %v %d", err, len(drvs))
	}
	d := drvs[0]
	if d.Env["CGO_ENABLED"] != "1" || d.Env["GOTOOLCHAIN"] != "local" || d.Outputs["out"].Path != out {
		t.Errorf("kiln derivation: CGO_ENABLED=%q GOTOOLCHAIN=%q out=%s", d.Env["CGO_ENABLED"], d.Env["GOTOOLCHAIN"], d.Outputs["out"].Path)
	}
	var haveGo, haveModules bool
	for in := range d.InputDrvs {
		haveGo = haveGo || strings.HasSuffix(in, "-go-"+goVersion+".drv")
		haveModules = haveModules || strings.HasSuffix(in, "-kiln-0.1.0-go-modules.drv")
	}
	if !haveGo || !haveModules {
		t.Errorf("kiln's inputs lack Go %s or the vendored modules: %v", goVersion, d.InputDrvs)
	}
}

// TestProjectFlakeNixpkgs: kiln's own flake evaluates against real nixos-24.11 code with
// this machine's nix (2.8): every output, the app, and packages.kiln's derivation graph.
func TestProjectFlakeNixpkgs(t *testing.T) {
	testenv.Require(t, "nix")
	checkProjectFlake(t, hostNix, nixpkgsSubset(t), projectFlakeCopy(t))
}

// TestSecondHostProjectFlake: the same with Debian 13's Nix 2.26.
func TestSecondHostProjectFlake(t *testing.T) {
	h := requireSecondHost(t)
	subset, flake := nixpkgsSubset(t), projectFlakeCopy(t)
	h.binds = append(h.binds, subset, flake)
	checkProjectFlake(t, func(t *testing.T, args ...string) string {
		t.Helper()
		stdout, stderr, err := h.run(append([]string{"nix"}, args...)...)
		if err != nil {
			t.Fatalf("nix %s on the second host: %v\n%s", strings.Join(args, " "), err, tailLines(stderr, 30))
		}
		return strings.TrimSpace(stdout)
	}, subset, flake)
}

// TestProjectFlakeVendorHash: the flake's vendorHash is the NAR hash of `go mod vendor` for
// this go.mod/go.sum, and its Go toolchain is the one go.mod asks for, pinned by the sha256
// of the file Go's checksum database vouches for.
func TestProjectFlakeVendorHash(t *testing.T) {
	testenv.Short(t)
	testenv.Require(t, "nix", "go", "git")
	subset, flake := nixpkgsSubset(t), projectFlakeCopy(t)
	over := []string{"--no-write-lock-file", "--override-input", "nixpkgs", "path:" + subset}
	eval := func(attr string) string {
		return nixCmd(t, append(append([]string{"eval", "--raw"}, over...), "path:"+flake+"#"+attr)...)
	}
	toolchain := kilnGoVersion(t)

	// go mod vendor in a copy of the module: tracked and untracked (not ignored) files.
	root, _ := filepath.Abs("../..")
	list, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	src := filepath.Join(t.TempDir(), "src")
	for _, f := range strings.Split(strings.TrimRight(string(list), "\x00"), "\x00") {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil { // deleted, not yet committed
			continue
		}
		os.MkdirAll(filepath.Dir(filepath.Join(src, f)), 0o755)
		copyFile(t, filepath.Join(root, f), filepath.Join(src, f))
	}
	// With the Go the flake builds with, as buildGoModule vendors.
	vendor := exec.Command("go", "mod", "vendor")
	vendor.Dir = src
	vendor.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=go"+toolchain, "GOWORK=off")
	if out, err := vendor.CombinedOutput(); err != nil {
		t.Fatalf("go mod vendor: %v\n%s", err, out)
	}
	got := nixCmd(t, "hash", "path", filepath.Join(src, "vendor"))
	if want := eval("packages.x86_64-linux.kiln.vendorHash"); got != want {
		t.Errorf("flake.nix vendorHash = %s, but go mod vendor gives %s: update flake.nix", want, got)
	}

	// The Go release: go.mod's toolchain line, and the zip's sha256 as sum.golang.org checks it.
	goVersion := eval("packages.x86_64-linux.go.version")
	if goVersion != toolchain {
		t.Fatalf("go.mod's toolchain is Go %s, flake.nix builds with Go %s: update goVersion and its hash", toolchain, goVersion)
	}
	dl := exec.Command("go", "mod", "download", "-json", "golang.org/toolchain@v0.0.1-go"+goVersion+".linux-amd64")
	dl.Dir = t.TempDir()
	dl.Env = append(os.Environ(), "GOFLAGS=", "GOTOOLCHAIN=local", "GOWORK=off")
	var info struct{ Zip, Error string }
	out, err := dl.Output()
	if json.Unmarshal(out, &info); err != nil || info.Zip == "" {
		// go mod download prints its error in the JSON object and exits 1.
		t.Fatalf("go mod download golang.org/toolchain (the Go module proxy is reachable from CI): %v %s", err, info.Error)
	}
	zip, err := os.ReadFile(info.Zip)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(zip)
	want := eval("packages.x86_64-linux.go.src.outputHash")
	if sri := "sha256-" + base64.StdEncoding.EncodeToString(sum[:]); sri != want {
		t.Errorf("flake.nix pins the Go %s zip as %s; the checksum database's file has %s (sha256 %s)", goVersion, want, sri, hex.EncodeToString(sum[:]))
	}
}
