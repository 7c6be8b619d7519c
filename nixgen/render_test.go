package nixgen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/internal/pgo/pgotest"
	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/nixgen/spec"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/golden")

func specs(t *testing.T) map[string]*spec.Spec {
	t.Helper()
	def := spec.Default()
	nixpkgs := spec.Default()
	nixpkgs.Build.Toolchain = spec.ToolchainNixpkgs
	nixpkgs.Nixpkgs.URL = spec.DefaultNixpkgsURL
	old, err := spec.Load("../testdata/specs/haproxy-2.6.12.toml")
	if err != nil {
		t.Fatal(err)
	}
	// Every library at once, on the nixpkgs toolchain.
	full, err := spec.Load("../testdata/specs/features-full.toml")
	if err != nil {
		t.Fatal(err)
	}
	full.Build.Toolchain = spec.ToolchainNixpkgs
	full.Nixpkgs.URL = spec.DefaultNixpkgsURL
	full.Features.Compression = spec.CompressionZlib
	full.Features.PCRE2JIT = true
	full.Sources.Zlib = &spec.Source{Version: "1.3.1", URL: "https://zlib.net/fossils/zlib-1.3.1.tar.gz", SHA256: spec.DefaultSources[spec.DepZlib].SHA256}
	if err := full.Validate(); err != nil {
		t.Fatal(err)
	}
	return map[string]*spec.Spec{"default-pinned": def, "default-nixpkgs": nixpkgs, "haproxy-2.6.12": old, "features-nixpkgs": full}
}

