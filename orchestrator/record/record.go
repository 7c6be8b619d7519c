// Package record is what kiln knows exactly about one build — the canonical spec, the
// sources and patches with their hashes, the toolchain, the feature switches, the closure
// and the image — as one plain value. The SBOM (package sbom) and the provenance (package
// attest) are both made from it, so they can never disagree about what was built.
package record

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/kilnbuild/kiln/cache"
	"github.com/kilnbuild/kiln/nixgen/spec"
)

// Build is one build's record. The pipeline fills it after the image is assembled; nothing
// in it is looked up again by the packages that read it.
type Build struct {
	// Package is the software built (haproxy).
	Package Package
	// Spec is the canonical spec the build came from.
	Spec Spec
	// Features are the spec's feature switches (compression library, Lua, PCRE2, OpenSSL…).
	Features spec.Features
	// Sources are every download the build used, in spec order: the package, its fetched
	// patches, the libraries of enabled features.
	Sources []Source
	// Patches are the spec's local patch files: the package's, then each library's, each in
	// the order they are applied.
	Patches []Patch
	// Profile is the spec's pinned profile (build.profile), nil without one. Carried whole,
	// like a local patch: rebuilding the image needs it, and the image does not hold it.
	Profile *Patch
	// Files are the files the spec adds to the image (image.files, image.ca_bundle).
	Files []File
	// Closure is the image's Nix store closure, sorted by path.
	Closure []StorePath
	// Toolchain is what compiled the package.
	Toolchain Toolchain
	// Image is the image the build produced.
	Image Image
	// Builder says who built it.
	Builder Builder
	// KilnVersion is the version of the kiln binary that built it.
	KilnVersion string
	// Started and Finished bound the build; zero when unknown (they are left out then, so
	// records of the same build made at different times stay byte-identical).
	Started, Finished time.Time
}

// Package names the built software and its licence.
type Package struct {
	Name    string
	Version string
	// License is an SPDX licence expression ("" = unknown: NOASSERTION).
	License string
}

// Spec is the canonical spec: JSON with every default filled in and the hash of every file
// it names (orchestrator.CanonicalSpec), and its digest, which is the image's revision label.
type Spec struct {
	Canonical json.RawMessage
	// Digest is "sha256:" + the hex sha256 of Canonical.
	Digest string
}

// SourceKind says what a download is for.
type SourceKind string

// The kinds of download a build uses.
const (
	// SourcePackage is the built package's source tarball.
	SourcePackage SourceKind = "package"
	// SourcePatch is a fetched patch applied to the package's source.
	SourcePatch SourceKind = "patch"
	// SourceLibrary is the source of a library an enabled feature links statically.
	SourceLibrary SourceKind = "library"
)

// Source is one pinned download.
type Source struct {
	Kind SourceKind
	// Name is the package or library name ("haproxy", "openssl"); for a patch, the file name.
	Name string
	// Of is, for a patch, the library whose source it is applied to ("" = the package's).
	Of      string
	Version string
	URL     string
	// SHA256 is the download's sha256, lower-case hex.
	SHA256 string
	// License is an SPDX licence expression ("" = unknown).
	License string
}

// FileName is the download's file name: the URL's last element (also its store path name).
func (s Source) FileName() string {
	u := s.URL
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	return path.Base(u)
}

// Patch is a local patch file, carried whole: a stranger rebuilding from the provenance has
// no other way to get it.
type Patch struct {
	// Name is the patch's file name as the spec gives it.
	Name string
	// Of is the library whose source it is applied to ("" = the package's).
	Of string
	// SHA256 is the sha256 of Content, lower-case hex.
	SHA256  string
	Content []byte
}

// File is a file the spec adds to the image.
type File struct {
	Path   string
	SHA256 string
}

// StorePath is one path of the image's closure.
type StorePath struct {
	Path string
	// NarHash is the NAR hash as nix prints it (sha256:<nix32> or SRI sha256-<base64>).
	NarHash string
	NarSize int64
}

// NarSHA256 is the NAR hash as lower-case hex.
func (p StorePath) NarSHA256() (string, error) {
	h, err := cache.ParseHash(p.NarHash)
	if err != nil {
		return "", fmt.Errorf("store path %s: NAR hash: %w", p.Path, err)
	}
	if h.Algo != "sha256" {
		return "", fmt.Errorf("store path %s: NAR hash is %s, not sha256", p.Path, h.Algo)
	}
	return hex.EncodeToString(h.Digest), nil
}

// storeNameRe splits /nix/store/<hash>-<name>.
var storeNameRe = regexp.MustCompile(`^/nix/store/([0-9a-df-np-sv-z]{32})-(.+)$`)

// HashPart is the store path's 32-character hash.
func (p StorePath) HashPart() string {
	if m := storeNameRe.FindStringSubmatch(p.Path); m != nil {
		return m[1]
	}
	return ""
}

// NameVersion splits the store path's name the way Nix's parseDrvName does: the version
// starts at the first dash followed by a digit ("haproxy-3.0.11" → haproxy, 3.0.11).
func (p StorePath) NameVersion() (name, version string) {
	full := path.Base(p.Path)
	if m := storeNameRe.FindStringSubmatch(p.Path); m != nil {
		full = m[2]
	}
	for i := 0; i+1 < len(full); i++ {
		if full[i] == '-' && full[i+1] >= '0' && full[i+1] <= '9' {
			return full[:i], full[i+1:]
		}
	}
	return full, ""
}

