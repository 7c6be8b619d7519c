package verify

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestNixLogVersions reads the --rebuild logs real Nix versions printed (captured under
// ../nix/testdata by capture.sh): the "may not be deterministic" verdict and the kept
// build directory are found on every version, and a reproducible rebuild shows neither.
func TestNixLogVersions(t *testing.T) {
	dirs, _ := filepath.Glob("../nix/testdata/nix-*")
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
		nondet := lines(d, "rebuild-nondet.log")
		if !notDeterministic(nondet) {
			t.Errorf("%s: a differing rebuild is not seen as one:\n%s", d, strings.Join(nondet, "\n"))
		}
		if got, want := keptBuildDirs(nondet), []string{"/tmp/nix-build-kiln-capture-nondet.drv-0"}; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: kept build directories %v, want %v", d, got, want)
		}
		if check := lines(d, "rebuild-nondet.check-exists"); check[0] != "yes" {
			t.Errorf("%s: nix left no <out>.check with --keep-failed; verify needs it", d)
		}
		same := lines(d, "rebuild.log")
		if notDeterministic(same) || len(keptBuildDirs(same)) != 0 {
			t.Errorf("%s: a reproducible rebuild is seen as differing", d)
		}
	}
}

// TestKeptBuildDirNix226: Nix 2.26 can name the "build" directory inside its nix-build-…
// directory (seen when a sandbox could not be set up); the nix-build-… directory is what
// was kept. Anything not named like nix's is never returned, so never removed.
func TestKeptBuildDirNix226(t *testing.T) {
	got := keptBuildDirs([]string{
		"note: keeping build directory '/tmp/nix-build-haproxy-3.0.11.drv-0/build'",
		"note: keeping build directory '/tmp/build'",
		"note: keeping build directory 'relative/nix-build-x'",
	})
	if want := []string{"/tmp/nix-build-haproxy-3.0.11.drv-0"}; !reflect.DeepEqual(got, want) {
		t.Errorf("keptBuildDirs = %v, want %v", got, want)
	}
}