func TestGolden(t *testing.T) {
	for name, s := range specs(t) {
		t.Run(name, func(t *testing.T) {
			f, err := Render(s)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := Render(s)
			for _, file := range []string{"flake.nix", "spec.nix"} {
				if !bytes.Equal(f.Files[file], again.Files[file]) {
					t.Fatalf("%s differs between two renders of the same spec", file)
				}
				golden := filepath.Join("..", "testdata", "golden", name, file)
				if *update {
					os.MkdirAll(filepath.Dir(golden), 0o755)
					if err := os.WriteFile(golden, f.Files[file], 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./nixgen -update)", err)
				}
				if !bytes.Equal(f.Files[file], want) {
					t.Errorf("%s differs from %s (run go test ./nixgen -update if intended):\n%s", file, golden, f.Files[file])
				}
			}
			if _, ok := f.Files["flakes/recipes/haproxy.sh"]; !ok {
				t.Errorf("recipe files missing from the flake: %v", keys(f.Files))
			}
		})
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestQuoteRejectsNUL(t *testing.T) {
	if _, err := Quote("a\x00b"); err != ErrNUL {
		t.Fatalf("Quote with NUL: err = %v", err)
	}
	s := spec.Default()
	s.Package.URL = "https://e.org/a\x00.tar.gz"
	if _, err := Render(s); err == nil || !strings.Contains(err.Error(), "NUL") {
		t.Fatalf("Render with NUL: err = %v", err)
	}
}

// hostile are strings that would change a naively generated Nix file's syntax tree.
var hostile = []string{
	``, `"`, `\`, `\\`, `${`, `$${x}`, `\${`, `''`, `''${`, "a\nb", "\r\n\t", `"; builtins.abort "pwned"; x = "`,
	`${builtins.currentTime}`, `$`, `$$`, `\"`, `#`, `/*`, "é ✓ \u2028", "\x01\x7f", `''$`, `''\`,
}

// TestQuoteRoundTrip checks with the real Nix parser and evaluator that every hostile value
// parses as one string and evaluates back to exactly itself (compared by sha256, so output
// encoding cannot hide a difference). All values go through one nix call.
func TestQuoteRoundTrip(t *testing.T) {
	testenv.Require(t, "nix-instantiate")
	vals := append([]string(nil), hostile...)
	r := rand.New(rand.NewSource(1))
	alphabet := []byte("\"\\${}'\n\r\t ab#;/*")
	for i := 0; i < 300; i++ {
		b := make([]byte, r.Intn(12))
		for j := range b {
			b[j] = alphabet[r.Intn(len(alphabet))]
		}
		vals = append(vals, string(b))
	}
	checkRoundTrip(t, vals)
}

func checkRoundTrip(t *testing.T, vals []string) {
	t.Helper()
	var expr strings.Builder
	expr.WriteString("[\n")
	for _, v := range vals {
		q, err := Quote(v)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&expr, "(builtins.hashString \"sha256\" %s)\n", q)
	}
	expr.WriteString("]")
	file := filepath.Join(t.TempDir(), "e.nix")
	os.WriteFile(file, []byte(expr.String()), 0o644)
	if out, err := nixInstantiate("--parse", file); err != nil {
		t.Fatalf("nix-instantiate --parse: %v\n%s", err, out)
	}
	out, err := nixInstantiate("--eval", "--strict", file)
	if err != nil {
		t.Fatalf("nix-instantiate --eval: %v\n%s", err, out)
	}
	got := strings.Fields(strings.Trim(strings.TrimSpace(string(out)), "[]"))
	if len(got) != len(vals) {
		t.Fatalf("evaluated %d values, want %d: %s", len(got), len(vals), out)
	}
	for i, v := range vals {
		sum := sha256.Sum256([]byte(v))
		if want := `"` + hex.EncodeToString(sum[:]) + `"`; got[i] != want {
			t.Errorf("value %q came back changed from Nix", v)
		}
	}
}

// FuzzQuote: any string without NUL survives Quote → Nix parser → evaluator unchanged, and
// placed inside a generated spec.nix it never changes the file's syntax tree.
func FuzzQuote(f *testing.F) {
	for _, h := range hostile {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if strings.IndexByte(v, 0) >= 0 {
			if _, err := Quote(v); err != ErrNUL {
				t.Fatalf("NUL accepted")
			}
			return
		}
		testenv.Require(t, "nix-instantiate")
		checkRoundTrip(t, []string{v})
	})
}

// TestSpecValuesCannotInject renders a spec whose free-form strings are hostile and checks
// that Nix evaluates spec.nix to exactly those values: the syntax tree stays kiln's.
func TestSpecValuesCannotInject(t *testing.T) {
	testenv.Require(t, "nix-instantiate")
	for _, h := range hostile {
		s := spec.Default()
		s.Package.URL = "https://e.org/x" + h + ".tar.gz"
		s.Package.Version = h
		f, err := Render(s)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "spec.nix"), f.Files["spec.nix"], 0o644)
		expr := fmt.Sprintf(`let s = import %s/spec.nix; in builtins.hashString "sha256" (s.package.source.url + "|" + s.package.version + "|" + builtins.toString (builtins.length (builtins.attrNames s)))`, dir)
		out, err := nixInstantiate("--eval", "-E", expr)
		if err != nil {
			t.Fatalf("value %q: %v\n%s\n%s", h, err, out, f.Files["spec.nix"])
		}
		sum := sha256.Sum256([]byte(s.Package.URL + "|" + h + "|4"))
		if got, want := strings.TrimSpace(string(out)), `"`+hex.EncodeToString(sum[:])+`"`; got != want {
			t.Errorf("value %q changed the evaluated spec: %s", h, f.Files["spec.nix"])
		}
	}
}

func TestWriteRefusesForeignDir(t *testing.T) {
	f, err := Render(spec.Default())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "flake")
	if err := f.Write(out); err != nil {
		t.Fatal(err)
	}
	if err := f.Write(out); err != nil {
		t.Fatalf("rewriting a kiln flake dir: %v", err)
	}
	foreign := filepath.Join(dir, "mine")
	os.MkdirAll(foreign, 0o755)
	os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("keep me"), 0o644)
	if err := f.Write(foreign); err == nil || !strings.Contains(err.Error(), `holds ["notes.txt"], which kiln did not generate`) {
		t.Fatalf("Write over a foreign dir: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(foreign, "notes.txt")); string(b) != "keep me" {
		t.Fatal("foreign dir was touched")
	}
	// A kiln flake dir the user added a file to is the user's now: replacing it would
	// delete the file.
	os.WriteFile(filepath.Join(out, "NOTES.md"), []byte("mine"), 0o644)
	if err := f.Write(out); err == nil || !strings.Contains(err.Error(), "NOTES.md") {
		t.Fatalf("Write over a kiln flake with a user's file: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "NOTES.md")); string(b) != "mine" {
		t.Fatal("the user's file was deleted")
	}
	os.Remove(filepath.Join(out, "NOTES.md"))
	// nix's own leftovers from building the flake do not count as the user's.
	os.Symlink("/nix/store/x", filepath.Join(out, "result"))
	if err := f.Write(out); err != nil {
		t.Fatalf("rewriting a built kiln flake dir: %v", err)
	}
	// A directory kiln cannot read is never taken for an empty one.
	locked := filepath.Join(dir, "locked")
	os.MkdirAll(filepath.Join(locked, "sub"), 0o755)
	os.Chmod(locked, 0o311) // listable by nobody, enterable
	defer os.Chmod(locked, 0o755)
	if os.Geteuid() != 0 { // root reads any directory
		if err := f.Write(locked); err == nil || !strings.Contains(err.Error(), "cannot be read") {
			t.Fatalf("Write over an unreadable dir: %v", err)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Fatalf("temporary dir left behind: %s", e.Name())
		}
	}
}

// nixInstantiate runs nix-instantiate with settings of its own (not the machine's nix.conf)
// and returns stdout, or stdout+stderr in the error case.
func nixInstantiate(args ...string) ([]byte, error) {
	cmd := exec.Command("nix-instantiate", args...)
	cmd.Env = append(os.Environ(), "NIX_CONFIG=build-users-group =\nsubstituters =")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return append(out, stderr.Bytes()...), err
	}
	return out, nil
}

