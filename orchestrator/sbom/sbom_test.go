package sbom

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/record"
	"github.com/kilnbuild/kiln/orchestrator/record/recordtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

type format struct {
	name string
	make func(*record.Build) ([]byte, error)
}

var formats = []format{
	{"spdx.json", func(r *record.Build) ([]byte, error) { return SPDX(r) }},
	{"cdx.json", CycloneDX},
	{"tools.spdx.json", func(r *record.Build) ([]byte, error) { return SPDX(r, WithBuildTools()) }},
}

// TestGolden pins both formats for a default and a full-feature build: go test ./orchestrator/sbom -update.
func TestGolden(t *testing.T) {
	records := map[string]*record.Build{"default": recordtest.Default(), "full": recordtest.Full()}
	for name, rec := range records {
		for _, f := range formats {
			t.Run(name+"."+f.name, func(t *testing.T) {
				got, err := f.make(rec)
				if err != nil {
					t.Fatal(err)
				}
				golden := filepath.Join("testdata", name+"."+f.name)
				if *update {
					if err := os.WriteFile(golden, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./orchestrator/sbom -update)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the golden file; if intended, run go test ./orchestrator/sbom -update\n%s", golden, got)
				}
			})
		}
	}
}

// TestDeterministic: the same record gives the same bytes; any change of content gives
// another namespace / serial number.
func TestDeterministic(t *testing.T) {
	for _, f := range formats {
		a, err := f.make(recordtest.Default())
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.make(recordtest.Default())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two runs differ", f.name)
		}
		changed := recordtest.Default()
		changed.Closure[0].NarSize++
		c, err := f.make(changed)
		if err != nil {
			t.Fatal(err)
		}
		if id(t, a) == id(t, c) {
			t.Errorf("%s: different content, same document id %s", f.name, id(t, a))
		}
	}
}

// id is the SPDX namespace or the CycloneDX serial number.
func id(t *testing.T, doc []byte) string {
	var v struct {
		Namespace string `json:"documentNamespace"`
		Serial    string `json:"serialNumber"`
	}
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	return v.Namespace + v.Serial
}

// TestOfficialReaders: what the formats' own Go libraries read back has the closure, the
// linked libraries and the feature switches.
func TestOfficialReaders(t *testing.T) {
	rec := recordtest.Full()
	s, err := SPDX(rec)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := spdxjson.Read(bytes.NewReader(s))
	if err != nil {
		t.Fatalf("tools-golang cannot read kiln's SPDX: %v", err)
	}
	if doc.SPDXVersion != "SPDX-2.3" {
		t.Errorf("version %q", doc.SPDXVersion)
	}
	if !strings.Contains(doc.CreationInfo.CreatorComment, "gcc-12 12.2.0-14+deb12u1") {
		t.Errorf("creator comment does not name the toolchain: %s", doc.CreationInfo.CreatorComment)
	}
	names := map[string]string{}
	for _, p := range doc.Packages {
		names[p.PackageName+"@"+p.PackageVersion] = p.PrimaryPackagePurpose
	}
	for _, want := range []string{"haproxy@3.0.11", "openssl@3.5.7", "lua@5.4.7", "pcre2@10.46", "zlib@1.3.1"} {
		if _, ok := names[want]; !ok {
			t.Errorf("SPDX has no package %s: %v", want, names)
		}
	}

	c, err := CycloneDX(rec)
	if err != nil {
		t.Fatal(err)
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(c), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatalf("cyclonedx-go cannot read kiln's CycloneDX: %v", err)
	}
	if bom.SpecVersion != cdx.SpecVersion1_6 {
		t.Errorf("spec version %v", bom.SpecVersion)
	}
	comps := map[string]cdx.Component{}
	for _, c := range *bom.Components {
		comps[c.Name] = c
	}
	h, ok := comps["haproxy"]
	if !ok || h.CPE != "cpe:2.3:a:haproxy:haproxy:3.0.11:*:*:*:*:*:*:*" || !strings.HasPrefix(h.PackageURL, "pkg:generic/haproxy@3.0.11?") {
		t.Errorf("haproxy component: %+v", h)
	}
	if _, ok := comps["zlib"]; !ok {
		t.Errorf("zlib linked but not listed: %v", comps)
	}
	if f := (*bom.Formulation)[0]; f.Components == nil || len(*f.Components) != 2 {
		t.Errorf("formulation should hold the 2 toolchain components: %+v", f)
	}
}

// TestSLZHasNoZlib: with SLZ nothing in either document names zlib as a package, and the
// feature switch says why.
func TestSLZHasNoZlib(t *testing.T) {
	for _, f := range formats {
		doc, err := f.make(recordtest.Default())
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(doc, []byte("pkg:generic/zlib")) || bytes.Contains(doc, []byte("cpe:2.3:a:zlib")) {
			t.Errorf("%s names zlib on an SLZ build", f.name)
		}
		if !bytes.Contains(doc, []byte("kiln:feature:compression")) || !bytes.Contains(doc, []byte("zlib is not linked")) {
			t.Errorf("%s does not state the compression switch", f.name)
		}
	}
}

// A build compiled with a pinned profile says so, with the profile's sha256, on the image
// and on the built package in both formats (the image's dev.kiln.profile label says the
// same); a build without one names none.
func TestProfileIsStated(t *testing.T) {
	rec := recordtest.Default()
	content := []byte("a profile's bytes")
	h := sha256.Sum256(content)
	sum := hex.EncodeToString(h[:])
	rec.Profile = &record.Patch{Name: "speed.profile.tar.gz", SHA256: sum, Content: content}
	for _, f := range formats {
		doc, err := f.make(rec)
		if err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(doc, []byte("sha256:"+sum)); n != 2 {
			t.Errorf("%s states the profile %d times, want 2 (the image and the package)", f.name, n)
		}
		plain, err := f.make(recordtest.Default())
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(plain, []byte("kiln:build:profile")) {
			t.Errorf("%s names a profile for a build without one", f.name)
		}
	}
}

