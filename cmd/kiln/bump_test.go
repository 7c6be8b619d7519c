package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/internal/upstream/upstreamtest"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/urfave/cli/v2"
)

// checkToolchain is the toolchain bump --check builds with in the tests: one parameter,
// for when the host toolchain gives way to a pinned one.
var checkToolchain = []string{"--toolchain", "pinned"}

// outdatedJSON is the part of kiln outdated --json the tests read.
type outdatedJSON struct {
	Specs []struct {
		Spec       string `json:"spec"`
		Components []struct {
			Name           string `json:"name"`
			Version        string `json:"version"`
			Default        bool   `json:"default"`
			Patches        int    `json:"patches"`
			Branch         string `json:"branch"`
			Status         string `json:"status"`
			NewestOnBranch *struct {
				Version string `json:"version"`
				URL     string `json:"url"`
			} `json:"newest_on_branch"`
			Newest *struct {
				Version string `json:"version"`
			} `json:"newest"`
			Lifecycle struct {
				Known, LTS, EOL bool
				EOLDate         string `json:"eol_date"`
			} `json:"lifecycle"`
		} `json:"components"`
	} `json:"specs"`
	Behind    bool `json:"behind"`
	Attention bool `json:"attention"`
}

// specCopy copies a spec into a temp dir; from is relative to the repository root.
func specCopy(t *testing.T, from string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", from))
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), filepath.Base(from))
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if from == "nixgen/spec/default.toml" {
		withDefaultFiles(t, filepath.Dir(dst))
	}
	return dst
}

// kiln outdated finds the newer release on each pin's branch and ignores the next
// branches (3.1, 3.2 are newer than 3.0 but not offered); the exit status says so.
func TestOutdated(t *testing.T) {
	site := upstreamtest.New(t)
	def := specCopy(t, "nixgen/spec/default.toml")
	old := "../../testdata/specs/haproxy-2.6.12.toml" // only read
	full := "../../testdata/specs/features-full.toml"
	args := append([]string{"outdated", "--json"}, site.Flags()...)
	stdout, stderr, err := kiln(t, append(args, def, old, full)...)
	if exitCode(err) != exitBehind {
		t.Fatalf("exit %v, want %d\n%s\n%s", err, exitBehind, stdout, stderr)
	}
	var out outdatedJSON
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if !out.Behind || len(out.Specs) != 3 {
		t.Fatalf("%+v", out)
	}
	hap := out.Specs[0].Components[0]
	if hap.Name != "haproxy" || hap.Version != "3.0.11" || hap.Branch != "3.0" || hap.Status != "behind" ||
		hap.NewestOnBranch.Version != "3.0.12" || hap.Newest.Version != "3.2.4" || !hap.Lifecycle.LTS || hap.Lifecycle.EOL {
		t.Errorf("default spec's haproxy: %+v", hap)
	}
	if hap.NewestOnBranch.URL != "https://www.haproxy.org/download/3.0/src/haproxy-3.0.12.tar.gz" {
		t.Errorf("URL %s", hap.NewestOnBranch.URL)
	}
	if h := out.Specs[1].Components[0]; h.Branch != "2.6" || h.NewestOnBranch.Version != "2.6.22" {
		t.Errorf("2.6.12 spec: %+v", h)
	}
	if n := len(spec.DefaultFiles()); hap.Patches != n {
		t.Errorf("default spec's haproxy: %d patches, want %d", hap.Patches, n)
	}
	var names []string
	for _, c := range out.Specs[2].Components {
		names = append(names, fmt.Sprintf("%s=%s+%d", c.Name, c.Status, c.Patches))
		if c.Name != "haproxy" && !c.Default {
			t.Errorf("%s: features-full.toml uses kiln's default source", c.Name)
		}
	}
	wantNames := fmt.Sprintf("haproxy=behind+0 lua=behind+0 pcre2=behind+0 openssl=behind+%d", len(spec.DefaultSources[spec.DepOpenSSL].Patches))
	if got := strings.Join(names, " "); got != wantNames {
		t.Errorf("features-full.toml: %s", got)
	}
	if !strings.Contains(stderr, "kiln bump SPEC moves to them") {
		t.Errorf("stderr: %s", stderr)
	}

	// The table says the same.
	stdout, _, _ = kiln(t, append(append([]string{"outdated"}, site.Flags()...), def)...)
	for _, want := range []string{"COMPONENT", "haproxy", fmt.Sprintf("3.0.11 +%d patches", len(spec.DefaultFiles())), "3.0 (LTS, until 2029-04-01)", "3.0.12", "3.2.4", "behind"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}

	// --branch compares with another branch on purpose.
	stdout, _, _ = kiln(t, append(args, "--branch", "haproxy=3.2", def)...)
	json.Unmarshal([]byte(stdout), &out)
	if h := out.Specs[0].Components[0]; h.Branch != "3.2" || h.NewestOnBranch.Version != "3.2.4" {
		t.Errorf("--branch haproxy=3.2: %+v", h)
	}
}

