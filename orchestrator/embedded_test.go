package orchestrator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/internal/pgo"
	"github.com/kilnbuild/kiln/internal/pgo/pgotest"
	"github.com/kilnbuild/kiln/nixgen/spec"
)

// TestEmbeddedSpecRoundTrip: a spec with a local patch and an image file read from a file
// comes back from its canonical form — the patch from the provenance, the file from the
// image — with the same digest; a file changed in the image, a missing patch and an
// altered spec are refused.
func TestEmbeddedSpecRoundTrip(t *testing.T) {
	s, err := spec.Load("../testdata/specs/nondeterministic.toml")
	if err != nil {
		t.Fatal(err)
	}
	canonical, err := CanonicalSpec(s)
	if err != nil {
		t.Fatal(err)
	}
	digest, _ := SpecDigest(s)
	patch, err := s.PatchData(0)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(patch)
	patches := map[string][]byte{hex.EncodeToString(sum[:]): patch}
	cfg, err := s.FileData(0)
	if err != nil {
		t.Fatal(err)
	}
	files := func(p string) ([]byte, error) {
		if p != s.Image.Files[0].Path {
			return nil, errors.New("not in the image")
		}
		return cfg, nil
	}
	got, err := EmbeddedSpec(canonical, digest, patches, files, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := SpecDigest(got); d != digest {
		t.Fatalf("round trip: digest %s, want %s", d, digest)
	}
	if data, _ := got.PatchData(0); string(data) != string(patch) {
		t.Error("the patch written is not the provenance's")
	}

	changed := func(string) ([]byte, error) { return append([]byte("# changed\n"), cfg...), nil }
	if _, err := EmbeddedSpec(canonical, digest, patches, changed, t.TempDir()); err == nil || !strings.Contains(err.Error(), "the spec pins") {
		t.Errorf("a changed image file: %v", err)
	}
	if _, err := EmbeddedSpec(canonical, digest, nil, files, t.TempDir()); err == nil || !strings.Contains(err.Error(), "not carried by the provenance") {
		t.Errorf("a missing patch: %v", err)
	}
	altered := []byte(strings.Replace(string(canonical), `"Version":"2.6.12"`, `"Version":"2.6.13"`, 1))
	if _, err := EmbeddedSpec(altered, digest, patches, files, t.TempDir()); err == nil || !strings.Contains(err.Error(), "but the provenance says") {
		t.Errorf("an altered spec: %v", err)
	}
	if _, err := EmbeddedSpec([]byte(`{"Package":{},"Unknown":1}`), digest, nil, files, t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a kiln canonical spec") {
		t.Errorf("an unknown field: %v", err)
	}
	escape := []byte(strings.Replace(string(canonical), `"File":"patches/build-time.patch"`, `"File":"../../etc/x.patch"`, 1))
	dir := t.TempDir()
	if _, err := EmbeddedSpec(escape, digest, patches, files, filepath.Join(dir, "spec")); err == nil || !strings.Contains(err.Error(), "not a path inside") {
		t.Errorf("a patch path leaving the directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "etc")); err == nil {
		t.Error("a file was written outside the spec's directory")
	}
}

// TestEmbeddedSpecCarriesProfile: a spec with a pinned profile comes back from its
// canonical form (which names the profile by sha256 alone) with the profile the
// provenance carries, the same digest, and a profile kiln can build with; without the
// profile it is refused.
func TestEmbeddedSpecCarriesProfile(t *testing.T) {
	dir := t.TempDir()
	_, pinned, profile := pgotest.Pinned(t, dir, "mine.tar.gz")
	sum := sha256.Sum256(profile)
	h := hex.EncodeToString(sum[:])
	s, err := spec.Parse("s.toml", dir, []byte(pinned))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	canonical, err := CanonicalSpec(s)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(canonical), "mine.tar.gz") {
		t.Errorf("the canonical spec names where the profile lives: %s", canonical)
	}
	digest, _ := SpecDigest(s)
	got, err := EmbeddedSpec(canonical, digest, map[string][]byte{h: profile}, nil, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := SpecDigest(got); d != digest {
		t.Fatalf("round trip: digest %s, want %s", d, digest)
	}
	data, err := got.ProfileData()
	if err != nil || !bytes.Equal(data, profile) {
		t.Fatalf("the profile written is not the provenance's: %v", err)
	}
	if err := pgo.Check(data, got); err != nil {
		t.Errorf("the rebuilt spec cannot use its profile: %v", err)
	}
	if _, err := EmbeddedSpec(canonical, digest, nil, nil, t.TempDir()); err == nil || !strings.Contains(err.Error(), "build.profile (sha256 "+h+") is not carried") {
		t.Errorf("no profile in the provenance: %v", err)
	}
}

// TestEmbeddedSpecCarriesLibraryPatches: a spec whose OpenSSL is kiln's default source
// (its patches kiln's own files, beside no spec) comes back from its canonical form with
// every library patch written from the provenance, the same digest and the same patch
// contents; without them it is refused, naming the library's key. A spec with no patched
// library has no library_patch_hashes at all, so its digest is what it always was.
func TestEmbeddedSpecCarriesLibraryPatches(t *testing.T) {
	s, err := spec.Load("../testdata/specs/features-full.toml")
	if err != nil {
		t.Fatal(err)
	}
	n := len(s.Sources.OpenSSL.Patches)
	if n == 0 {
		t.Fatal("the default OpenSSL source carries no patches")
	}
	canonical, err := CanonicalSpec(s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(canonical), `"library_patch_hashes":{"openssl":[`) {
		t.Fatalf("the canonical spec has no OpenSSL patch hashes: %s", canonical)
	}
	digest, _ := SpecDigest(s)
	patches := map[string][]byte{}
	for i := range n {
		data, err := s.LibraryPatchData(spec.DepOpenSSL, i)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		patches[hex.EncodeToString(sum[:])] = data
	}
	files := func(p string) ([]byte, error) {
		for i, f := range s.Image.Files {
			if f.Path == p {
				return s.FileData(i)
			}
		}
		return nil, errors.New("not in the image")
	}
	got, err := EmbeddedSpec(canonical, digest, patches, files, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := SpecDigest(got); d != digest {
		t.Fatalf("round trip: digest %s, want %s", d, digest)
	}
	for i := range n {
		a, _ := s.LibraryPatchData(spec.DepOpenSSL, i)
		b, err := got.LibraryPatchData(spec.DepOpenSSL, i)
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("sources.openssl.patches[%d] written is not the provenance's (%v)", i, err)
		}
	}
	if _, err := EmbeddedSpec(canonical, digest, nil, files, t.TempDir()); err == nil || !strings.Contains(err.Error(), "sources.openssl.patches[0]") {
		t.Errorf("library patches missing from the provenance: %v", err)
	}

	plain, err := spec.Load("../testdata/specs/nondeterministic.toml")
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := CanonicalSpec(plain); strings.Contains(string(c), "library_patch_hashes") {
		t.Errorf("a spec without patched libraries names library_patch_hashes: %s", c)
	}
}
