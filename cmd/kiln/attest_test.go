package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/random"
	"golang.org/x/sys/unix"

	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator"
	"github.com/kilnbuild/kiln/orchestrator/attest"
	"github.com/kilnbuild/kiln/orchestrator/publish"
	"github.com/kilnbuild/kiln/orchestrator/publish/publishtest"
	"github.com/kilnbuild/kiln/orchestrator/record"
	"github.com/kilnbuild/kiln/orchestrator/sbom"
	"github.com/kilnbuild/kiln/orchestrator/sbom/sbomtest"
)

// attestToolchain is the toolchain the attestation tests build with; one parameter, so the
// pinned toolchain can take the host's place.
const attestToolchain = "pinned"

// TestAttestRealImage builds the default image to a registry, an OCI layout and a docker
// archive, makes its SBOMs and signed provenance from the build's record, attaches them to
// all three, and checks them with kiln's own reader and with real clients: cosign verifies
// the provenance from the registry offline with the public key, syft reads both SBOMs and
// finds the closure in them.
func TestAttestRealImage(t *testing.T) {
	testenv.Require(t, "cosign", "syft")
	ctx := context.Background()
	host := publishtest.StartRegistry(t)
	dir := t.TempDir()
	repo := host + "/kiln/haproxy"
	targets := []string{
		"oci:" + filepath.Join(dir, "oci") + ":3.0.11",
		"docker-archive:" + filepath.Join(dir, "haproxy.tar") + ":haproxy:3.0.11",
		"docker://" + repo + ":3.0.11",
	}
	args := []string{"--insecure"}
	for _, tg := range targets {
		args = append(args, "-o", tg)
	}
	b := buildImage(t, dir, nil, args...)

	s := spec.Default()
	s.Build.Toolchain = attestToolchain
	s.Nixpkgs.URL = ""
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	oci, _ := publish.ParseTarget(targets[0])
	img, err := publish.Open(ctx, oci)
	if err != nil {
		t.Fatal(err)
	}
	rec := buildRecord(t, s, b, img)

	start := time.Now()
	spdx, err := sbom.SPDX(rec)
	if err != nil {
		t.Fatal(err)
	}
	cdx, err := sbom.CycloneDX(rec)
	if err != nil {
		t.Fatal(err)
	}
	statement, err := attest.Provenance(rec,
		attest.Resource{Name: "sbom.spdx.json", MediaType: sbom.SPDXMediaType, SHA256: sha256Hex(spdx)},
		attest.Resource{Name: "sbom.cdx.json", MediaType: sbom.CycloneDXMediaType, SHA256: sha256Hex(cdx)})
	if err != nil {
		t.Fatal(err)
	}
	keys := t.TempDir()
	if _, stderr, err := kiln(t, "key", "generate", "--dir", keys, "builder-1"); err != nil {
		t.Fatalf("kiln key generate: %v\n%s", err, stderr)
	}
	key, err := attest.LoadPrivateKey(filepath.Join(keys, "builder-1.key"))
	if err != nil {
		t.Fatal(err)
	}
	envelope, err := attest.Sign(key, attest.PayloadType, statement)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sizes: SPDX %d B, CycloneDX %d B, provenance statement %d B, DSSE envelope %d B; made in %s",
		len(spdx), len(cdx), len(statement), len(envelope), time.Since(start).Round(time.Millisecond))
	arts := []publish.Artifact{
		{ArtifactType: publish.DSSEMediaType, Data: envelope, Annotations: map[string]string{"predicateType": attest.ProvenancePredicate}},
		{ArtifactType: sbom.SPDXMediaType, Data: spdx},
		{ArtifactType: sbom.CycloneDXMediaType, Data: cdx},
	}
	opts := publish.WithInsecure(true)
	for _, raw := range targets {
		tg, _ := publish.ParseTarget(raw)
		start := time.Now()
		if _, err := publish.Attach(ctx, img, tg, arts, opts); err != nil {
			t.Fatal(err)
		}
		attached := time.Since(start)
		start = time.Now()
		checkAttached(t, tg, b.Digest, key.Public(), spdx, cdx)
		t.Logf("%s: attach %s, list + verify %s", tg.Transport, attached.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	}

	// cosign, from the registry, offline, with the public key only.
	pub := filepath.Join(keys, "builder-1.pub")
	ref := repo + "@" + b.Digest
	out, err := cosign(t, "verify-attestation", "--key", pub, "--insecure-ignore-tlog", "--type", "slsaprovenance1", ref)
	if err != nil {
		t.Fatalf("cosign verify-attestation refused kiln's provenance: %v\n%s", err, out)
	}
	if !strings.Contains(out, `"payloadType":"application/vnd.in-toto+json"`) {
		t.Errorf("cosign printed no verified attestation:\n%s", out)
	}
	layoutDir := strings.Split(strings.TrimPrefix(targets[0], "oci:"), ":")[0]
	if out, err := cosign(t, "verify-attestation", "--local-image", "--key", pub, "--insecure-ignore-tlog", "--type", "slsaprovenance1", layoutDir); err != nil {
		t.Fatalf("cosign verify-attestation --local-image refused the OCI layout's provenance: %v\n%s", err, out)
	}
	other := t.TempDir()
	kiln(t, "key", "generate", "--dir", other, "stranger")
	if out, err := cosign(t, "verify-attestation", "--key", filepath.Join(other, "stranger.pub"), "--insecure-ignore-tlog", "--type", "slsaprovenance1", ref); err == nil {
		t.Errorf("cosign accepted the provenance with another key:\n%s", out)
	}

	// Bad attestations in the registry are refused with an error naming the referrer: one
	// that is not JSON, one altered after signing, and this image's provenance attached to
	// another image.
	regTarget, _ := publish.ParseTarget(targets[2])
	tampered := bytes.Replace(envelope, []byte(`"payload":"ey`), []byte(`"payload":"eX`), 1)
	if _, err := publish.Attach(ctx, img, regTarget, []publish.Artifact{
		{ArtifactType: publish.DSSEMediaType, Data: []byte("<html>not an envelope</html>")},
		{ArtifactType: publish.DSSEMediaType, Data: tampered},
	}, opts); err != nil {
		t.Fatal(err)
	}
	_, refs, err := publish.Referrers(ctx, regTarget, opts)
	if err != nil {
		t.Fatal(err)
	}
	var refusals []string
	for _, r := range refs {
		if r.ArtifactType != publish.DSSEMediaType || r.Err != nil {
			continue
		}
		_, _, err := attest.Keyring{key.Public()}.OpenProvenance(r.Name(), r.Data, b.Digest)
		var ae *attest.Error
		switch {
		case bytes.Equal(r.Data, envelope):
			if err != nil {
				t.Errorf("the good provenance: %v", err)
			}
		case err == nil:
			t.Errorf("%s accepted", r.Name())
		case !errors.As(err, &ae) || !strings.Contains(err.Error(), r.Digest.String()):
			t.Errorf("%s: error does not name it: %v", r.Name(), err)
		default:
			refusals = append(refusals, err.Error())
		}
	}
	otherImg, _ := random.Image(64, 1)
	otherRef := "docker://" + repo + ":other"
	otherTarget, _ := publish.ParseTarget(otherRef)
	if _, err := publish.Write(ctx, otherImg, otherTarget, opts); err != nil {
		t.Fatal(err)
	}
	publish.Attach(ctx, otherImg, otherTarget, arts[:1], opts)
	otherSubject, otherRefs, err := publish.Referrers(ctx, otherTarget, opts)
	if err != nil || len(otherRefs) != 1 {
		t.Fatalf("referrers of the other image: %v %v", otherRefs, err)
	}
	_, _, err = attest.Keyring{key.Public()}.OpenProvenance(otherRefs[0].Name(), otherRefs[0].Data, otherSubject.Digest.String())
	var se *attest.SubjectError
	if !errors.As(err, &se) {
		t.Errorf("provenance of %s attached to %s: got %v, want a SubjectError", b.Digest, otherSubject.Digest, err)
	} else {
		refusals = append(refusals, err.Error())
	}
	if len(refusals) != 3 {
		t.Errorf("%d refusals, want 3: %q", len(refusals), refusals)
	}
	for _, r := range refusals {
		t.Log(r)
	}

	// syft reads both SBOMs; the packages it finds are exactly the closure.
	var want []string
	for _, p := range rec.Closure {
		n, v := p.NameVersion()
		want = append(want, n+" "+v)
	}
	for name, doc := range map[string][]byte{"sbom.spdx.json": spdx, "sbom.cdx.json": cdx} {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, doc, 0o644); err != nil {
			t.Fatal(err)
		}
		got := sbomtest.SyftPackages(t, f)
		if strings.Join(got, ", ") != strings.Join(want, ", ") {
			t.Errorf("syft reads %q from %s, want the closure %q", got, name, want)
		}
	}
}

