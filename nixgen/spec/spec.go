// Package spec is kiln's build specification: the TOML file a user writes, decoded
// strictly (unknown keys are errors), given explicit defaults, and validated with errors
// that name the file, the line and the key.
package spec

import (
	"fmt"
	"io/fs"
)

// Version is the only spec format this kiln reads.
const Version = 1

// Spec is one image build: what to build (Package, Features, Build) and how to ship it (Image).
type Spec struct {
	SpecVersion int      `toml:"spec_version"`
	Image       Image    `toml:"image"`
	Package     Package  `toml:"package"`
	Features    Features `toml:"features"`
	// Sources pins the libraries optional features link. omitzero (and omitempty on every
	// field added since the first release) keeps the canonical JSON, and so the image's
	// revision label, unchanged for specs that do not use them.
	Sources Sources `toml:"sources" json:",omitzero"`
	Build   Build   `toml:"build"`
	Nixpkgs Nixpkgs `toml:"nixpkgs"`

	// file and dir locate the spec, for error messages and relative paths.
	file  string
	dir   string
	lines map[string]int
	// allowed are directories outside dir the spec may read files from (AllowOutside).
	allowed []string
	// embedded, when set, holds the files the spec names instead of its directory: the
	// embedded default spec's patches, which are part of kiln, not of a directory.
	embedded fs.FS
	// recordProfile asks for the instrumented build `kiln profile` records a profile with.
	recordProfile bool
	// derivedFiles is how many entries at the end of Image.Files were added by kiln from
	// other keys (image.ca_bundle), not written by the user under [[image.files]].
	derivedFiles int
}

// Image is what the OCI image carries besides the built package.
type Image struct {
	Name       string            `toml:"name"`
	Tag        string            `toml:"tag"`
	User       string            `toml:"user"`
	Entrypoint []string          `toml:"entrypoint"`
	Cmd        []string          `toml:"cmd"`
	Env        []string          `toml:"env"`
	WorkingDir string            `toml:"workdir"`
	Ports      []string          `toml:"ports"`
	StopSignal string            `toml:"stop_signal"`
	Created    string            `toml:"created"`
	Labels     map[string]string `toml:"labels"`
	Files      []File            `toml:"files"`
	// CABundle, when set, adds a pinned CA certificate bundle to Files (needs OpenSSL).
	CABundle *CABundle `toml:"ca_bundle" json:",omitempty"`
}

// File is a file added to the image: its content inline or read from Source (relative to
// the spec's directory).
type File struct {
	Path    string `toml:"path"`
	Source  string `toml:"source"`
	Content string `toml:"content"`
	Mode    string `toml:"mode"`
}

// Package is the software built: its upstream source pinned by URL and sha256, and
// patches applied in order.
type Package struct {
	Name    string  `toml:"name"`
	Version string  `toml:"version"`
	URL     string  `toml:"url"`
	SHA256  string  `toml:"sha256"`
	Patches []Patch `toml:"patches"`
}

// Patch is a local patch file or a fetched one (URL + SHA256).
type Patch struct {
	File   string `toml:"file"`
	URL    string `toml:"url"`
	SHA256 string `toml:"sha256"`
	// kiln marks a file kiln carries itself (a default source's patches): it is read from
	// kiln, wherever the spec is.
	kiln bool
}

// Compression is HAProxy's HTTP compression library.
type Compression string

// The compression libraries HAProxy can use.
const (
	CompressionSLZ  Compression = "slz"
	CompressionZlib Compression = "zlib"
	CompressionNone Compression = "none"
)

// Valid reports whether c is a known compression library.
func (c Compression) Valid() bool {
	return c == CompressionSLZ || c == CompressionZlib || c == CompressionNone
}

// Features are HAProxy's optional build features.
type Features struct {
	Compression Compression `toml:"compression"`
	Lua         bool        `toml:"lua"`
	PCRE2       bool        `toml:"pcre2"`
	// PCRE2JIT builds PCRE2 with its JIT compiler: faster regexes, but it maps writable and
	// executable memory at run time, which some sandboxes (seccomp, SELinux execmem) refuse.
	PCRE2JIT bool `toml:"pcre2_jit" json:",omitempty"`
	OpenSSL  bool `toml:"openssl"`
	Promex   bool `toml:"promex"`
}

// Toolchain selects the compiler the recipe is handed.
type Toolchain string

// The toolchains kiln can build with.
const (
	// ToolchainPinned is Debian 13's gcc, binutils, musl and build tools, pinned by version
	// and sha256 and relocated into the Nix store: pure, offline with --mirror (default).
	ToolchainPinned Toolchain = "pinned"
	// ToolchainNixpkgs is pinned nixpkgs' pkgsStatic (musl) toolchain: pure, needs nixpkgs.
	ToolchainNixpkgs Toolchain = "nixpkgs"
)