// Toolchain is what compiled the package: its kind (host, pinned, nixpkgs) and the pinned
// components it is made of. The toolchain's owner fills Components; a toolchain that cannot
// name its parts (host) says so with Pure = false.
type Toolchain struct {
	Name string
	// Pure is true when every component is pinned by hash (the build does not depend on the
	// machine it ran on).
	Pure       bool
	Components []Component
}

// Component is one part of the toolchain: a compiler, binutils, musl, a Debian package…
type Component struct {
	Name    string
	Version string
	// SHA256 is the hash of what was fetched (a .deb, a tarball), lower-case hex.
	SHA256 string
	// URL is where it was fetched from ("" for a host tool).
	URL string
	// PURL is its package URL, e.g. pkg:deb/debian/gcc-14@14.2.0-19?arch=amd64 (""
	// = pkg:generic/NAME@VERSION with URL and SHA256 as qualifiers).
	PURL string
	// License is an SPDX licence expression ("" = unknown).
	License string
}

// Image is the image the build produced.
type Image struct {
	// Name and Tag are the spec's image.name and image.tag.
	Name, Tag string
	// Digest is the image manifest's digest, "sha256:<hex>".
	Digest string
	// Created is the image's one created time; the SBOMs carry it too.
	Created time.Time
}

// DigestHex is the hex part of the image digest.
func (i Image) DigestHex() string { return strings.TrimPrefix(i.Digest, "sha256:") }

// Builder identifies who built: the machine and how its Nix was set up.
type Builder struct {
	// ID is the builder's identity URI (runDetails.builder.id), e.g.
	// https://github.com/kilnbuild/kiln/builder/HOSTNAME.
	ID         string
	Host       string
	Kernel     string
	NixVersion string
	// Sandbox is whether Nix's build sandbox was on.
	Sandbox bool
}

var (
	hexRe    = regexp.MustCompile(`^[0-9a-f]{64}$`)
	digestRe = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
)

// Check reports the first thing missing or malformed in b, naming the field. SBOMs and
// provenance are made only from records that pass.
func (b *Build) Check() error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if b.Package.Name == "" || b.Package.Version == "" {
		bad("package: name and version are required")
	}
	if !digestRe.MatchString(b.Spec.Digest) {
		bad("spec.digest %q: want sha256:<64 hex>", b.Spec.Digest)
	}
	if !json.Valid(b.Spec.Canonical) || len(b.Spec.Canonical) == 0 || b.Spec.Canonical[0] != '{' {
		bad("spec.canonical: not a JSON object")
	}
	if len(b.Sources) == 0 {
		bad("sources: none (the package's own source is always one)")
	}
	for i, s := range b.Sources {
		if s.Name == "" || s.URL == "" || !hexRe.MatchString(s.SHA256) {
			bad("sources[%d]: name, url and a 64-hex sha256 are required (got %q %q %q)", i, s.Name, s.URL, s.SHA256)
		}
	}
	for i, p := range b.Patches {
		if p.Name == "" || !hexRe.MatchString(p.SHA256) {
			bad("patches[%d]: name and a 64-hex sha256 are required", i)
		}
	}
	if p := b.Profile; p != nil && (p.Name == "" || !hexRe.MatchString(p.SHA256)) {
		bad("profile: name and a 64-hex sha256 are required")
	}
	for i, f := range b.Files {
		if !strings.HasPrefix(f.Path, "/") || !hexRe.MatchString(f.SHA256) {
			bad("files[%d]: an absolute path and a 64-hex sha256 are required (got %q)", i, f.Path)
		}
	}
	if len(b.Closure) == 0 {
		bad("closure: empty")
	}
	for i, p := range b.Closure {
		if p.HashPart() == "" {
			bad("closure[%d]: %q is not a /nix/store path", i, p.Path)
		} else if _, err := p.NarSHA256(); err != nil {
			bad("closure[%d]: %v", i, err)
		}
	}
	if b.Toolchain.Name == "" {
		bad("toolchain: name is required")
	}
	for i, c := range b.Toolchain.Components {
		if c.Name == "" || (c.SHA256 != "" && !hexRe.MatchString(c.SHA256)) {
			bad("toolchain.components[%d]: a name is required and sha256 must be 64 hex (got %q %q)", i, c.Name, c.SHA256)
		}
	}
	if b.Image.Name == "" || !digestRe.MatchString(b.Image.Digest) {
		bad("image: name and a sha256:<64 hex> digest are required (got %q %q)", b.Image.Name, b.Image.Digest)
	}
	if b.Image.Created.IsZero() {
		bad("image.created: required (the SBOMs' creation time)")
	}
	if b.Builder.ID == "" {
		bad("builder.id: required")
	}
	if b.KilnVersion == "" {
		bad("kiln_version: required")
	}
	if len(problems) > 0 {
		return fmt.Errorf("build record: %s", strings.Join(problems, "; "))
	}
	return nil
}