// checkAttached lists what is attached at tg and checks it the way `kiln verify REF` will:
// the provenance is signed by key and about digest, its spec is the one built, and the
// SBOMs attached are the ones it names.
func checkAttached(t *testing.T, tg publish.Target, digest string, key *attest.PublicKey, spdx, cdx []byte) {
	t.Helper()
	subject, refs, err := publish.Referrers(context.Background(), tg, publish.WithInsecure(true))
	if err != nil {
		t.Fatalf("%s: %v", tg, err)
	}
	if subject.Digest.String() != digest {
		t.Fatalf("%s: subject %s, want %s", tg, subject.Digest, digest)
	}
	got := map[string][]byte{}
	var info *attest.ProvenanceInfo
	for _, r := range refs {
		if r.Err != nil {
			t.Fatalf("%s: %v", tg, r.Err)
		}
		got[r.ArtifactType] = r.Data
		if r.ArtifactType == publish.DSSEMediaType {
			ring := attest.Keyring{key}
			if info, _, err = ring.OpenProvenance(r.Name(), r.Data, digest); err != nil {
				t.Fatalf("%s: %v", tg, err)
			}
		}
	}
	if len(refs) != 3 || info == nil || !bytes.Equal(got[sbom.SPDXMediaType], spdx) || !bytes.Equal(got[sbom.CycloneDXMediaType], cdx) {
		t.Fatalf("%s: %d referrers %v", tg, len(refs), refs)
	}
	// The spec rebuilt from the provenance is the spec built: same canonical digest (its
	// local patches, HAProxy's security fixes, come from the provenance's content).
	patches := map[string][]byte{}
	for _, d := range info.Dependencies {
		if d.GetAnnotations().GetFields()["kind"].GetStringValue() == attest.DepPatch {
			patches[d.GetDigest()["sha256"]] = d.GetContent()
		}
	}
	noFile := func(p string) ([]byte, error) { return nil, fmt.Errorf("no image file %s expected", p) }
	if embedded, err := orchestrator.EmbeddedSpec(info.Spec, info.SpecDigest, patches, noFile, t.TempDir()); err != nil {
		t.Errorf("%s: the spec in the provenance: %v", tg, err)
	} else if d, err := orchestrator.SpecDigest(embedded); err != nil || d != info.SpecDigest {
		t.Errorf("%s: embedded spec has digest %s (%v), provenance says %s", tg, d, err, info.SpecDigest)
	}
}

