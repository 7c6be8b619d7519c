// Package sbom writes a build's software bill of materials as SPDX 2.3 JSON and CycloneDX
// 1.6 JSON, from what kiln knows exactly (a record.Build) rather than from scanning the
// image: a static binary has no package database, so scanners see nothing in a kiln image
// without these.
//
// What the image contains — the closure's store paths and the libraries statically linked
// into them — are the packages a scanner matches CVEs against; each carries a package URL
// and, for known upstreams, a CPE. The feature switches are stated on the package
// (kiln:feature:compression = slz means HAProxy's own SLZ and no zlib at all, so no zlib CVE
// applies). How it was built — source tarballs, patches, the toolchain — is recorded as
// provenance of those packages, where scanners do not read installed software: in SPDX,
// source packages related by GENERATED_FROM, patches as annotations of the source they
// apply to, the toolchain in the creator comment (as BUILD_TOOL_OF packages only with
// WithBuildTools); in CycloneDX, pedigree (ancestors, patches) and formulation (toolchain).
//
// Output is deterministic: the same record gives the same bytes. There is no random UUID or
// wall-clock time: the creation time is the image's created time, every list is sorted, IDs
// come from names and hashes, and the SPDX namespace and CycloneDX serial number are derived
// from the document's own content.
package sbom

import (
	"crypto/sha256"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/record"
)

// Media types of the two formats, as OCI artifact types and DSSE predicate consumers name them.
const (
	SPDXMediaType      = "application/spdx+json"
	CycloneDXMediaType = "application/vnd.cyclonedx+json"
)

// namespaceBase prefixes SPDX document namespaces and bom-refs of kiln's own terms.
const namespaceBase = "https://github.com/kilnbuild/kiln/sbom/"

// upstream is what kiln knows about a package it builds: its licence and how vulnerability
// databases name it.
type upstream struct {
	License    string
	CPEVendor  string
	CPEProduct string
	Homepage   string
}

// upstreams are the packages kiln's recipes build. A record's own licence wins over these.
var upstreams = map[string]upstream{
	"haproxy":       {"GPL-2.0-or-later", "haproxy", "haproxy", "https://www.haproxy.org/"},
	spec.DepLua:     {"MIT", "lua", "lua", "https://www.lua.org/"},
	spec.DepPCRE2:   {"BSD-3-Clause WITH PCRE2-exception", "pcre", "pcre2", "https://pcre2project.github.io/pcre2/"},
	spec.DepOpenSSL: {"Apache-2.0", "openssl", "openssl", "https://www.openssl.org/"},
	spec.DepZlib:    {"Zlib", "zlib", "zlib", "https://zlib.net/"},
}

// part is one package of the bill, in a form both encoders share.
type part struct {
	// id is unique in the document and stable: made of the part's kind, name and a hash.
	id      string
	name    string
	version string
	purl    string
	cpe     string
	license string
	// sha256 is the hash of the part's bytes (hex): a tarball, a patch, a toolchain file; for
	// a store path, its NAR serialisation.
	sha256   string
	url      string
	fileName string
	homepage string
	// props are name/value facts (sorted by name): features, store path, NAR size.
	props [][2]string
	// comment explains what the part is, in a sentence.
	comment string
}

// bill is a record arranged as the SBOM describes it.
type bill struct {
	rec   *record.Build
	image part
	// closure are the image's store paths; main is the index of the built package among them (-1: none).
	closure []part
	main    int
	// linked are the libraries statically linked into the main package.
	linked []part
	// sourceOf is the source tarball each built part (the main store path, a linked
	// library) was compiled from, by part id.
	sourceOf map[string]part
	// patches are applied to a source, in order: the main package's (key "") and each
	// linked library's (key: its name).
	patches map[string][]part
	files   []part
	tools   []part
}

// patchedName names what a patch applies to: the package, or the library of.
func patchedName(rec *record.Build, of string) string {
	if of == "" {
		return rec.Package.Name
	}
	return of
}

// patchesOf are the patches applied to the source of a built part: the main package's or a
// linked library's.
func (b *bill) patchesOf(id string) []part {
	if b.main >= 0 && id == b.closure[b.main].id {
		return b.patches[""]
	}
	for _, l := range b.linked {
		if l.id == id {
			return b.patches[l.name]
		}
	}
	return nil
}

