package nix

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// observeAll feeds log lines to a new Activity.
func observeAll(lines []string) *Activity {
	a := &Activity{}
	for _, l := range lines {
		a.observe(l)
	}
	return a
}

// TestRebuildLogVersions reads the --rebuild logs real Nix versions printed (captured in
// testdata by capture.sh): the "may not be deterministic" verdict and the kept build
// directory are found on every version, and a reproducible rebuild shows neither.
func TestRebuildLogVersions(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/nix-*")
	if len(dirs) < 2 {
		t.Fatalf("want captures of at least two Nix versions, found %v", dirs)
	}
	lines := func(dir, name string) []string {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	}
	for _, d := range dirs {
		nondet := observeAll(lines(d, "rebuild-nondet.log"))
		if len(nondet.Differs) == 0 {
			t.Errorf("%s: a differing rebuild is not seen as one", d)
		}
		if want := []string{"/tmp/nix-build-kiln-capture-nondet.drv-0"}; !reflect.DeepEqual(nondet.Kept, want) {
			t.Errorf("%s: kept build directories %v, want %v", d, nondet.Kept, want)
		}
		if check := lines(d, "rebuild-nondet.check-exists"); check[0] != "yes" {
			t.Errorf("%s: nix left no <out>.check with --keep-failed; verify needs it", d)
		}
		same := observeAll(lines(d, "rebuild.log"))
		if len(same.Differs) != 0 || len(same.Kept) != 0 {
			t.Errorf("%s: a reproducible rebuild is seen as differing", d)
		}
	}
}

// TestKeptBuildDirNix226: Nix 2.26 can name the "build" directory inside its nix-build-…
// directory; the nix-build-… directory is what was kept. Anything not named like nix's is
// never taken, so never removed.
func TestKeptBuildDirNix226(t *testing.T) {
	a := observeAll([]string{
		"note: keeping build directory '/tmp/nix-build-haproxy-3.0.11.drv-0/build'",
		"note: keeping build directory '/tmp/build'",
		"note: keeping build directory 'relative/nix-build-x'",
	})
	if want := []string{"/tmp/nix-build-haproxy-3.0.11.drv-0"}; !reflect.DeepEqual(a.Kept, want) {
		t.Errorf("Kept = %v, want %v", a.Kept, want)
	}
}