// buildRecord fills a record from the spec, kiln build --json and the image, the way the
// pipeline will.
func buildRecord(t *testing.T, s *spec.Spec, b *built, img interface {
	RawConfigFile() ([]byte, error)
}) *record.Build {
	t.Helper()
	canonical, err := orchestrator.CanonicalSpec(s)
	if err != nil {
		t.Fatal(err)
	}
	digest, _ := orchestrator.SpecDigest(s)
	var cfg struct {
		Created time.Time
		Config  struct{ Labels map[string]string }
	}
	raw, _ := img.RawConfigFile()
	json.Unmarshal(raw, &cfg)
	if rev := cfg.Config.Labels["org.opencontainers.image.revision"]; rev != digest {
		t.Fatalf("image revision %s, canonical spec digest %s", rev, digest)
	}
	rec := &record.Build{
		Package:     record.Package{Name: s.Package.Name, Version: s.Package.Version, License: orchestrator.License(s.Package.Name)},
		Spec:        record.Spec{Canonical: canonical, Digest: digest},
		Features:    s.Features,
		Toolchain:   hostToolchain(t),
		Image:       record.Image{Name: s.Image.Name, Tag: s.Image.Tag, Digest: b.Digest, Created: cfg.Created},
		Builder:     thisBuilder(t),
		KilnVersion: version,
	}
	deps := map[string]spec.Dep{}
	for _, d := range s.Deps() {
		deps[d.Source.URL] = d
	}
	for i, src := range orchestrator.Sources(s) {
		kind, name, ver := record.SourcePatch, src.Name, ""
		if i == 0 {
			kind, name, ver = record.SourcePackage, s.Package.Name, s.Package.Version
		} else if d, ok := deps[src.URL]; ok {
			kind, name, ver = record.SourceLibrary, d.Name, d.Source.Version
		}
		rec.Sources = append(rec.Sources, record.Source{Kind: kind, Name: name, Version: ver, URL: src.URL, SHA256: src.SHA256})
	}
	for i, p := range s.Package.Patches {
		if p.File != "" {
			data, err := s.PatchData(i)
			if err != nil {
				t.Fatal(err)
			}
			rec.Patches = append(rec.Patches, record.Patch{Name: filepath.Base(p.File), SHA256: sha256Hex(data), Content: data})
		}
	}
	for _, f := range s.Image.Files {
		data := []byte(f.Content)
		if f.Source != "" {
			data, _ = os.ReadFile(s.Resolve(f.Source))
		}
		rec.Files = append(rec.Files, record.File{Path: f.Path, SHA256: sha256Hex(data)})
	}
	for _, p := range b.Closure {
		rec.Closure = append(rec.Closure, record.StorePath{Path: p, NarHash: b.NarHashes[p]})
	}
	if err := rec.Check(); err != nil {
		t.Fatal(err)
	}
	return rec
}

