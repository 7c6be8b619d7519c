package sbom

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/kilnbuild/kiln/orchestrator/record"
)

// CycloneDX returns the build's SBOM as a CycloneDX 1.6 JSON document.
func CycloneDX(rec *record.Build) ([]byte, error) {
	b, err := newBill(rec)
	if err != nil {
		return nil, err
	}
	bom := b.cyclonedx()
	first, err := encodeCycloneDX(bom)
	if err != nil {
		return nil, err
	}
	bom.SerialNumber = "urn:uuid:" + uuidFrom(contentID(first))
	return encodeCycloneDX(bom)
}

func encodeCycloneDX(bom *cdx.BOM) ([]byte, error) {
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON)
	enc.SetPretty(true).SetEscapeHTML(false)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return nil, fmt.Errorf("encoding CycloneDX: %w", err)
	}
	return buf.Bytes(), nil
}

// uuidFrom formats the first 16 bytes of sum as an RFC 9562 version 8 (custom) UUID: stable
// for the same content, unlike the random version 4 UUIDs CycloneDX tools usually mint.
func uuidFrom(sum [32]byte) string {
	u := sum[:16]
	u[6] = u[6]&0x0f | 0x80
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

func (b *bill) cyclonedx() *cdx.BOM {
	rec := b.rec
	bom := cdx.NewBOM()
	bom.SpecVersion = cdx.SpecVersion1_6
	bom.JSONSchema = "http://cyclonedx.org/schema/bom-1.6.schema.json"
	bom.Version = 1

	image := cdxComponent(b.image, cdx.ComponentTypeContainer)
	image.Hashes = &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: b.image.sha256}}
	bom.Metadata = &cdx.Metadata{
		Timestamp: rec.Image.Created.UTC().Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: "kiln", Version: rec.KilnVersion,
		}}},
		Component: &image,
		Properties: &[]cdx.Property{
			{Name: "kiln:compression", Value: compressionNote(rec.Features.Compression)},
		},
	}

	var comps []cdx.Component
	var imageDeps []string
	for i, p := range b.closure {
		typ := cdx.ComponentTypeLibrary
		if i == b.main {
			typ = cdx.ComponentTypeApplication
		}
		c := cdxComponent(p, typ)
		if src, ok := b.sourceOf[p.id]; ok {
			c.Pedigree = &cdx.Pedigree{Ancestors: &[]cdx.Component{cdxComponent(src, cdx.ComponentTypeLibrary)}}
			if ps := b.patchesOf(p.id); len(ps) > 0 {
				c.Pedigree.Patches = b.cdxPatches(ps)
			}
		}
		comps = append(comps, c)
		imageDeps = append(imageDeps, cdxRef(p.id))
	}
	var linked []string
	for _, p := range b.linked {
		c := cdxComponent(p, cdx.ComponentTypeLibrary)
		c.Pedigree = &cdx.Pedigree{Ancestors: &[]cdx.Component{cdxComponent(b.sourceOf[p.id], cdx.ComponentTypeLibrary)}}
		if ps := b.patchesOf(p.id); len(ps) > 0 {
			c.Pedigree.Patches = b.cdxPatches(ps)
		}
		comps = append(comps, c)
		linked = append(linked, cdxRef(p.id))
	}
	for _, f := range b.files {
		comps = append(comps, cdx.Component{
			BOMRef: cdxRef(f.id), Type: cdx.ComponentTypeFile, Name: f.name,
			Hashes: &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: f.sha256}},
		})
		imageDeps = append(imageDeps, cdxRef(f.id))
	}
	bom.Components = &comps

	deps := []cdx.Dependency{{Ref: cdxRef(b.image.id), Dependencies: &imageDeps}}
	if b.main >= 0 && len(linked) > 0 {
		deps = append(deps, cdx.Dependency{Ref: cdxRef(b.closure[b.main].id), Dependencies: &linked})
	} else if len(linked) > 0 {
		imageDeps = append(imageDeps, linked...)
	}
	bom.Dependencies = &deps

	// The toolchain is how the image was made, not what it contains: formulation, which
	// scanners do not read as installed software.
	tools := make([]cdx.Component, 0, len(b.tools))
	for _, t := range b.tools {
		tools = append(tools, cdxComponent(t, cdx.ComponentTypeApplication))
	}
	formula := cdx.Formula{
		BOMRef: "kiln-build",
		Properties: &[]cdx.Property{
			{Name: "kiln:spec:digest", Value: rec.Spec.Digest},
			{Name: "kiln:toolchain", Value: rec.Toolchain.Name},
			{Name: "kiln:toolchain:pure", Value: fmt.Sprint(rec.Toolchain.Pure)},
		},
	}
	if len(tools) > 0 {
		formula.Components = &tools
	}
	bom.Formulation = &[]cdx.Formula{formula}
	return bom
}

// cdxPatches lists patches applied to a source, in order; a local patch's text is
// attached, a fetched one is named by its URL.
func (b *bill) cdxPatches(patches []part) *[]cdx.Patch {
	local := map[string][]byte{}
	for _, p := range b.rec.Patches {
		local[p.SHA256] = p.Content
	}
	var out []cdx.Patch
	for _, p := range patches {
		d := &cdx.Diff{URL: p.url}
		cp := cdx.Patch{Type: cdx.PatchTypeUnofficial, Diff: d}
		if content, ok := local[p.sha256]; ok && p.url == "" {
			d.Text = &cdx.AttachedText{ContentType: "text/x-diff", Encoding: "base64", Content: base64.StdEncoding.EncodeToString(content)}
			// The CVEs it says it fixes, where a reader of pedigree looks for them.
			var issues []cdx.Issue
			for _, id := range patchResolves(content) {
				issues = append(issues, cdx.Issue{Type: cdx.IssueTypeSecurity, ID: id, Description: "fixed by " + p.name,
					Source: &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + id}})
			}
			if len(issues) > 0 {
				cp.Resolves = &issues
			}
		}
		out = append(out, cp)
	}
	return &out
}

func cdxComponent(p part, typ cdx.ComponentType) cdx.Component {
	c := cdx.Component{
		BOMRef:      cdxRef(p.id),
		Type:        typ,
		Name:        p.name,
		Version:     p.version,
		Description: p.comment,
		PackageURL:  p.purl,
		CPE:         p.cpe,
	}
	if p.sha256 != "" && typ != cdx.ComponentTypeContainer {
		c.Hashes = &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: p.sha256}}
	}
	if p.license != "" {
		c.Licenses = &cdx.Licenses{{Expression: p.license}}
	}
	var refs []cdx.ExternalReference
	if p.url != "" {
		refs = append(refs, cdx.ExternalReference{URL: p.url, Type: cdx.ERTypeDistribution})
	}
	if p.homepage != "" {
		refs = append(refs, cdx.ExternalReference{URL: p.homepage, Type: cdx.ERTypeWebsite})
	}
	if len(refs) > 0 {
		c.ExternalReferences = &refs
	}
	if len(p.props) > 0 {
		props := make([]cdx.Property, 0, len(p.props))
		for _, pr := range p.props {
			props = append(props, cdx.Property{Name: pr[0], Value: pr[1]})
		}
		c.Properties = &props
	}
	return c
}

// cdxRef is a part's bom-ref: its SPDX ID without SPDX's prefix.
func cdxRef(id string) string { return strings.TrimPrefix(id, "SPDXRef-") }
