package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/kilnbuild/kiln/internal/files"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/attest"
)

// debianPackaging is Debian 13's packaging of the default spec's HAProxy, whose security
// patches the default spec carries (scripts/sources.sh puts it in the mirror, by sha256).
const debianPackaging = "haproxy_3.0.11-1+deb13u3.debian.tar.xz"

// TestDefaultPatchesAreDebians: the patches the default spec applies are, byte for byte and
// in the same order, every upstream fix in Debian's series (its "0001-" files; the rest
// are Debian's own packaging: systemd units, its Makefile), so "as Debian ships them" is
// checked, not claimed, and a fix Debian carries is not left out.
func TestDefaultPatchesAreDebians(t *testing.T) {
	dir, series := debianSeries(t, debianPackaging)
	var upstream []string
	for _, line := range series {
		if strings.HasPrefix(line, "0001-") {
			upstream = append(upstream, line)
		}
	}
	ours := spec.DefaultFiles()
	if len(ours) != len(upstream) || len(ours) == 0 {
		t.Fatalf("the default spec applies %d patches, Debian's series has %d upstream fixes: %q", len(ours), len(upstream), upstream)
	}
	for i, f := range ours {
		if want := "0001-" + path.Base(f.Name); want != upstream[i] {
			t.Errorf("package.patches[%d] is %s; Debian's series has %s there", i, f.Name, upstream[i])
			continue
		}
		deb, err := os.ReadFile(filepath.Join(dir, "debian/patches", upstream[i]))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(deb, f.Data) {
			t.Errorf("package.patches[%d] %s differs from Debian's %s", i, f.Name, upstream[i])
		}
	}
	// kiln init writes the same bytes the embedded default spec builds with.
	initDir := t.TempDir()
	if _, stderr, err := kiln(t, "init", filepath.Join(initDir, "kiln.toml")); err != nil {
		t.Fatalf("kiln init: %v\n%s", err, stderr)
	}
	for _, f := range ours {
		got, err := files.ReadFile(filepath.Join(initDir, filepath.FromSlash(f.Name)), 1<<20)
		if err != nil || !bytes.Equal(got, f.Data) {
			t.Errorf("kiln init wrote %s with other content (%v)", f.Name, err)
		}
	}
}

// debianSeries unpacks debian/patches of a Debian packaging tarball in the mirror and
// returns where, with its series (one patch name per line, in order).
func debianSeries(t *testing.T, name string) (dir string, series []string) {
	t.Helper()
	tarball := filepath.Join(mirror(t), name)
	if _, err := os.Stat(tarball); err != nil {
		t.Fatalf("%v (make sources puts it there)", err)
	}
	dir = t.TempDir()
	if out, err := exec.Command("tar", "-C", dir, "-xJf", tarball, "debian/patches").CombinedOutput(); err != nil {
		t.Fatalf("unpacking %s: %v\n%s", name, err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "debian/patches/series"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			series = append(series, line)
		}
	}
	return dir, series
}

// debianOpenSSL is Debian 13's packaging of kiln's default OpenSSL source, 3.5.7, whose
// security fixes the default [sources.openssl] carries; opensslFirstFix is the first patch
// of its series that revision (trixie-security) added: Debian's own packaging patches, and
// those 3.5.7-1~deb13u1 carried, come before it.
const (
	debianOpenSSL   = "openssl_3.5.7-1~deb13u2.debian.tar.xz"
	opensslFirstFix = "Avoid-double-free-of-qrx-in-port_default_packet_handler.patch"
)

// TestDefaultOpenSSLPatchesAreDebians: the patches kiln's default OpenSSL source applies are,
// byte for byte and in order, every patch of Debian's series from its security update's
// first on, so a fix Debian adds later (a new revision, appended) fails this until kiln
// carries it too.
func TestDefaultOpenSSLPatchesAreDebians(t *testing.T) {
	dir, series := debianSeries(t, debianOpenSSL)
	first := slices.Index(series, opensslFirstFix)
	if first < 0 {
		t.Fatalf("Debian's series has no %s: %q", opensslFirstFix, series)
	}
	fixes := series[first:]
	s, err := spec.Load(fullSpec)
	if err != nil {
		t.Fatal(err)
	}
	ours := s.Sources.OpenSSL.Patches
	if len(ours) != len(fixes) {
		t.Fatalf("the default [sources.openssl] applies %d patches, Debian's security update %d: %q", len(ours), len(fixes), fixes)
	}
	for i, p := range ours {
		if path.Base(p.File) != fixes[i] {
			t.Errorf("sources.openssl.patches[%d] is %s; Debian's series has %s there", i, p.File, fixes[i])
			continue
		}
		got, err := s.LibraryPatchData(spec.DepOpenSSL, i)
		if err != nil {
			t.Fatal(err)
		}
		deb, err := os.ReadFile(filepath.Join(dir, "debian/patches", fixes[i]))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(deb, got) {
			t.Errorf("sources.openssl.patches[%d] %s differs from Debian's", i, p.File)
		}
	}
}

