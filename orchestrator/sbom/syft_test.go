package sbom

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/orchestrator/record"
	"github.com/kilnbuild/kiln/orchestrator/record/recordtest"
)

// SyftPackages runs `syft convert FILE -o syft-json` (syft built by scripts/tools.sh) and
// returns "name version" of every package syft reads from the SBOM.
func syftPackages(t *testing.T, file string) []string {
	t.Helper()
	cmd := exec.Command("syft", "convert", file, "-o", "syft-json")
	cmd.Env = append(os.Environ(), "SYFT_CHECK_FOR_APP_UPDATE=false", "HOME="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("syft convert %s: %v\n%s", file, err, stderr.String())
	}
	var out struct {
		Artifacts []struct{ Name, Version string }
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("syft convert %s: %v", file, err)
	}
	var pkgs []string
	for _, a := range out.Artifacts {
		pkgs = append(pkgs, a.Name+" "+a.Version)
	}
	sort.Strings(pkgs)
	return pkgs
}

// contents is what a scanner should find in rec's image: the closure's store paths and the
// libraries linked into them.
func contents(rec *record.Build) []string {
	var want []string
	for _, p := range rec.Closure {
		n, v := p.NameVersion()
		want = append(want, n+" "+v)
	}
	for _, s := range rec.Sources {
		if s.Kind == record.SourceLibrary {
			want = append(want, s.Name+" "+s.Version)
		}
	}
	sort.Strings(want)
	return want
}

// TestSyftReadsKilnSBOMs: syft reads both formats without error, and the packages it finds
// are exactly the image's contents — no toolchain, no zlib on an SLZ build.
func TestSyftReadsKilnSBOMs(t *testing.T) {
	testenv.Require(t, "syft")
	dir := t.TempDir()
	for name, rec := range map[string]*record.Build{"default": recordtest.Default(), "full": recordtest.Full()} {
		for _, f := range formats[:2] {
			doc, err := f.make(rec)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, name+"."+f.name)
			os.WriteFile(file, doc, 0o644)
			got, want := syftPackages(t, file), contents(rec)
			if strings.Join(got, ", ") != strings.Join(want, ", ") {
				t.Errorf("%s.%s: syft finds %q, want the image's contents %q", name, f.name, got, want)
			}
		}
	}
}
