package orchestrator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kilnbuild/kiln/flakes"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/attest"
	"github.com/kilnbuild/kiln/orchestrator/publish"
	"github.com/kilnbuild/kiln/orchestrator/record"
	"github.com/kilnbuild/kiln/orchestrator/sbom"
)

// AttestOptions make kiln build attach SBOMs and signed provenance to the image it writes.
type AttestOptions struct {
	// Key signs the provenance (DSSE).
	Key *attest.PrivateKey
	// Builder is who builds; its NixVersion is filled from the build. Zero: ThisBuilder.
	Builder record.Builder
	// KilnVersion is the running kiln's version.
	KilnVersion string
}

// AttestationReport is one artifact attached to the image: the --json of kiln build lists them.
type AttestationReport struct {
	// Name is what it is: provenance.dsse.json, sbom.spdx.json, sbom.cdx.json.
	Name         string `json:"name"`
	ArtifactType string `json:"artifact_type"`
	// PredicateType is the in-toto predicate of a signed statement ("" for an SBOM).
	PredicateType string `json:"predicate_type,omitempty"`
	Size          int    `json:"size"`
	SHA256        string `json:"sha256"`
	// KeyID is the signing key's ID (signed statements only).
	KeyID string `json:"key_id,omitempty"`
	// Referrers are the referrer manifest digests, one per target, in target order.
	Referrers []string `json:"referrers"`
}

// BuilderIDBase prefixes the default builder identity URI: BuilderIDBase + host name.
const BuilderIDBase = "https://github.com/kilnbuild/kiln/builder/"

// ThisBuilder is this machine's identity as a builder: its host name, kernel, and the Nix
// version a build reports (nixVersion). id "" means BuilderIDBase + the host name.
func ThisBuilder(id, nixVersion string) record.Builder {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	var u unix.Utsname
	kernel := ""
	if unix.Uname(&u) == nil {
		kernel = unix.ByteSliceToString(u.Sysname[:]) + " " + unix.ByteSliceToString(u.Release[:]) + " " + unix.ByteSliceToString(u.Machine[:])
	}
	if id == "" {
		id = BuilderIDBase + host
	}
	return record.Builder{ID: id, Host: host, Kernel: kernel, NixVersion: nixVersion, Sandbox: true}
}

// Record is what kiln knows exactly about one packaged build: the canonical spec, the
// sources with their hashes, local patches (carried whole), image files, the closure with
// NAR hashes, the toolchain's pinned parts, the image digest and created time, the builder.
func Record(s *spec.Spec, res *Result, digest string, created time.Time, builder record.Builder, kilnVersion string) (*record.Build, error) {
	canonical, err := CanonicalSpec(s)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(canonical)
	rec := &record.Build{
		Package:     record.Package{Name: s.Package.Name, Version: s.Package.Version, License: License(s.Package.Name)},
		Spec:        record.Spec{Canonical: canonical, Digest: "sha256:" + hex.EncodeToString(sum[:])},
		Features:    s.Features,
		Image:       record.Image{Name: s.Image.Name, Tag: s.Image.Tag, Digest: digest, Created: created.UTC()},
		Builder:     builder,
		KilnVersion: kilnVersion,
	}
	if rec.Builder.NixVersion == "" {
		rec.Builder.NixVersion = res.NixVersion
	}
	versions := map[string]string{}
	for _, d := range s.Deps() {
		versions[d.Name] = d.Source.Version
	}
	for _, src := range Sources(s) {
		r := record.Source{Kind: src.Kind, Name: src.Name, Of: src.Library, URL: src.URL, SHA256: src.SHA256}
		switch src.Kind {
		case record.SourcePackage:
			r.Name, r.Version = s.Package.Name, s.Package.Version
		case record.SourceLibrary:
			r.Name, r.Version, r.Of = src.Library, versions[src.Library], ""
		}
		rec.Sources = append(rec.Sources, r)
	}
	for _, set := range s.PatchSets() {
		for i, p := range set.Patches {
			if p.File == "" {
				continue
			}
			data, err := set.Data(i)
			if err != nil {
				return nil, err
			}
			ps := sha256.Sum256(data)
			rec.Patches = append(rec.Patches, record.Patch{Name: filepath.Base(p.File), Of: set.Library, SHA256: hex.EncodeToString(ps[:]), Content: data})
		}
	}
	if pr := s.Build.Profile; pr != nil {
		data, err := s.ProfileData()
		if err != nil {
			return nil, err
		}
		rec.Profile = &record.Patch{Name: filepath.Base(pr.File), SHA256: pr.SHA256, Content: data}
	}
	for i, f := range s.Image.Files {
		data, err := s.FileData(i)
		if err != nil {
			return nil, err
		}
		fs := sha256.Sum256(data)
		rec.Files = append(rec.Files, record.File{Path: f.Path, SHA256: hex.EncodeToString(fs[:])})
	}
	for _, c := range res.Closure {
		rec.Closure = append(rec.Closure, record.StorePath{Path: c.Path, NarHash: c.NarHash, NarSize: c.NarSize})
	}
	if rec.Toolchain, err = toolchainRecord(s); err != nil {
		return nil, err
	}
	if err := rec.Check(); err != nil {
		return nil, err
	}
	return rec, nil
}