// TestBadRecord: a record with a hole is refused, naming the field.
func TestBadRecord(t *testing.T) {
	rec := recordtest.Default()
	rec.Image.Digest = "sha256:abc"
	rec.Closure[0].NarHash = "md5:nope"
	for _, f := range formats {
		_, err := f.make(rec)
		if err == nil || !strings.Contains(err.Error(), "image:") || !strings.Contains(err.Error(), "closure[0]") {
			t.Errorf("%s: got %v, want an error naming image and closure[0]", f.name, err)
		}
	}
}

// pedigreePatches are the CycloneDX pedigree patches of rec's SBOM, by component name.
func pedigreePatches(t *testing.T, rec *record.Build) map[string][]cdx.Patch {
	t.Helper()
	doc, err := CycloneDX(rec)
	if err != nil {
		t.Fatal(err)
	}
	var bom cdx.BOM
	if err := json.Unmarshal(doc, &bom); err != nil {
		t.Fatal(err)
	}
	out := map[string][]cdx.Patch{}
	for _, c := range *bom.Components {
		if c.Pedigree != nil && c.Pedigree.Patches != nil {
			out[c.Name] = *c.Pedigree.Patches
		}
	}
	return out
}

// TestLibraryPatchesArePedigree: a patch of a library's source is that library's pedigree
// (CycloneDX) and an annotation of that library's source (SPDX), never the package's.
func TestLibraryPatchesArePedigree(t *testing.T) {
	rec := recordtest.Full()
	patches := map[string]int{}
	for name, ps := range pedigreePatches(t, rec) {
		patches[name] = len(ps)
	}
	if patches["openssl"] != 1 || patches["haproxy"] != 1 || len(patches) != 2 {
		t.Errorf("CycloneDX pedigree patches by component = %v, want haproxy 1 (banner.patch), openssl 1", patches)
	}
	spdx, err := SPDX(rec)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Packages []struct {
			Name        string `json:"name"`
			Purpose     string `json:"primaryPackagePurpose"`
			Annotations []struct {
				Comment string `json:"comment"`
			} `json:"annotations"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(spdx, &d); err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, p := range d.Packages {
		if p.Purpose != "SOURCE" {
			continue
		}
		for _, a := range p.Annotations {
			if strings.Contains(a.Comment, "kiln:patch:1") {
				found[p.Name] = a.Comment
			}
		}
	}
	if !strings.Contains(found["openssl"], "Check-the-tag-on-EVP_Cipher") || !strings.Contains(found["haproxy"], "banner.patch") || len(found) != 2 {
		t.Errorf("SPDX sources' first patch annotations = %v", found)
	}
}

// TestPatchResolves: the CVEs a patch says it fixes (an upstream "Fixes CVE-…" line, Debian's
// Bug-Debian-Security header) become CycloneDX pedigree.patches[].resolves; a CVE a test
// patch only names, and anything in the diff, do not.
func TestPatchResolves(t *testing.T) {
	for content, want := range map[string]string{
		"Subject: Check the tag\n\nFixes #32258\nFixes CVE-2026-75803\n---\n x.c | 1 +\ndiff --git a/x.c b/x.c\n+/* CVE-2026-1 */\n": "CVE-2026-75803",
		"Subject: CMP\n\nFixes: CVE-2026-63073\nFixes: CVE-2026-63073\n---\n":                                                        "CVE-2026-63073",
		"Bug-Debian-Security: https://security-tracker.debian.org/tracker/CVE-2026-33555\n--- a/x\n+++ b/x\n":                        "CVE-2026-33555",
		"Subject: Add test for CVE-2026-63072\n---\n":                                                                                "",
		"--- a/x\n+++ b/x\n+Fixes CVE-2026-1111\n":                                                                                   "",
	} {
		if got := strings.Join(patchResolves([]byte(content)), " "); got != want {
			t.Errorf("%q: %q, want %q", content, got, want)
		}
	}

	// kiln's default OpenSSL patches: nine of the ten CVEs of Debian's openssl
	// 3.5.7-1~deb13u2; the tenth's fix (CVE-2026-63075, "Don't store ACK-only frames in TX
	// history for QUIC") names only the private issue it fixes, so it resolves none.
	s, err := spec.Load("../../testdata/specs/features-full.toml")
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for i := range s.Sources.OpenSSL.Patches {
		data, err := s.LibraryPatchData(spec.DepOpenSSL, i)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, patchResolves(data)...)
	}
	slices.Sort(all)
	if got := strings.Join(all, " "); got != "CVE-2026-14456 CVE-2026-14457 CVE-2026-18798 CVE-2026-54874 CVE-2026-63072 CVE-2026-63073 CVE-2026-63074 CVE-2026-63076 CVE-2026-75803" {
		t.Errorf("kiln's OpenSSL patches resolve %s", got)
	}

	rec := recordtest.Full()
	rec.Patches[len(rec.Patches)-1].Content = []byte("Subject: Check the tag\n\nFixes CVE-2026-75803\n---\n")
	resolved := map[string][]string{}
	for name, ps := range pedigreePatches(t, rec) {
		for _, p := range ps {
			if p.Resolves != nil {
				for _, i := range *p.Resolves {
					resolved[name] = append(resolved[name], string(i.Type)+" "+i.ID)
				}
			}
		}
	}
	if got := fmt.Sprint(resolved); got != "map[openssl:[security CVE-2026-75803]]" {
		t.Errorf("resolves by component: %s", got)
	}
}