// newBill arranges rec. rec must pass Check.
func newBill(rec *record.Build) (*bill, error) {
	if err := rec.Check(); err != nil {
		return nil, err
	}
	b := &bill{rec: rec, main: -1, sourceOf: map[string]part{}, patches: map[string][]part{}}
	img := rec.Image
	b.image = part{
		id:      "SPDXRef-Image",
		name:    img.Name,
		version: img.Tag,
		purl:    purl("oci", img.Name, img.Digest, map[string]string{"tag": img.Tag}),
		sha256:  img.DigestHex(),
		comment: "OCI image built by kiln; sha256 is its manifest digest",
		props:   featureProps(rec),
	}
	if img.Tag == "" {
		b.image.purl = purl("oci", img.Name, img.Digest, nil)
	}

	var pkgSource *record.Source
	for i := range rec.Sources {
		if rec.Sources[i].Kind == record.SourcePackage {
			pkgSource = &rec.Sources[i]
			break
		}
	}
	for _, sp := range rec.Closure {
		name, version := sp.NameVersion()
		nar, _ := sp.NarSHA256() // checked by rec.Check
		p := part{
			id:      "SPDXRef-StorePath-" + sp.HashPart(),
			name:    name,
			version: version,
			sha256:  nar,
			props:   [][2]string{{"kiln:nix:narSize", fmt.Sprint(sp.NarSize)}, {"kiln:nix:storePath", sp.Path}},
			comment: "Nix store path in the image; sha256 is its NAR hash",
			purl:    purl("generic", name, version, nil),
		}
		if name == rec.Package.Name && version == rec.Package.Version && pkgSource != nil {
			b.main = len(b.closure)
			b.describeUpstream(&p, name, version, rec.Package.License, *pkgSource)
			p.props = append(p.props, featureProps(rec)...)
			sortProps(p.props)
			src := sourcePart(*pkgSource, rec.Package.License)
			b.sourceOf[p.id] = src
		}
		b.closure = append(b.closure, p)
	}
	for _, s := range rec.Sources {
		switch s.Kind {
		case record.SourceLibrary:
			p := part{
				id:      "SPDXRef-Library-" + idSafe(s.Name) + "-" + s.SHA256[:16],
				name:    s.Name,
				version: s.Version,
				comment: "library statically linked into " + rec.Package.Name,
			}
			b.describeUpstream(&p, s.Name, s.Version, s.License, s)
			b.linked = append(b.linked, p)
			b.sourceOf[p.id] = sourcePart(s, p.license)
		case record.SourcePatch:
			b.patches[s.Of] = append(b.patches[s.Of], part{
				id: "SPDXRef-Patch-" + s.SHA256[:16], name: s.FileName(), fileName: s.FileName(),
				url: s.URL, sha256: s.SHA256, comment: "patch applied to " + patchedName(rec, s.Of) + "'s source",
			})
		}
	}
	for _, p := range rec.Patches {
		b.patches[p.Of] = append(b.patches[p.Of], part{
			id: "SPDXRef-Patch-" + p.SHA256[:16], name: p.Name, fileName: p.Name, sha256: p.SHA256,
			comment: "local patch applied to " + patchedName(rec, p.Of) + "'s source (its content is in the provenance)",
		})
	}
	for _, f := range rec.Files {
		b.files = append(b.files, part{id: "SPDXRef-File-" + f.SHA256[:16] + "-" + idSafe(f.Path), name: f.Path, sha256: f.SHA256})
	}
	sort.Slice(b.files, func(i, j int) bool { return b.files[i].name < b.files[j].name })
	seen := map[string]int{}
	for _, c := range rec.Toolchain.Components {
		id := "SPDXRef-Tool-" + idSafe(c.Name)
		if c.Version != "" {
			id += "-" + idSafe(c.Version)
		}
		if seen[id]++; seen[id] > 1 {
			id += fmt.Sprintf("-%d", seen[id])
		}
		p := part{
			id: id, name: c.Name, version: c.Version, sha256: c.SHA256, url: c.URL, license: c.License,
			purl:    c.PURL,
			comment: "part of the " + rec.Toolchain.Name + " toolchain that compiled " + rec.Package.Name + " (build time only; not in the image)",
		}
		if p.purl == "" {
			q := map[string]string{}
			if c.URL != "" {
				q["download_url"] = c.URL
			}
			if c.SHA256 != "" {
				q["checksum"] = "sha256:" + c.SHA256
			}
			p.purl = purl("generic", c.Name, c.Version, q)
		}
		b.tools = append(b.tools, p)
	}
	sort.SliceStable(b.tools, func(i, j int) bool { return b.tools[i].id < b.tools[j].id })
	return b, nil
}

