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

// SPDX returns the build's SBOM as an SPDX 2.3 JSON document.
func SPDX(rec *record.Build) ([]byte, error) {
	b, err := newBill(rec)
	if err != nil {
		return nil, err
	}
	doc := b.spdx()
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

func (b *bill) spdx() *spdx.Document {
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
				"not by scanning the image. " + compressionNote(rec.Features.Compression) + ".",
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
		add(b.sourceOf[id], "SOURCE")
	}
	for _, p := range b.patches {
		add(p, "SOURCE")
		if b.main >= 0 {
			rel(p.id, "PATCH_APPLIED", b.sourceOf[b.closure[b.main].id].id)
		}
	}
	for _, t := range b.tools {
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