// TestDefaultOpenSSLRejectsForgedAEADTags: the OpenSSL kiln builds carries the fixes, not
// just their files. CVE-2026-75803: OpenSSL 3.5.7 as released lets EVP_Cipher() finish the
// decryption of an empty ChaCha20-Poly1305 or AES-OCB message without checking the tag it
// was given, so any tag is accepted. A program compiled with the pinned toolchain against
// the full spec's OpenSSL (kiln's default source: patched) must reject a forged tag; the
// same spec with [sources.openssl] pinning 3.5.7 without patches must accept it, or this
// test could not tell the two apart.
func TestDefaultOpenSSLRejectsForgedAEADTags(t *testing.T) {
	haproxyBin(t, fullSpec) // the shared build: seeds the sources, builds the patched OpenSSL
	var genStderr string
	check := func(specFile string) string {
		t.Helper()
		flake := filepath.Join(t.TempDir(), "flake")
		var err error
		if _, genStderr, err = kiln(t, "gen", "-o", flake, specFile); err != nil {
			t.Fatalf("kiln gen: %v\n%s", err, genStderr)
		}
		for _, f := range []string{"check.nix", "aead.sh", "aead.c"} {
			copyFile(t, filepath.Join("../../testdata/aead-check", f), filepath.Join(flake, f))
		}
		out := nixCmd(t, "build", "--no-link", "--json", "-f", filepath.Join(flake, "check.nix"))
		var res []struct{ Outputs map[string]string }
		if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 1 {
			t.Fatalf("nix build --json: %v: %s", err, out)
		}
		report, err := os.ReadFile(res[0].Outputs["out"])
		if err != nil {
			t.Fatal(err)
		}
		return string(report)
	}
	want := func(report, verdict string) {
		t.Helper()
		for _, c := range []string{"ChaCha20-Poly1305", "AES-128-OCB"} {
			if line := c + ": tag accepted, forged tag " + verdict; !strings.Contains(report, line+"\n") {
				t.Errorf("want %q in the report:\n%s", line, report)
			}
		}
	}
	want(check(fullSpec), "rejected")
	if strings.Contains(genStderr, "warning") {
		t.Errorf("kiln gen warns about kiln's default source:\n%s", genStderr)
	}

	// The control: the same spec, its OpenSSL pinned by hand without Debian's patches.
	dir := t.TempDir()
	copyDir(t, filepath.Join(specsDir, "features"), filepath.Join(dir, "features"))
	doc, err := os.ReadFile(fullSpec)
	if err != nil {
		t.Fatal(err)
	}
	def := spec.DefaultSources[spec.DepOpenSSL]
	doc = fmt.Appendf(doc, "\n[sources.openssl]\nversion = %q\nurl = %q\nsha256 = %q\n", def.Version, def.URL, def.SHA256)
	unpatched := filepath.Join(dir, "unpatched.toml")
	if err := os.WriteFile(unpatched, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	want(check(unpatched), "accepted")
	// Every command that loads such a spec says what it lacks.
	n := len(def.Patches)
	if w := fmt.Sprintf("kiln: warning: %s:%d: sources.openssl pins kiln's default openssl 3.5.7 tarball without %d of the %d patches", unpatched, bytes.Count(doc, []byte("\n")), n, n); !strings.Contains(genStderr, w) {
		t.Errorf("kiln gen of a table without kiln's fixes: want %q in\n%s", w, genStderr)
	}
}

// TestDefaultBinaryRejectsForbiddenAuthority: the default build carries the fixes, not
// just their files: HAProxy 3.0.11 as released answers 200 to a request whose Host or
// authority holds a comma or a space (a request smuggling and cache poisoning vector, fixed
// by "BUG/MAJOR: http: forbid comma character in authority value" and "BUG/MEDIUM:
// h1/h2/h3: reject forbidden chars in the Host header"); the patched one answers 400.
func TestDefaultBinaryRejectsForbiddenAuthority(t *testing.T) {
	bin := haproxyBin(t, "")
	addr := freeAddr(t)
	cmd := exec.Command(bin, "-db", "-f", writeConfig(t, defaultConfig(t), addr))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGUSR1)
		cmd.Wait()
	}()
	for req, want := range map[string]string{
		"GET / HTTP/1.1\r\nHost: kiln.example\r\n\r\n":  "HTTP/1.1 200 OK",
		"GET / HTTP/1.1\r\nHost: a,b\r\n\r\n":           "HTTP/1.1 400 Bad request",
		"GET http://a,b/ HTTP/1.1\r\nHost: a,b\r\n\r\n": "HTTP/1.1 400 Bad request",
		"GET / HTTP/1.1\r\nHost: a b\r\n\r\n":           "HTTP/1.1 400 Bad request",
	} {
		if got := statusLine(t, addr, req, logs.String); got != want {
			t.Errorf("%q: %s, want %s", req, got, want)
		}
	}
}

// TestFullImageRebuildsFromItsProvenance: an image whose OpenSSL is kiln's default source
// (its patches kiln's own files, beside no spec) is rebuilt by kiln verify from the image
// alone: its provenance carries every library patch (annotated with the library), the
// embedded canonical spec names their hashes, and the rebuild gives the same digest (a
// cache hit here: the shared full build is in the store).
func TestFullImageRebuildsFromItsProvenance(t *testing.T) {
	m := mirror(t)
	haproxyBin(t, fullSpec)
	keys := keyPairs(t, "builder")
	layout := "oci:" + filepath.Join(t.TempDir(), "oci")
	stdout, stderr, err := kiln(t, "-q", "build", "--toolchain", testToolchain, "--mirror", m, "--attest", "--sign-key", keys["builder"]+".key",
		"-o", layout, "--json", fullSpec)
	if err != nil {
		t.Fatalf("kiln build --attest: %v\n%s", err, tailLines(stderr, 30))
	}
	var b attestBuildJSON
	if err := json.Unmarshal([]byte(stdout), &b); err != nil {
		t.Fatalf("kiln build --json: %v\n%s", err, stdout)
	}
	v, code, _ := verifyImage(t, "--mirror", m, "--trusted-key", keys["builder"]+".pub", layout)
	if code != 0 || v.Rebuild == nil || v.Rebuild.Predicate.Result != attest.ResultMatch || v.Rebuild.Predicate.RebuiltDigest != b.Digest {
		t.Fatalf("kiln verify from the image (exit %d): %+v", code, v)
	}
}