// hostToolchain names the Debian packages the host toolchain compiles with.
func hostToolchain(t *testing.T) record.Toolchain {
	tc := record.Toolchain{Name: attestToolchain}
	for _, pkg := range []string{"gcc-12", "binutils", "musl-dev", "musl"} {
		out, err := exec.Command("dpkg-query", "-W", "-f", "${Version} ${Architecture}", pkg).Output()
		if err != nil {
			continue
		}
		v, arch, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
		tc.Components = append(tc.Components, record.Component{
			Name: pkg, Version: v, PURL: "pkg:deb/debian/" + pkg + "@" + strings.ReplaceAll(v, "+", "%2B") + "?arch=" + arch,
		})
	}
	if len(tc.Components) == 0 {
		t.Fatal("dpkg-query found none of the host toolchain's packages")
	}
	return tc
}

// thisBuilder is the machine's identity, as kiln build --attest will record it.
func thisBuilder(t *testing.T) record.Builder {
	hostname, _ := os.Hostname()
	var u unix.Utsname
	unix.Uname(&u)
	nixVersion, _ := exec.Command("nix", "--version").Output()
	return record.Builder{
		ID:         "https://github.com/kilnbuild/kiln/builder/" + hostname,
		Host:       hostname,
		Kernel:     unix.ByteSliceToString(u.Sysname[:]) + " " + unix.ByteSliceToString(u.Release[:]) + " " + unix.ByteSliceToString(u.Machine[:]),
		NixVersion: strings.TrimSpace(strings.TrimPrefix(string(nixVersion), "nix (Nix) ")),
		Sandbox:    true,
	}
}

// cosign runs the cosign the tests built (scripts/tools.sh) with its own empty home, so it
// finds no credentials or TUF cache of the machine's.
func cosign(t *testing.T, args ...string) (string, error) {
	home := t.TempDir()
	cmd := exec.Command("cosign", args...)
	cmd.Env = append(os.Environ(), "HOME="+home, "TUF_ROOT="+filepath.Join(home, "tuf"), "DOCKER_CONFIG="+home)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