// describeUpstream fills a built package's names from what kiln knows of its upstream and
// the source it was built from.
func (b *bill) describeUpstream(p *part, name, version, license string, src record.Source) {
	u := upstreams[name]
	if license == "" {
		license = u.License
	}
	p.license = license
	p.homepage = u.Homepage
	p.url = src.URL
	p.purl = purl("generic", name, version, map[string]string{"download_url": src.URL, "checksum": "sha256:" + src.SHA256})
	if u.CPEProduct != "" {
		p.cpe = fmt.Sprintf("cpe:2.3:a:%s:%s:%s:*:*:*:*:*:*:*", u.CPEVendor, u.CPEProduct, cpeEscape(version))
	}
}

// sourcePart is the source tarball a package was built from.
func sourcePart(s record.Source, license string) part {
	if s.License != "" {
		license = s.License
	}
	if license == "" {
		license = upstreams[s.Name].License
	}
	return part{
		id:       "SPDXRef-Source-" + idSafe(s.Name) + "-" + s.SHA256[:16],
		name:     s.Name,
		version:  s.Version,
		fileName: s.FileName(),
		url:      s.URL,
		sha256:   s.SHA256,
		license:  license,
		purl:     purl("generic", s.Name, s.Version, map[string]string{"download_url": s.URL, "checksum": "sha256:" + s.SHA256}),
		comment:  "source tarball, pinned by sha256 in the spec",
	}
}

// featureProps states the spec's feature switches, so a reader knows what is not in the
// binary as well as what is, and the pinned profile the compiler read (build.profile), if
// any: a build input that shapes the machine code as much as a flag does (its bytes are in
// the provenance).
func featureProps(rec *record.Build) [][2]string {
	f := rec.Features
	c := string(f.Compression)
	if c == "" {
		c = "none"
	}
	props := [][2]string{
		{"kiln:feature:compression", c},
		{"kiln:feature:lua", fmt.Sprint(f.Lua)},
		{"kiln:feature:openssl", fmt.Sprint(f.OpenSSL)},
		{"kiln:feature:pcre2", fmt.Sprint(f.PCRE2)},
		{"kiln:feature:pcre2_jit", fmt.Sprint(f.PCRE2JIT)},
		{"kiln:feature:promex", fmt.Sprint(f.Promex)},
		{"kiln:spec:digest", rec.Spec.Digest},
		{"kiln:toolchain", rec.Toolchain.Name},
		{"kiln:toolchain:pure", fmt.Sprint(rec.Toolchain.Pure)},
	}
	if p := rec.Profile; p != nil {
		props = append(props, [2]string{"kiln:build:profile", "sha256:" + p.SHA256})
	}
	sortProps(props)
	return props
}

func sortProps(p [][2]string) {
	sort.SliceStable(p, func(i, j int) bool { return p[i][0] < p[j][0] })
}

// compressionNote is what the compression switch means for a scanner, in a sentence.
func compressionNote(c spec.Compression) string {
	switch c {
	case spec.CompressionSLZ, "":
		return "HTTP compression by HAProxy's built-in SLZ; zlib is not linked"
	case spec.CompressionZlib:
		return "HTTP compression by zlib (statically linked)"
	}
	return "no HTTP compression; zlib is not linked"
}

// purl renders a package URL with qualifiers sorted by key.
func purl(typ, name, version string, qualifiers map[string]string) string {
	var q packageurl.Qualifiers
	if len(qualifiers) > 0 {
		q = packageurl.QualifiersFromMap(qualifiers)
	}
	return packageurl.NewPackageURL(typ, "", name, version, q, "").ToString()
}

var idUnsafe = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// idSafe makes s usable in an SPDX ID (letters, digits, '.', '-').
func idSafe(s string) string { return strings.Trim(idUnsafe.ReplaceAllString(s, "-"), "-") }

// cpeEscape escapes the characters CPE 2.3 formatted strings reserve.
func cpeEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// contentID is the sha256 of b: what namespaces and serial numbers are derived from.
func contentID(b []byte) [32]byte { return sha256.Sum256(b) }
