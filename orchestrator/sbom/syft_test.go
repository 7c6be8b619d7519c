package sbom

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/orchestrator/record"
	"github.com/kilnbuild/kiln/orchestrator/record/recordtest"
	"github.com/kilnbuild/kiln/orchestrator/sbom/sbomtest"
)

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
			got, want := sbomtest.SyftPackages(t, file), contents(rec)
			if strings.Join(got, ", ") != strings.Join(want, ", ") {
				t.Errorf("%s.%s: syft finds %q, want the image's contents %q", name, f.name, got, want)
			}
		}
	}
}
