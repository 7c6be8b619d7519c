package spec

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"os"
	"path/filepath"

	"github.com/kilnbuild/kiln/internal/files"
)

// DefaultTOML is the embedded default spec: HAProxy 3.0.11, SLZ, no Lua/PCRE2/OpenSSL.
// `kiln init` writes it as a commented starting point.
//
//go:embed default.toml
var DefaultTOML []byte

// defaultFiles holds the files DefaultTOML names, under the names it uses: HAProxy's
// security fixes for 3.0.11 (patches/haproxy-3.0.11/, byte for byte as Debian 13 ships them
// in haproxy_3.0.11-1+deb13u3.debian.tar.xz; a test compares them with that tarball).
//
//go:embed patches
var defaultFiles embed.FS

// DefaultFile is a file the default spec names, relative to the spec, with its content.
type DefaultFile struct {
	Name string
	Data []byte
}

// DefaultFiles are the files DefaultTOML (and SpeedTOML) name, in the spec's order: what
// `kiln init` writes beside the spec it writes.
func DefaultFiles() []DefaultFile {
	s := Default()
	out := make([]DefaultFile, 0, len(s.Package.Patches))
	for i := range s.Package.Patches {
		data, err := s.PatchData(i)
		if err != nil {
			panic("embedded default spec: " + err.Error()) // a test guards this
		}
		out = append(out, DefaultFile{Name: s.Package.Patches[i].File, Data: data})
	}
	return out
}

// WriteDefaultFiles writes DefaultFiles under dir, the directory of a copy of the default
// spec (each atomically, its directories made as needed): what `kiln init` puts beside the
// spec it writes.
func WriteDefaultFiles(dir string) error {
	for _, f := range DefaultFiles() {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := files.WriteFile(p, f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// SpeedProfile is the profile kiln ships for SpeedTOML's build: the default spec with
// optimize = "speed", recorded by `kiln profile` under its training load (`make
// speed-profile` records it again; a test fails, naming that command, when a recipe or pin
// change leaves it behind). `kiln init --speed` writes it beside the spec as
// SpeedProfileName.
//
//go:embed speed.profile.tar.gz
var SpeedProfile []byte

// SpeedProfileName is the file name SpeedTOML pins SpeedProfile under.
const SpeedProfileName = "speed.profile.tar.gz"

// The lines of DefaultTOML that SpeedTOML replaces.
var (
	defaultOptimize = []byte(`optimize = "balanced"            #`)
	speedOptimize   = []byte(`optimize = "speed"               #`)
	profileExample  = []byte(`# With optimize = "speed": compile with a profile of this build under load, recorded by
# ` + "`kiln profile SPEC -o speed.profile.tar.gz`" + `, which prints the sha256 to pin (README, Speed).
# [build.profile]
# file = "speed.profile.tar.gz"
# sha256 = "<the sha256 kiln profile printed>"
`)
)

// SpeedTOML is the default spec with optimize = "speed" and SpeedProfile pinned as its
// build.profile (file SpeedProfileName beside the spec): what `kiln init --speed` writes.
func SpeedTOML() []byte {
	if bytes.Count(DefaultTOML, defaultOptimize) != 1 || bytes.Count(DefaultTOML, profileExample) != 1 {
		panic("embedded default spec: the optimize line or the build.profile example moved") // a test guards this
	}
	sum := sha256.Sum256(SpeedProfile)
	pinned := []byte(`# A profile of this very build under load, recorded with ` + "`kiln profile`" + ` and shipped with kiln.
# It belongs to this build alone: a new version, feature, march or toolchain needs its own,
# ` + "`kiln profile --pin SPEC -o " + SpeedProfileName + "`" + ` (and ` + "`kiln bump --check`" + ` records it again).
[build.profile]
file = "` + SpeedProfileName + `"
sha256 = "` + hex.EncodeToString(sum[:]) + `"
`)
	out := bytes.Replace(DefaultTOML, defaultOptimize, speedOptimize, 1)
	return bytes.Replace(out, profileExample, pinned, 1)
}

// ParseDefault is Parse for a variant of the default spec held in memory (DefaultTOML or
// SpeedTOML with some lines changed): the files it names come from kiln, as Default's do.
func ParseDefault(name string, data []byte) (*Spec, error) {
	s, err := Parse(name, "", data)
	if err != nil {
		return nil, err
	}
	s.embedded = defaultFiles
	return s, nil
}

// Default returns the embedded default spec, decoded.
func Default() *Spec {
	s, err := ParseDefault(DefaultName, DefaultTOML)
	if err != nil {
		panic("embedded default spec: " + err.Error()) // a test guards this
	}
	return s
}
