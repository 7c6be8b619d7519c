package spec

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
)

// DefaultTOML is the embedded default spec: HAProxy 3.0.11, SLZ, no Lua/PCRE2/OpenSSL.
// `kiln init` writes it as a commented starting point.
//
//go:embed default.toml
var DefaultTOML []byte

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

// Default returns the embedded default spec, decoded.
func Default() *Spec {
	s, err := Parse(DefaultName, "", DefaultTOML)
	if err != nil {
		panic("embedded default spec: " + err.Error()) // a test guards this
	}
	return s
}
