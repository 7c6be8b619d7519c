package spec

import (
	"fmt"
	"slices"
)

// Source pins the source of a library an optional feature links: the tarball Nix fetches
// (the store path is named after the URL's last element, which is also the file name
// `kiln build --mirror` looks for), its sha256, and the version that names the library's
// store path and the image's dev.kiln.deps label.
type Source struct {
	Version string `toml:"version"`
	URL     string `toml:"url"`
	SHA256  string `toml:"sha256"`
	// Patches are applied to the library's source, in order (patch -p1), before it is
	// built: local files beside the spec or fetched ones, like package.patches. A
	// [sources.<name>] table replaces kiln's default whole, its patches included.
	Patches []Patch `toml:"patches" json:",omitempty"`
}

// Sources are the [sources.<library>] tables. A library's source is used only when its
// feature is on; when the feature is on and the table is absent, the pinned default of
// DefaultSources applies.
type Sources struct {
	Lua     *Source `toml:"lua" json:",omitempty"`
	PCRE2   *Source `toml:"pcre2" json:",omitempty"`
	OpenSSL *Source `toml:"openssl" json:",omitempty"`
	Zlib    *Source `toml:"zlib" json:",omitempty"`
}

// The libraries optional features link, by the name used in [sources.<name>], in the flake
// (packages.<system>.<name>) and in the dev.kiln.deps label.
const (
	DepLua     = "lua"
	DepPCRE2   = "pcre2"
	DepOpenSSL = "openssl"
	DepZlib    = "zlib"
)

// DefaultSources are the library sources a spec gets when it turns a feature on without a
// [sources.<name>] table. Their sha256 are those of Debian 13's orig tarballs, which are
// upstream's tarballs byte for byte — except zlib's (see below) — and their patches are the
// security fixes Debian 13 applies to that version (kiln's own files, embedded under
// patches/<name>-<version>/; a test compares them with Debian's packaging). They are part
// of the spec format: changing one changes what existing specs build.
var DefaultSources = map[string]Source{
	DepLua: {Version: "5.4.7", URL: "https://www.lua.org/ftp/lua-5.4.7.tar.gz",
		SHA256: "9fbf5e28ef86c69858f6d3d34eccc32e911c1a28b4120ff3e84aaa70cfbf1e30"},
	DepPCRE2: {Version: "10.46", URL: "https://github.com/PCRE2Project/pcre2/releases/download/pcre2-10.46/pcre2-10.46.tar.gz",
		SHA256: "8d28d7f2c3b970c3a4bf3776bcbb5adfc923183ce74bc8df1ebaad8c1985bd07"},
	DepOpenSSL: {Version: "3.5.7", URL: "https://github.com/openssl/openssl/releases/download/openssl-3.5.7/openssl-3.5.7.tar.gz",
		SHA256: "a8c0d28a529ca480f9f36cf5792e2cd21984552a3c8e4aa11a24aa31aeac98e8",
		// openssl 3.5.7-1~deb13u2 (trixie-security): the fixes for CVE-2026-18798, -63072,
		// -63076, -14457, -54874, -63073, -63074, -63075, -75803 and -14456 with the tests
		// upstream added beside them, in Debian's order.
		Patches: kilnPatches("openssl-3.5.7",
			"Avoid-double-free-of-qrx-in-port_default_packet_handler.patch",
			"Add-test-for-CVE-2026-63072.patch",
			"Fix-heap-buffer-overflow-8-byte-OOB-write-in-AES-WRAP-PAD.patch",
			"Add-test-for-CVE-2026-63076.patch",
			"Fix-Remote-NULL-deref-in-ossl_cmp_calc_protection-via-cra.patch",
			"Handle-signature_algorithms_cert-extension-in-key-only-co.patch",
			"Avoid-full-read-buffer-allocation-when-buffering-DTLS-nex.patch",
			"ssl-record-methods-dtls_meth.c-lower-the-unprocessed_rcds.patch",
			"ssl-record-remove-dead-DTLS-processed_rcds-record-queue.patch",
			"CMP-unexpected-sender-DN-used-as-format-string-in-ERR_rai.patch",
			"Add-test-for-CVE-2026-63073.patch",
			"Add-a-test-for-restricting-growth-in-cmp-cert-cache.patch",
			"Fix-unbounded-cert-cache-growth-in-cmp.patch",
			"Don-t-store-ACK-only-frames-in-TX-history-for-QUIC.patch",
			"Check-the-tag-on-EVP_Cipher-finalize-Poly1305-and-OCB-AEA.patch",
			"QUIC-server-limit-number-of-pending-QUIC-channels-connect.patch",
		)},
	// This sha256 is Debian's repack of zlib 1.3.1 (source package zlib
	// 1:1.3.dfsg+really1.3.1-1, orig tarball zlib_1.3.dfsg+really1.3.1.orig.tar.gz), which is
	// what kiln builds and tests — NOT the bytes zlib.net serves at this URL, whose tarball
	// has another sha256. The URL gives the store path its name (zlib-1.3.1.tar.gz, the
	// mirror's file name); the file itself comes from the mirror (scripts/sources.sh). To
	// fetch from zlib.net instead, pin zlib.net's sha256 in [sources.zlib].
	DepZlib: {Version: "1.3.1", URL: "https://zlib.net/fossils/zlib-1.3.1.tar.gz",
		SHA256: "60dd315c07f616887caa029408308a018ace66e3d142726a97db164b3b8f69fb"},
}