// TestRenderProfile: a spec's pinned profile is copied into the flake and handed to the
// recipe from spec.nix, once it is the file the spec pins and recorded for this build; the
// recording build asks for instrumentation instead; a spec without one renders as before.
func TestRenderProfile(t *testing.T) {
	dir := t.TempDir()
	doc, pinned, profile := pgotest.Pinned(t, dir, "p.tar.gz")
	base, err := spec.Parse("speed.toml", dir, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse("speed.toml", dir, []byte(pinned))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	f, err := Render(s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(f.Files["profile/profile.tar.gz"], profile) {
		t.Error("the profile is not in the flake as pinned")
	}
	if !bytes.Contains(f.Files["spec.nix"], []byte("    profile = ./profile/profile.tar.gz;\n  };\n}\n")) {
		t.Errorf("spec.nix does not hand the profile to the recipe:\n%s", f.Files["spec.nix"])
	}
	plain, err := Render(base)
	if err != nil {
		t.Fatal(err)
	}
	rec := *s
	rec.RecordProfile()
	recorded, err := Render(&rec)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := recorded.Files["profile/profile.tar.gz"]; ok || !bytes.Contains(recorded.Files["spec.nix"], []byte("    profileRecord = true;\n  };\n}\n")) {
		t.Errorf("the recording build's spec.nix:\n%s", recorded.Files["spec.nix"])
	}
	for _, g := range []*Flake{plain} {
		if bytes.Contains(g.Files["spec.nix"], []byte("profile")) || len(g.Files) != len(f.Files)-1 {
			t.Errorf("a spec without a profile renders one:\n%s", g.Files["spec.nix"])
		}
	}
	// Another file under the pinned name, or one recorded for another build, is refused.
	os.WriteFile(filepath.Join(dir, "p.tar.gz"), append(profile, 0), 0o644)
	if _, err := Render(s); err == nil || !strings.Contains(err.Error(), "has sha256") {
		t.Errorf("a changed profile file: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "p.tar.gz"), profile, 0o644)
	s.Build.March = "x86-64-v3"
	if _, err := Render(s); err == nil || !strings.Contains(err.Error(), "recorded for another build") {
		t.Errorf("a profile of the baseline, for x86-64-v3: %v", err)
	}
}

// TestValidatedURLsFetch: Validate accepts a source URL exactly when the generated flake's
// fetch evaluates and Nix names its store path the URL's file name (the name kiln's
// prefetch and mirror give it too); Nix names it the URL's text after its last /, query,
// fragment and %-escapes included.
func TestValidatedURLsFetch(t *testing.T) {
	testenv.Require(t, "nix-instantiate")
	const dir = "https://www.haproxy.org/download/3.0/src/"
	for _, c := range []struct {
		url string
		ok  bool
	}{
		{dir + "haproxy-3.0.11.tar.gz", true},
		{dir + "haproxy-3.0.11.tar.gz?mirror=eu&ts=1", false}, // Nix refuses '&' in a name
		{dir + "haproxy-3.0.11.tar.gz?mirror=eu", false},      // a name, but not the file's
		{dir + "haproxy-3.0.11.tar.gz#sha", false},
		{dir + "haproxy%2B3.0.11.tar.gz", false},
	} {
		s := spec.Default()
		s.Package.URL = c.url
		err := s.Validate()
		if c.ok != (err == nil) {
			t.Errorf("%s: Validate = %v, want ok = %v", c.url, err, c.ok)
		}
		f, err := Render(s)
		if err != nil {
			t.Fatal(err)
		}
		flake := filepath.Join(t.TempDir(), "flake")
		if err := f.Write(flake); err != nil {
			t.Fatal(err)
		}
		expr := fmt.Sprintf(`(import %s/flakes/lib/fetch.nix (import %s/spec.nix).package.source).drvPath`, flake, flake)
		out, err := nixInstantiate("--readonly-mode", "--eval", "-E", expr)
		u, _ := url.Parse(c.url)
		named := err == nil && strings.HasSuffix(strings.TrimSpace(string(out)), "-"+path.Base(u.Path)+`.drv"`)
		if c.ok != named {
			t.Errorf("%s: Validate ok = %v, but the fetch evaluates to %s (%v); named the file name %s: %v", c.url, c.ok, bytes.TrimSpace(out), err, path.Base(u.Path), named)
		}
	}
}
