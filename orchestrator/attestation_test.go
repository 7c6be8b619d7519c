package orchestrator

import (
	"strings"
	"testing"
	"time"

	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/attest"
	"github.com/kilnbuild/kiln/orchestrator/nix"
	"github.com/kilnbuild/kiln/orchestrator/publish"
	"github.com/kilnbuild/kiln/orchestrator/sbom"
)

// TestRecordAndArtifacts: the record the pipeline makes of a build names the pinned
// toolchain's every .deb, the spec's local patch (carried whole) and image file; the signed
// provenance made from it opens with the key, embeds the canonical spec and names both
// SBOMs by hash, and the same build gives the same bytes.
func TestRecordAndArtifacts(t *testing.T) {
	s, err := spec.Load("../testdata/specs/nondeterministic.toml")
	if err != nil {
		t.Fatal(err)
	}
	res := &Result{Spec: s, NixVersion: "2.8.0", Closure: []nix.PathInfo{{
		Path:    "/nix/store/16wbxxk43cqlhv505ywzjb9ayd9q6mxc-haproxy-2.6.12",
		NarHash: "sha256:1m0ld6hn6k7nmzxcwz6ha7d8kz4yn3jw3lw4g3j2y5sqhm8jxcq7", NarSize: 2166112,
	}}}
	digest := "sha256:" + strings.Repeat("ab", 32)
	builder := ThisBuilder("https://example.org/b1", "")
	rec, err := Record(s, res, digest, time.Unix(1, 0), builder, "0.1.0-test")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Builder.NixVersion != "2.8.0" || rec.Builder.ID != "https://example.org/b1" || rec.Builder.Host == "" || rec.Builder.Kernel == "" {
		t.Errorf("builder %+v", rec.Builder)
	}
	if len(rec.Patches) != 1 || rec.Patches[0].Name != "build-time.patch" || len(rec.Patches[0].Content) == 0 {
		t.Errorf("patches %+v", rec.Patches)
	}
	if len(rec.Files) != 1 || rec.Files[0].Path != "/etc/haproxy/haproxy.cfg" {
		t.Errorf("files %+v", rec.Files)
	}
	if rec.Toolchain.Name != "pinned" || len(rec.Toolchain.Components) < 10 {
		t.Fatalf("toolchain %s with %d components", rec.Toolchain.Name, len(rec.Toolchain.Components))
	}
	for _, c := range rec.Toolchain.Components {
		if len(c.SHA256) != 64 || !strings.HasPrefix(c.PURL, "pkg:deb/debian/"+c.Name+"@") || c.URL == "" {
			t.Errorf("toolchain component %+v", c)
		}
	}
	key, _ := attest.GenerateKey(attest.Ed25519)
	arts, reps, err := attestationArtifacts(rec, key)
	if err != nil {
		t.Fatal(err)
	}
	again, _, _ := attestationArtifacts(rec, key)
	for i := range arts {
		if string(arts[i].Data) != string(again[i].Data) {
			t.Errorf("%s: two runs give different bytes", reps[i].Name)
		}
	}
	if arts[0].ArtifactType != publish.DSSEMediaType || arts[1].ArtifactType != sbom.SPDXMediaType || arts[2].ArtifactType != sbom.CycloneDXMediaType {
		t.Fatalf("artifacts %v", reps)
	}
	info, _, err := attest.Keyring{key.Public()}.OpenProvenance("test", arts[0].Data, digest)
	if err != nil {
		t.Fatal(err)
	}
	if info.SpecDigest != rec.Spec.Digest || info.StorePaths[res.Closure[0].Path] == "" {
		t.Errorf("provenance: spec %s, store paths %v", info.SpecDigest, info.StorePaths)
	}
	named := 0
	for _, d := range info.Dependencies {
		if d.GetAnnotations().GetFields()["kind"].GetStringValue() == attest.DepPatch && string(d.GetContent()) == string(rec.Patches[0].Content) {
			named++
		}
	}
	if named != 1 {
		t.Error("the local patch is not carried in the provenance")
	}
}