// kilnPatches are patch files kiln itself carries, under patches/dir/: a spec reads them
// from kiln, not from beside it.
func kilnPatches(dir string, names ...string) []Patch {
	out := make([]Patch, len(names))
	for i, n := range names {
		out[i] = Patch{File: "patches/" + dir + "/" + n, kiln: true}
	}
	return out
}

// defaultSource is a copy of DefaultSources[name] a spec may own (its patches its own).
func defaultSource(name string) *Source {
	def := DefaultSources[name]
	def.Patches = append([]Patch(nil), def.Patches...)
	return &def
}

// MissingFixes names each [sources.<name>] table the spec writes that pins the very
// tarball of kiln's default source but leaves out patches kiln's default applies to it
// (Debian's security fixes): such a build lacks fixes kiln ships, most likely by accident
// (a table copied from the default's values). One message per library, with the table's
// line; a table pinning another tarball is the spec's own choice and is not named.
func (s *Spec) MissingFixes() []string {
	var out []string
	for _, d := range s.Deps() {
		def := DefaultSources[d.Name]
		if len(def.Patches) == 0 || d.Source.SHA256 != def.SHA256 || (len(d.Source.Patches) > 0 && d.Source.Patches[0].kiln) {
			continue // nothing to miss, another tarball, or kiln's default itself
		}
		want, err := PatchSet{Key: "sources." + d.Name + ".patches", Patches: def.Patches, s: s}.Hashes()
		if err != nil {
			continue // kiln's own files: a test guards them
		}
		have, _ := s.PatchSet(d.Name).Hashes() // unreadable ones: Validate said so
		missing := 0
		for _, h := range want {
			if !slices.Contains(have, h) {
				missing++
			}
		}
		if missing == 0 {
			continue
		}
		loc := s.file
		if l := lineOf(s.lines, "sources."+d.Name+".sha256"); l > 0 {
			loc = fmt.Sprintf("%s:%d", s.file, l)
		}
		out = append(out, fmt.Sprintf("%s: sources.%s pins kiln's default %s %s tarball without %d of the %d patches kiln's default applies to it (Debian's security fixes): this build lacks them; remove [sources.%s] to build kiln's default, or add the patches",
			loc, d.Name, d.Name, d.Source.Version, missing, len(want), d.Name))
	}
	return out
}

// Dep is one library the spec's build links: its name and pinned source.
type Dep struct {
	Name   string
	Source Source
	// JIT is set for PCRE2 built with its just-in-time compiler (features.pcre2_jit).
	JIT bool
}

// Deps lists the libraries the enabled features link, in a fixed order (lua, pcre2,
// openssl, zlib). A feature that is on but has no source (a spec built in code rather than
// parsed) is left out; Validate reports it.
func (s *Spec) Deps() []Dep {
	var deps []Dep
	add := func(on bool, name string, src *Source, jit bool) {
		if on && src != nil {
			deps = append(deps, Dep{Name: name, Source: *src, JIT: jit})
		}
	}
	f := s.Features
	add(f.Lua, DepLua, s.Sources.Lua, false)
	add(f.PCRE2, DepPCRE2, s.Sources.PCRE2, f.PCRE2JIT)
	add(f.OpenSSL, DepOpenSSL, s.Sources.OpenSSL, false)
	add(f.Compression == CompressionZlib, DepZlib, s.Sources.Zlib, false)
	return deps
}

// sourceSlot pairs a library with its feature switch and its [sources] table.
type sourceSlot struct {
	name string
	on   bool
	// feature is the key that turns the library on, for error messages.
	feature string
	src     **Source
}

// sourceSlots lists every library's slot, for defaults and validation.
func (s *Spec) sourceSlots() []sourceSlot {
	f := s.Features
	return []sourceSlot{
		{DepLua, f.Lua, "features.lua", &s.Sources.Lua},
		{DepPCRE2, f.PCRE2, "features.pcre2", &s.Sources.PCRE2},
		{DepOpenSSL, f.OpenSSL, "features.openssl", &s.Sources.OpenSSL},
		{DepZlib, f.Compression == CompressionZlib, "features.compression", &s.Sources.Zlib},
	}
}

// CABundle is a file of trusted CA certificates the image carries for haproxy's TLS
// connections to servers (ca-file). It is read from Source (relative to the spec, or an
// absolute path such as /etc/ssl/certs/ca-certificates.crt) and must have the pinned
// SHA256: a host's bundle changes with its ca-certificates updates, and the spec says
// exactly which one the image ships.
type CABundle struct {
	Source string `toml:"source"`
	SHA256 string `toml:"sha256"`
	// Path is where the image has it (default DefaultCABundlePath).
	Path string `toml:"path"`
}

// DefaultCABundlePath is where image.ca_bundle goes unless it names another path: where
// Debian, Alpine and most TLS clients look for a bundle.
const DefaultCABundlePath = "/etc/ssl/certs/ca-certificates.crt"
