package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMarchImage: build.march = "x86-64-v3", kiln init's commented example turned on, reaches
// the compiler and the image: the binary's build options say -march=x86-64-v3, it is as
// hardened as any, the image carries the dev.kiln.march label and passes the audit, and on a
// CPU that has the level the binary serves HTTP.
func TestMarchImage(t *testing.T) {
	specFile := initSpec(t, filepath.Join(t.TempDir(), "v3.toml"), `# march = "x86-64-v3"`, `march = "x86-64-v3"`)
	img := filepath.Join(t.TempDir(), "img")
	if _, stderr, err := kiln(t, "-q", "build", "--mirror", mirror(t), "-o", "oci:"+img, specFile); err != nil {
		t.Fatalf("kiln build: %v\n%s", err, tailLines(stderr, 30))
	}
	if out, stderr, err := kiln(t, "audit", "oci:"+img); err != nil {
		t.Errorf("kiln audit: %v\n%s%s", err, out, stderr)
	}
	if got := imageLabels(t, img)["dev.kiln.march"]; got != "x86-64-v3" {
		t.Errorf("dev.kiln.march = %q, want x86-64-v3", got)
	}
	bin := haproxyBin(t, specFile) // the same build, from the store
	assertStaticPIEHardened(t, bin)
	vv(t, bin, "-march=x86-64-v3")
	if missing := cpuLacks("avx2", "bmi2", "fma", "movbe"); len(missing) > 0 {
		t.Skipf("this CPU lacks %s: an x86-64-v3 binary cannot run here", strings.Join(missing, ", "))
	}
	serveAndGet(t, bin, defaultConfig(t), "kiln: haproxy is up\n")
}

// cpuLacks returns the flags of want that /proc/cpuinfo does not list for the first CPU.
func cpuLacks(want ...string) []string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return want
	}
	var have []string
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "flags" {
			have = strings.Fields(v)
			break
		}
	}
	var missing []string
	for _, w := range want {
		if !slices.Contains(have, w) {
			missing = append(missing, w)
		}
	}
	return missing
}