// Exit 0 when current, 3 when only a person can help (a branch past its end of life).
func TestOutdatedExitStatus(t *testing.T) {
	site := upstreamtest.New(t)
	current := specCopy(t, "nixgen/spec/default.toml")
	replaceInFile(t, current, `version = "3.0.11"`, `version = "3.0.12"`)
	replaceInFile(t, current, "haproxy-3.0.11.tar.gz", "haproxy-3.0.12.tar.gz")
	replaceInFile(t, current, "a133e2d550c5fd9a849b5c7ab17bb945bcdad209ca140d41f45ebf31943ae783", "2ef3ccf966ccab7faa1ce979b71496dc4d2031fc7b87143e1e5511f289c590db")
	args := append([]string{"outdated"}, site.Flags()...)
	if stdout, stderr, err := kiln(t, append(args, current)...); err != nil {
		t.Fatalf("current spec: %v\n%s\n%s", err, stdout, stderr)
	}
	// 3.1 is past its end of life (2026-01-01 in the fixture) and 3.1.8 its newest.
	eol := specCopy(t, "nixgen/spec/default.toml")
	replaceInFile(t, eol, `version = "3.0.11"`, `version = "3.1.8"`)
	replaceInFile(t, eol, "haproxy-3.0.11.tar.gz", "haproxy-3.1.8.tar.gz")
	replaceInFile(t, eol, "/3.0/", "/3.1/")
	stdout, stderr, err := kiln(t, append(args, eol)...)
	if exitCode(err) != exitAttention || !strings.Contains(stdout, "eol") || !strings.Contains(stdout, "past its end of life") {
		t.Fatalf("EOL branch: exit %v\n%s\n%s", err, stdout, stderr)
	}
}