// RemovedToolchains are toolchain names kiln no longer builds with, and what to use.
var RemovedToolchains = map[Toolchain]string{
	"host": "the host toolchain was removed: use pinned: same offline use with --mirror, pure and portable",
}

// Valid reports whether t is a known toolchain.
func (t Toolchain) Valid() bool { return t == ToolchainPinned || t == ToolchainNixpkgs }

// Check says what is wrong with t, or nil: one message for a removed toolchain, another
// for an unknown one.
func (t Toolchain) Check() error {
	if t.Valid() {
		return nil
	}
	if msg, ok := RemovedToolchains[t]; ok {
		return fmt.Errorf("%s: %s", show(string(t)), msg)
	}
	return fmt.Errorf("%s: must be pinned or nixpkgs", show(string(t)))
}

// Optimize is the compiler's optimisation goal.
type Optimize string

// The optimisation goals. Size is the smallest (-Oz everywhere); balanced is -Oz with the
// program's measured hot code faster: haproxy's gzip code at -O2, and small inlines
// allowed on its HTTP request path; speed is -O2 everywhere (loops aligned, functions and
// branch targets not padded).
const (
	OptimizeSize     Optimize = "size"
	OptimizeBalanced Optimize = "balanced"
	OptimizeSpeed    Optimize = "speed"
)

// Valid reports whether o is a known optimisation goal.
func (o Optimize) Valid() bool {
	return o == OptimizeSize || o == OptimizeBalanced || o == OptimizeSpeed
}

// Build says how the package is compiled and what hardening it must show.
type Build struct {
	Toolchain Toolchain `toml:"toolchain"`
	Optimize  Optimize  `toml:"optimize"`
	// March is the x86-64 level the code is compiled for (-march): "" is the baseline every
	// x86-64 CPU runs (a spec that names it, "x86-64", loads as ""); the other MarchLevels
	// are opt-ins whose images run only on CPUs that have their instructions. Left out of the
	// canonical spec when empty, so the provenance of a baseline build reads as before the
	// key existed.
	March string `toml:"march" json:",omitempty"`
	Strip *bool  `toml:"strip"`
	// Profile, with optimize = "speed", compiles the program with a profile of itself under
	// load that `kiln profile` recorded: a file beside the spec, pinned by sha256.
	Profile *Profile `toml:"profile" json:",omitempty"`
	// Hardening is both what the recipe turns on and the policy the audit gate enforces.
	Hardening []string `toml:"hardening"`
}

// Profile is a pinned profile (build.profile): a tar.gz of the program's .gcda files and
// the kiln-profile.json that says what build it was recorded for.
type Profile struct {
	// File is left out of the canonical spec, like an image file's source: where the
	// profile lives does not change the build; its sha256 does.
	File   string `toml:"file" json:"-"`
	SHA256 string `toml:"sha256"`
}

// ProfileConflicts are the reasons b cannot use a pinned profile (build.profile), none when
// it can: a profile is for optimize = "speed", recorded and read by the pinned toolchain.
// The spec's validation and kiln profile refuse the same builds with the same words.
func (b Build) ProfileConflicts() []string {
	var out []string
	if b.Optimize != OptimizeSpeed {
		out = append(out, fmt.Sprintf("build.optimize = %s: a profile is for optimize = \"speed\" (at -Oz GCC optimises every function for size whatever its counts)", show(string(b.Optimize))))
	}
	if b.Toolchain != ToolchainPinned {
		out = append(out, fmt.Sprintf("build.toolchain = %s: a profile is read by the compiler that recorded it, and kiln records it with the pinned toolchain", show(string(b.Toolchain))))
	}
	return out
}

// MarchLevels are build.march's values: x86-64 is the baseline (no -march flag, as if the
// key were left out); x86-64-v2 adds SSE4.2 and POPCNT (CPUs since 2009), x86-64-v3 AVX2,
// BMI2, FMA and MOVBE (since 2013-2015).
var MarchLevels = []string{"x86-64", "x86-64-v2", "x86-64-v3"}

// Hardening words: each turns on compiler/linker flags (pie, relro, bindnow, nx, canary) or
// only asks the audit gate to check the result (static, stripped).
var HardeningWords = []string{"pie", "relro", "bindnow", "nx", "canary", "static", "stripped"}

// Nixpkgs pins the nixpkgs flake the nixpkgs toolchain comes from.
type Nixpkgs struct {
	URL string `toml:"url"`
}

// StripEnabled reports whether the binary is stripped (default true).
func (b Build) StripEnabled() bool { return b.Strip == nil || *b.Strip }

// File is the path of the spec file ("" for the embedded default).
func (s *Spec) File() string { return s.file }

// Dir is the directory relative paths in the spec are resolved against.
func (s *Spec) Dir() string { return s.dir }