// toolchainRecord names the toolchain's pinned parts: for the pinned toolchain every Debian
// package with its version and sha256; for nixpkgs, the pinned nixpkgs.
func toolchainRecord(s *spec.Spec) (record.Toolchain, error) {
	tc := record.Toolchain{Name: string(s.Build.Toolchain), Pure: true}
	switch s.Build.Toolchain {
	case spec.ToolchainPinned:
		pins, err := flakes.PinnedToolchain()
		if err != nil {
			return tc, err
		}
		for _, name := range pins.Packages() {
			d := pins.Deb[name]
			tc.Components = append(tc.Components, record.Component{
				Name: name, Version: d.Version, SHA256: d.SHA256, URL: d.URL,
				PURL: "pkg:deb/debian/" + name + "@" + strings.ReplaceAll(d.Version, "+", "%2B") + "?arch=" + d.Arch + "&distro=debian-13",
			})
		}
	case spec.ToolchainNixpkgs:
		tc.Components = append(tc.Components, record.Component{Name: "nixpkgs", URL: s.Nixpkgs.URL})
	}
	return tc, nil
}

// attestationArtifacts makes the SBOMs and the signed provenance of rec (the provenance
// names both SBOMs by hash, so its signature covers them).
func attestationArtifacts(rec *record.Build, key *attest.PrivateKey) ([]publish.Artifact, []AttestationReport, error) {
	spdx, err := sbom.SPDX(rec)
	if err != nil {
		return nil, nil, fmt.Errorf("making the SPDX SBOM: %w", err)
	}
	cdx, err := sbom.CycloneDX(rec)
	if err != nil {
		return nil, nil, fmt.Errorf("making the CycloneDX SBOM: %w", err)
	}
	statement, err := attest.Provenance(rec,
		attest.Resource{Name: "sbom.spdx.json", MediaType: sbom.SPDXMediaType, SHA256: sha256Hex(spdx)},
		attest.Resource{Name: "sbom.cdx.json", MediaType: sbom.CycloneDXMediaType, SHA256: sha256Hex(cdx)})
	if err != nil {
		return nil, nil, err
	}
	envelope, err := attest.Sign(key, attest.PayloadType, statement)
	if err != nil {
		return nil, nil, err
	}
	arts := []publish.Artifact{
		{ArtifactType: publish.DSSEMediaType, Data: envelope, Annotations: map[string]string{attest.PredicateTypeAnnotation: attest.ProvenancePredicate}},
		{ArtifactType: sbom.SPDXMediaType, Data: spdx},
		{ArtifactType: sbom.CycloneDXMediaType, Data: cdx},
	}
	reps := []AttestationReport{
		{Name: "provenance.dsse.json", ArtifactType: publish.DSSEMediaType, PredicateType: attest.ProvenancePredicate, KeyID: key.Public().ID},
		{Name: "sbom.spdx.json", ArtifactType: sbom.SPDXMediaType},
		{Name: "sbom.cdx.json", ArtifactType: sbom.CycloneDXMediaType},
	}
	for i := range reps {
		reps[i].Size, reps[i].SHA256, reps[i].Referrers = len(arts[i].Data), sha256Hex(arts[i].Data), []string{}
	}
	return arts, reps, nil
}

// Attach attaches arts to the image at every target and records the referrer digests in reps.
func (p *Pipeline) Attach(ctx context.Context, img *Image, targets []publish.Target, arts []publish.Artifact, reps []AttestationReport) error {
	for _, t := range targets {
		start := time.Now()
		ds, err := publish.Attach(ctx, img.Image, t, arts, p.PublishOptions()...)
		if err != nil {
			return err
		}
		for i, d := range ds {
			reps[i].Referrers = append(reps[i].Referrers, d.String())
		}
		p.log.Info("attestations attached", "target", t.String(), "count", len(ds), "seconds", time.Since(start).Seconds())
	}
	return nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
