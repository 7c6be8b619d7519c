package orchestrator

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kilnbuild/kiln/nixgen/spec"
)

// TestSourcesListFeatureLibraries: every library an enabled feature links is in the bill of
// materials, named as the mirror names it (scripts/sources.sh), so --mirror seeds it.
func TestSourcesListFeatureLibraries(t *testing.T) {
	s, err := spec.Load("../testdata/specs/features-full.toml")
	if err != nil {
		t.Fatal(err)
	}
	s.Features.Compression = spec.CompressionZlib
	def := spec.DefaultSources[spec.DepZlib]
	s.Sources.Zlib = &def
	var names []string
	for _, src := range Sources(s) {
		names = append(names, src.Name)
	}
	want := "haproxy-3.0.11.tar.gz lua-5.4.7.tar.gz pcre2-10.46.tar.gz openssl-3.5.7.tar.gz zlib-1.3.1.tar.gz"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("Sources = %s\nwant %s", got, want)
	}
	if n := len(Sources(spec.Default())); n != 1 {
		t.Errorf("the default spec (no libraries) has %d sources, want 1", n)
	}
}

// TestImageLabelsNameDeps: the image says which libraries it links, which CA bundle it
// carries and, built for a later x86-64 level, which; an image without them has none of
// those labels.
func TestImageLabelsNameDeps(t *testing.T) {
	dir := t.TempDir()
	pem := []byte("test bundle\n")
	os.WriteFile(filepath.Join(dir, "ca.pem"), pem, 0o644)
	sum := sha256.Sum256(pem)
	doc, err := os.ReadFile("../testdata/specs/features-full.toml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(doc), "pcre2 = true", "pcre2 = true\npcre2_jit = true", 1)
	text = strings.Replace(text, "[build]", "[build]\nmarch = \"x86-64-v3\"", 1)
	text += "\n[image.ca_bundle]\nsource = \"" + filepath.Join(dir, "ca.pem") + "\"\nsha256 = \"" + hex.EncodeToString(sum[:]) + "\"\n"
	specDir, _ := filepath.Abs("../testdata/specs")
	s, err := spec.Parse("full.toml", specDir, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	s.Image.Entrypoint = []string{"/bin/haproxy"}
	rootfs, cfg, err := ImageInput(s, &Result{}, dir, time.Unix(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Labels["dev.kiln.deps"]; got != "lua 5.4.7, pcre2 10.46 (jit), openssl 3.5.7" {
		t.Errorf("dev.kiln.deps = %q", got)
	}
	if got := cfg.Labels["dev.kiln.ca_bundle"]; got != spec.DefaultCABundlePath+" sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("dev.kiln.ca_bundle = %q", got)
	}
	if got := cfg.Labels["dev.kiln.march"]; got != "x86-64-v3" {
		t.Errorf("dev.kiln.march = %q", got)
	}
	var found bool
	for _, f := range rootfs.Files {
		if f.Path == spec.DefaultCABundlePath {
			found = string(f.Data) == string(pem) && f.Mode == 0o444
		}
	}
	if !found {
		t.Errorf("the CA bundle is not an image file at %s with mode 0444: %+v", spec.DefaultCABundlePath, rootfs.Files)
	}

	def := spec.Default()
	def.Image.Entrypoint = []string{"/bin/haproxy"}
	_, cfg, err = ImageInput(def, &Result{}, dir, time.Unix(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"dev.kiln.deps", "dev.kiln.ca_bundle", "dev.kiln.march", "dev.kiln.profile"} {
		if v, ok := cfg.Labels[l]; ok {
			t.Errorf("the default image has %s = %q", l, v)
		}
	}
}

// TestMarchBaselineIsOneSpec: build.march = "x86-64", the baseline named, is the spec that
// leaves the key out: the same canonical spec, so the same revision label and image digest.
func TestMarchBaselineIsOneSpec(t *testing.T) {
	digest := func(doc string) string {
		t.Helper()
		s, err := spec.ParseDefault("m.toml", []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		d, err := SpecDigest(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	example := `# march = "x86-64-v3"`
	if !strings.Contains(string(spec.DefaultTOML), example) {
		t.Fatalf("kiln init's spec has no %q", example)
	}
	left := digest(string(spec.DefaultTOML))
	if named := digest(strings.Replace(string(spec.DefaultTOML), example, `march = "x86-64"`, 1)); named != left {
		t.Errorf("march = \"x86-64\" gives spec digest %s, leaving it out %s", named, left)
	}
	if v3 := digest(strings.Replace(string(spec.DefaultTOML), example, `march = "x86-64-v3"`, 1)); v3 == left {
		t.Errorf("march = \"x86-64-v3\" gives the baseline's spec digest %s", v3)
	}
}
