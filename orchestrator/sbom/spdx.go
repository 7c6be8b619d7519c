package sbom

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/kilnbuild/kiln/orchestrator/record"
)

// noAssertion is SPDX's "the document says nothing about this".
const noAssertion = "NOASSERTION"

// SPDXOption tunes SPDX.
type SPDXOption func(*spdxOptions)

type spdxOptions struct{ buildTools bool }

// WithBuildTools lists the toolchain's components as SPDX packages (BUILD_TOOL_OF the built
// packages). Off by default: SPDX has no section for how something was built, and scanners
// (syft, grype) read every package as present in the image, so a Debian gcc package would
// have its CVEs reported against an image that holds no compiler. The components are in the
// document's creator comment either way, in CycloneDX's formulation, and in the provenance.
func WithBuildTools() SPDXOption { return func(o *spdxOptions) { o.buildTools = true } }

// SPDX returns the build's SBOM as an SPDX 2.3 JSON document.
func SPDX(rec *record.Build, opts ...SPDXOption) ([]byte, error) {
	var o spdxOptions
	for _, opt := range opts {
		opt(&o)
	}
	b, err := newBill(rec)
	if err != nil {
		return nil, err
	}
	doc := b.spdx(o)
	// The namespace must be unique per document: derive it from the document itself.
	first, err := encodeSPDX(doc)
	if err != nil {
		return nil, err
	}
	sum := contentID(first)
	doc.DocumentNamespace = namespaceBase + idSafe(doc.DocumentName) + "-" + hex.EncodeToString(sum[:16])
	return encodeSPDX(doc)
}

func encodeSPDX(doc *spdx.Document) ([]byte, error) {
	var buf bytes.Buffer
	if err := spdxjson.Write(doc, &buf, spdxjson.Indent("  "), spdxjson.EscapeHTML(false)); err != nil {
		return nil, fmt.Errorf("encoding SPDX: %w", err)
	}
	return buf.Bytes(), nil
}

func (b *bill) spdx(o spdxOptions) *spdx.Document {
	rec := b.rec
	name := rec.Image.Name
	if rec.Image.Tag != "" {
		name += "-" + rec.Image.Tag
	}
	doc := &spdx.Document{
		SPDXVersion:    spdx.Version,
		DataLicense:    spdx.DataLicense,
		SPDXIdentifier: "DOCUMENT",
		DocumentName:   name,
		CreationInfo: &spdx.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: "kiln-" + rec.KilnVersion}},
			Created:  rec.Image.Created.UTC().Format(time.RFC3339),
			CreatorComment: "Made by kiln from the build's record (spec, sources, patches, toolchain, closure), " +
				"not by scanning the image. " + compressionNote(rec.Features.Compression) + ". " + b.toolchainNote(),
		},
	}
	rel := func(a, typ, c string) {
		doc.Relationships = append(doc.Relationships, &spdx.Relationship{
			RefA: common.MakeDocElementID("", strings.TrimPrefix(a, "SPDXRef-")), RefB: common.MakeDocElementID("", strings.TrimPrefix(c, "SPDXRef-")), Relationship: typ,
		})
	}
	created := rec.Image.Created.UTC().Format(time.RFC3339)
	add := func(p part, purpose string) {
		doc.Packages = append(doc.Packages, spdxPackage(p, purpose, rec.KilnVersion, created))
	}

	img := b.image
	if len(b.files) > 0 {
		var fs []string
		for _, f := range b.files {
			fs = append(fs, f.name+" (sha256:"+f.sha256+")")
		}
		img.comment += "; files added by the spec: " + strings.Join(fs, ", ")
	}
	add(img, "CONTAINER")
	rel("SPDXRef-DOCUMENT", "DESCRIBES", img.id)

	builtFrom := []string{} // ids the toolchain built
	for i, p := range b.closure {
		purpose := "OTHER"
		if i == b.main {
			purpose = "APPLICATION"
		}
		add(p, purpose)
		rel(img.id, "CONTAINS", p.id)
		if src, ok := b.sourceOf[p.id]; ok {
			builtFrom = append(builtFrom, p.id)
			rel(p.id, "GENERATED_FROM", src.id)
		}
	}
	for _, p := range b.linked {
		add(p, "LIBRARY")
		if b.main >= 0 {
			rel(b.closure[b.main].id, "STATIC_LINK", p.id)
		} else {
			rel(img.id, "CONTAINS", p.id)
		}
		builtFrom = append(builtFrom, p.id)
		rel(p.id, "GENERATED_FROM", b.sourceOf[p.id].id)
	}
	for _, id := range builtFrom {
		src := b.sourceOf[id]
		if ps := b.patchesOf(id); len(ps) > 0 {
			// Patches are annotations of the source they are applied to, in order: as
			// packages of their own, scanners would list them as installed software.
			src.props = append([][2]string(nil), src.props...)
			for i, p := range ps {
				v := p.name + " sha256:" + p.sha256
				if p.url != "" {
					v += " " + p.url
				}
				src.props = append(src.props, [2]string{fmt.Sprintf("kiln:patch:%d", i+1), v})
			}
		}
		add(src, "SOURCE")
	}
	for _, t := range b.tools {
		if !o.buildTools {
			break
		}
		add(t, "APPLICATION")
		for _, id := range builtFrom {
			rel(t.id, "BUILD_TOOL_OF", id)
		}
	}
	return doc
}