func TestOutdatedBadIndex(t *testing.T) {
	site := upstreamtest.New(t)
	site.Handle("/haproxy/3.0/src/releases.json", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"branch": "3.0", "latest_release": "3.0.12", "releases": [`))
	})
	_, stderr, err := kiln(t, append(append([]string{"outdated"}, site.Flags()...), "--timeout", "2s")...)
	if exitCode(err) != 1 || !strings.Contains(stderr, "malformed") || !strings.Contains(stderr, "releases.json") {
		t.Fatalf("exit %v\n%s", err, stderr)
	}
	_, stderr, err = kiln(t, "outdated", "--index-url", "haproxy=http://127.0.0.1:1", "--timeout", "2s")
	if exitCode(err) != 1 || !strings.Contains(stderr, "127.0.0.1:1") {
		t.Fatalf("unreachable: exit %v\n%s", err, stderr)
	}
	_, stderr, err = kiln(t, "outdated", "--index-url", "nginx=http://127.0.0.1:1")
	if exitCode(err) != 1 || !strings.Contains(stderr, "unknown index") {
		t.Fatalf("unknown index: exit %v\n%s", err, stderr)
	}
}

// kiln bump edits the spec in place (no build), prints the change, and refuses bad input
// leaving the file untouched. The default spec's patches are checked against the new
// tarball (the stand-in 3.0.12: 3.0.11 repacked); against a release that already carries
// them all, every one is dropped: its table cut from the spec, its file removed.
func TestBumpCommand(t *testing.T) {
	m := mirror(t)
	testenv.Require(t, "patch")

	released := specCopy(t, "nixgen/spec/default.toml")
	fixed := upstreamtest.New(t)
	fixed.AddHAProxy(t, "3.0", "3.0.12", repackHAProxy(t, patchedTarball(t, filepath.Join(m, "haproxy-3.0.11.tar.gz")), "3.0.12"), true)
	orig, _ := os.ReadFile(released)
	stdout, stderr, err := kiln(t, append(append([]string{"bump", "--dry-run"}, fixed.Flags()...), released)...)
	if now, _ := os.ReadFile(released); err != nil || !bytes.Equal(now, orig) || strings.Count(stdout, "unused patches/haproxy-3.0.11/") != len(spec.DefaultFiles()) {
		t.Fatalf("--dry-run: %v\n%s\n%s", err, stdout, stderr)
	}
	stdout, stderr, err = kiln(t, append(append([]string{"bump"}, fixed.Flags()...), released)...)
	// All of them, "MINOR: http: add a function to validate characters of :authority"
	// (package.patches[10]) included: it only adds a function that a later fix of the series
	// changed, so alone it neither reverses nor fails to apply on the release (it would
	// apply again, a second definition); taken back out after that fix, it reverses.
	n := len(spec.DefaultFiles())
	if err != nil || !strings.Contains(stdout, fmt.Sprintf("patches %d dropped: already in haproxy 3.0.12", n)) ||
		!strings.Contains(stdout, "package.patches[10] patches/haproxy-3.0.11/MINOR-http-add-a-function") {
		t.Fatalf("a release carrying the patches: %v\n%s\n%s", err, stdout, stderr)
	}
	s, err := spec.Load(released)
	if err != nil || s.Package.Version != "3.0.12" || len(s.Package.Patches) != 0 {
		t.Fatalf("written: %v", err)
	}
	text, _ := os.ReadFile(released)
	if strings.Contains(string(text), "patches") || !strings.Contains(string(text), "sha256 = ") {
		t.Errorf("the written spec still speaks of patches:\n%s", text)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(released), "patches")); !errors.Is(err, fs.ErrNotExist) || strings.Count(stdout, "removed patches/haproxy-3.0.11/") != n {
		t.Errorf("the patch files: %v\n%s", err, stdout)
	}

	file := specCopy(t, "nixgen/spec/default.toml")
	before, _ := os.ReadFile(file)
	site := upstreamtest.New(t)
	site.AddHAProxy(t, "3.0", "3.0.12", repackHAProxy(t, filepath.Join(m, "haproxy-3.0.11.tar.gz"), "3.0.12"), true)
	args := append([]string{"bump"}, site.Flags()...)

	stdout, stderr, err = kiln(t, append(args, "--dry-run", file)...)
	if err != nil || !strings.Contains(stdout, "haproxy 3.0.11 → 3.0.12") || !strings.Contains(stdout, "not written") {
		t.Fatalf("--dry-run: %v\n%s\n%s", err, stdout, stderr)
	}
	if now, _ := os.ReadFile(file); !bytes.Equal(now, before) {
		t.Fatal("--dry-run wrote the spec")
	}

	stdout, stderr, err = kiln(t, append(args, "--json", file)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var rep struct {
		Changes []struct {
			Name string
			To   struct{ Version, URL, SHA256 string }
		}
		Written bool
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || !rep.Written || len(rep.Changes) != 1 || rep.Changes[0].To.Version != "3.0.12" {
		t.Fatalf("%v\n%s", err, stdout)
	}
	after, _ := os.ReadFile(file)
	if n := len(changedLinesOf(before, after)); n != 3 {
		t.Errorf("%d lines changed, want 3", n)
	}
	// Nothing left to do: exit 0, file unchanged.
	stdout, _, err = kiln(t, append(args, file)...)
	if err != nil || !strings.Contains(stdout, "nothing to bump") {
		t.Errorf("second bump: %v\n%s", err, stdout)
	}

	// A pin newer than upstream's: a clear message, exit 1, spec untouched.
	replaceInFile(t, file, `version = "3.0.12"`, `version = "3.0.19"`)
	before, _ = os.ReadFile(file)
	_, stderr, err = kiln(t, append(args, file)...)
	if exitCode(err) != 1 || !strings.Contains(stderr, "default.toml:7: package.version: haproxy 3.0.19 is newer than anything upstream lists") {
		t.Errorf("ahead: exit %v\n%s", err, stderr)
	}
	if now, _ := os.ReadFile(file); !bytes.Equal(now, before) {
		t.Error("the spec changed")
	}
}

// kiln bump --check on a HAProxy patch release that carries the default spec's security
// fixes, as HAProxy's next 3.0 release does: the stand-in 3.0.12 (haproxy 3.0.11's tarball
// with the 15 patches applied, repacked with VERSION 3.0.12, served by the test site with
// its real sha256) is built with real nix without the patches bump drops, gated, packaged,
// rebuilt from scratch and compared; the report has both images' digests, sizes and
// hardening verdicts, the spec is written without the patches' tables and their files are
// removed: what the bump workflow commits.
func TestBumpCheck(t *testing.T) {
	m := mirror(t)
	site := upstreamtest.New(t)
	hash := site.AddHAProxy(t, "3.0", "3.0.12", repackHAProxy(t, patchedTarball(t, filepath.Join(m, "haproxy-3.0.11.tar.gz")), "3.0.12"), true)
	file := specCopy(t, "nixgen/spec/default.toml")
	args := append([]string{"bump", "--check", "--mirror", m, "--json"}, checkToolchain...)
	args = append(append(args, site.Flags()...), file)
	stdout, stderr, err := kiln(t, args...)
	if err != nil {
		t.Fatalf("kiln bump --check: %v\n%s\n%s", err, stdout, tailLines(stderr, 40))
	}
	var rep struct {
		Changes []struct {
			To      struct{ Version, SHA256 string }
			Dropped []struct{ Key, Patch string } `json:"dropped_patches"`
		}
		Removed []string `json:"removed_files"`
		Check   struct {
			Toolchain     string
			Before, After struct {
				Version          string
				Digest           string
				CompressedSize   int64 `json:"compressed_size"`
				UncompressedSize int64 `json:"uncompressed_size"`
				Rounds           int
				Reproducible     *bool
				Hardening        []struct {
					File, Type, RELRO, Canary string
					NX, Stripped              bool
				}
			}
			Delta struct{ Compressed, Uncompressed int64 }
		}
		Written bool
		Seconds float64
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	c := rep.Check
	n := len(spec.DefaultFiles())
	if len(rep.Changes) != 1 || rep.Changes[0].To.SHA256 != hash || !rep.Written || len(rep.Changes[0].Dropped) != n || len(rep.Removed) != n {
		t.Fatalf("report: %s", stdout)
	}
	if c.Toolchain != "pinned" || c.Before.Version != "3.0.11" || c.After.Version != "3.0.12" || c.After.Rounds != 2 ||
		c.After.Reproducible == nil || !*c.After.Reproducible || c.Before.Digest == c.After.Digest {
		t.Errorf("check: %+v", c)
	}
	if c.Delta.Compressed != c.After.CompressedSize-c.Before.CompressedSize || c.Delta.Uncompressed != c.After.UncompressedSize-c.Before.UncompressedSize ||
		c.Before.CompressedSize < 500_000 || c.After.UncompressedSize < 1_000_000 {
		t.Errorf("sizes: %+v %+v %+v", c.Before, c.After, c.Delta)
	}
	for _, o := range [][]struct {
		File, Type, RELRO, Canary string
		NX, Stripped              bool
	}{c.Before.Hardening, c.After.Hardening} {
		if len(o) != 1 || o[0].File != "bin/haproxy" || o[0].Type != "static-pie" || o[0].RELRO != "full" || !o[0].NX || o[0].Canary != "yes" || !o[0].Stripped {
			t.Errorf("hardening: %+v", o)
		}
	}
	if b, _ := os.ReadFile(file); !bytes.Contains(b, []byte(`version = "3.0.12"`)) || bytes.Contains(b, []byte("[[package.patches]]")) {
		t.Errorf("the spec was not written as bumped:\n%s", b)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(file), "patches")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the patches' directory: %v, want it removed", err)
	}
	t.Logf("kiln bump --check, HAProxy patch release: %.1f s from start to report (compressed %+d B, uncompressed %+d B)", rep.Seconds, c.Delta.Compressed, c.Delta.Uncompressed)
}

// repackHAProxy makes a patch-release stand-in: the tarball's files under haproxy-<v>/,
// with VERSION saying v.
func repackHAProxy(t *testing.T, from, v string) []byte {
	t.Helper()
	f, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeXGlobalHeader {
			top, rest, _ := strings.Cut(h.Name, "/")
			if !strings.HasPrefix(top, "haproxy-") {
				t.Fatalf("unexpected entry %s", h.Name)
			}
			h.Name = "haproxy-" + v + "/" + rest
			if rest == "VERSION" {
				body = []byte(v + "\n")
				h.Size = int64(len(body))
			}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// patchedTarball is the tarball at from with the default spec's patches applied, the way
// a release that carries those fixes would be.
func patchedTarball(t *testing.T, from string) string {
	t.Helper()
	var patches [][]byte
	for _, f := range spec.DefaultFiles() {
		patches = append(patches, f.Data)
	}
	return patchedAs(t, from, "", patches)
}

// patchedAs is the tarball at from with patches applied in order and its one top-level
// directory renamed to top ("" keeps it), packed again (gzip -1: a stand-in, made fast).
func patchedAs(t *testing.T, from, top string, patches [][]byte) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("tar", "-C", dir, "-xzf", from).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("%s unpacks to %v (%v)", from, entries, err)
	}
	tree := filepath.Join(dir, entries[0].Name())
	for i, p := range patches {
		cmd := exec.Command("patch", "-p1", "--forward", "--batch")
		cmd.Dir, cmd.Stdin = tree, bytes.NewReader(p)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("patch %d: %v\n%s", i, err, out)
		}
	}
	if top != "" {
		if err := os.Rename(tree, filepath.Join(dir, top)); err != nil {
			t.Fatal(err)
		}
		tree = filepath.Join(dir, top)
	}
	out := filepath.Join(t.TempDir(), "patched.tar.gz")
	cmd := exec.Command("tar", "-C", dir, "-cf", out, "--use-compress-program", "gzip -1", filepath.Base(tree))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	return out
}

// TestBumpDefaultOpenSSLKeepsItsFixes: a spec using kiln's default OpenSSL source (3.5.7
// with Debian's security fixes) bumped to a release that lacks those fixes is refused,
// every missing fix named, the spec untouched: the table bump writes carries no patches,
// so the build would silently lose them. Bumped to a release that carries them all, the
// new table is written without patches and the report says why. The stand-ins are the
// real 3.5.7 tarball renamed 3.5.8, without and with the patches, served with their sha256.
func TestBumpDefaultOpenSSLKeepsItsFixes(t *testing.T) {
	m := mirror(t)
	testenv.Require(t, "patch")
	dir := t.TempDir()
	copyDir(t, filepath.Join(specsDir, "features"), filepath.Join(dir, "features"))
	file := filepath.Join(dir, "full.toml")
	copyFile(t, fullSpec, file)
	before, _ := os.ReadFile(file)
	s, err := spec.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	var fixes [][]byte
	for i := range s.Sources.OpenSSL.Patches {
		data, err := s.LibraryPatchData(spec.DepOpenSSL, i)
		if err != nil {
			t.Fatal(err)
		}
		fixes = append(fixes, data)
	}
	n := len(fixes)
	// serve puts a stand-in 3.5.8 on a test site, its GitHub asset digest made its own.
	serve := func(tarball string) *upstreamtest.Site {
		t.Helper()
		site := upstreamtest.New(t)
		data, err := os.ReadFile(tarball)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		site.Put(t, "github-downloads/openssl/openssl/releases/download/openssl-3.5.8/openssl-3.5.8.tar.gz", data)
		index := filepath.Join(site.Dir, "github", "openssl.json")
		replaceInFile(t, index, "sha256:7bfd1d7692f1a113a4de36674a9d82fab16fdcf72d4bcfa5d5ad294118196158", "sha256:"+hex.EncodeToString(sum[:]))
		return site
	}
	bump := func(site *upstreamtest.Site) (string, string, error) {
		return kiln(t, append(append([]string{"bump", "--only", "openssl", "--to", "3.5.8"}, site.Flags()...), file)...)
	}
	tarball := filepath.Join(m, "openssl-3.5.7.tar.gz")

	_, stderr, err := bump(serve(patchedAs(t, tarball, "openssl-3.5.8", nil)))
	want := fmt.Sprintf("kiln's default openssl source carries %d patches (security fixes); %d of them are not in openssl 3.5.8", n, n)
	if exitCode(err) != 1 || !strings.Contains(stderr, want) || !strings.Contains(stderr, "Check-the-tag-on-EVP_Cipher-finalize-Poly1305-and-OCB-AEA.patch") {
		t.Errorf("a release without the fixes: exit %v, want %q\n%s", err, want, stderr)
	}
	if now, _ := os.ReadFile(file); !bytes.Equal(now, before) {
		t.Fatal("the spec changed")
	}

	stdout, stderr, err := bump(serve(patchedAs(t, tarball, "openssl-3.5.8", fixes)))
	if err != nil || !strings.Contains(stdout, fmt.Sprintf("patches kiln's default carried %d; all are in openssl 3.5.8, so the new table needs none", n)) {
		t.Fatalf("a release with the fixes: %v\n%s\n%s", err, stdout, stderr)
	}
	after, err := spec.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if o := after.Sources.OpenSSL; o.Version != "3.5.8" || len(o.Patches) != 0 {
		t.Errorf("the bumped spec pins %+v", o)
	}
}

func replaceInFile(t *testing.T, file, old, new string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s has no %q", file, old)
	}
	if err := os.WriteFile(file, bytes.ReplaceAll(b, []byte(old), []byte(new)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func changedLinesOf(a, b []byte) []string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	var out []string
	for i := range la {
		if i < len(lb) && la[i] != lb[i] {
			out = append(out, lb[i])
		}
	}
	return out
}

// --branch takes a branch of exactly the component's depth: haproxy=3 or lua=5 is refused
// with an example (upstream would list no release on "branch 5"), as is haproxy=3.0.1.
func TestBranchFlagWantsTheBranchDepth(t *testing.T) {
	parse := func(arg string) (map[string]string, error) {
		var got map[string]string
		var err error
		app := &cli.App{Commands: []*cli.Command{{
			Name:   "x",
			Flags:  []cli.Flag{branchFlag},
			Action: func(c *cli.Context) error { got, err = branches(c); return nil },
		}}}
		if rerr := app.Run([]string{"kiln", "x", "--branch", arg}); rerr != nil {
			t.Fatal(rerr)
		}
		return got, err
	}
	for _, arg := range []string{"haproxy=3.2", "lua=5.4", "openssl=3.5", "pcre2=10", "zlib=1"} {
		name, b, _ := strings.Cut(arg, "=")
		if got, err := parse(arg); err != nil || got[name] != b {
			t.Errorf("--branch %s: %v %v", arg, got, err)
		}
	}
	for arg, want := range map[string]string{
		"haproxy=3":     `--branch "haproxy=3": haproxy's branches are two numbers (MAJOR.MINOR), e.g. --branch haproxy=3.2`,
		"lua=5":         `--branch "lua=5": lua's branches are two numbers (MAJOR.MINOR), e.g. --branch lua=5.4`,
		"openssl=3":     `--branch "openssl=3": openssl's branches are two numbers (MAJOR.MINOR), e.g. --branch openssl=3.5`,
		"haproxy=3.0.1": `haproxy's branches are two numbers`,
		"haproxy=3.x":   `haproxy's branches are two numbers`,
		"pcre2=10.4":    `--branch "pcre2=10.4": pcre2's branches are one number (MAJOR), e.g. --branch pcre2=10`,
	} {
		if _, err := parse(arg); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--branch %s: got %v\nwant an error containing %q", arg, err, want)
		}
	}
}
