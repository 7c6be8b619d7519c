package nixgen

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyFence: spec decoding and Nix rendering stay free of the image, registry and
// nix-running code, so the spec → flake step can be reused (and audited) on its own.
func TestDependencyFence(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/kilnbuild/kiln/nixgen/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/kilnbuild/kiln/orchestrator", "github.com/kilnbuild/kiln/cache", "github.com/google/go-containerregistry", "os/exec"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("nixgen depends on %s", dep)
			}
		}
	}
}