func spdxPackage(p part, purpose, kilnVersion, created string) *spdx.Package {
	pkg := &spdx.Package{
		PackageName:               p.name,
		PackageSPDXIdentifier:     common.ElementID(strings.TrimPrefix(p.id, "SPDXRef-")),
		PackageVersion:            p.version,
		PackageFileName:           p.fileName,
		PackageDownloadLocation:   noAssertion,
		FilesAnalyzed:             false,
		IsFilesAnalyzedTagPresent: true,
		PackageHomePage:           p.homepage,
		PackageLicenseConcluded:   noAssertion,
		PackageLicenseDeclared:    noAssertion,
		PackageCopyrightText:      noAssertion,
		PackageComment:            p.comment,
		PrimaryPackagePurpose:     purpose,
	}
	if p.url != "" {
		pkg.PackageDownloadLocation = p.url
	}
	if p.license != "" {
		pkg.PackageLicenseDeclared = p.license
	}
	if p.sha256 != "" {
		pkg.PackageChecksums = []common.Checksum{{Algorithm: common.SHA256, Value: p.sha256}}
	}
	if p.purl != "" {
		pkg.PackageExternalReferences = append(pkg.PackageExternalReferences, &spdx.PackageExternalReference{
			Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: p.purl,
		})
	}
	if p.cpe != "" {
		pkg.PackageExternalReferences = append(pkg.PackageExternalReferences, &spdx.PackageExternalReference{
			Category: common.CategorySecurity, RefType: common.TypeSecurityCPE23Type, Locator: p.cpe,
		})
	}
	// Facts without an SPDX field of their own (feature switches, the store path) are
	// annotations: "name=value", one each.
	for _, pr := range p.props {
		pkg.Annotations = append(pkg.Annotations, spdx.Annotation{
			Annotator:         common.Annotator{AnnotatorType: "Tool", Annotator: "kiln-" + kilnVersion},
			AnnotationDate:    created,
			AnnotationType:    "OTHER",
			AnnotationComment: pr[0] + "=" + pr[1],
		})
	}
	return pkg
}

// toolchainNote names the toolchain and its components in a sentence.
func (b *bill) toolchainNote() string {
	tc := b.rec.Toolchain
	pure := "pinned by hash"
	if !tc.Pure {
		pure = "not pinned: the builder's own"
	}
	var parts []string
	for _, t := range b.tools {
		parts = append(parts, strings.TrimSpace(t.name+" "+t.version))
	}
	note := fmt.Sprintf("Compiled with the %s toolchain (%s)", tc.Name, pure)
	if len(parts) > 0 {
		note += ": " + strings.Join(parts, ", ")
	}
	return note + "."
}
