package flakes

import (
	"fmt"
	"io/fs"
	"sort"

	"github.com/BurntSushi/toml"
)

// PinsFile is the pinned toolchain's bill of materials (scripts/pin-debs.sh writes it).
const PinsFile = "toolchains/pinned/pins.toml"

// Pins is the pinned toolchain: Debian binary packages, and the bootstrap busybox kiln
// extracts from one of them.
type Pins struct {
	// Suite is the Debian suite the packages come from (trixie).
	Suite string `toml:"suite"`
	// Sets lists the packages of each part of the toolchain (glibc, patchelf, cc, tools,
	// perl) and the files some parts drop (…_drop).
	Sets map[string][]string `toml:"sets"`
	// Deb is every package, by name.
	Deb       map[string]Deb `toml:"deb"`
	Bootstrap Bootstrap      `toml:"bootstrap"`
}

// Deb is one pinned Debian package: a fixed-output fetch of URL named Name, checked
// against SHA256.
type Deb struct {
	Version string `toml:"version"`
	Arch    string `toml:"arch"`
	// Name is the store path name (the pool file's name, with characters a store path
	// cannot hold replaced); `make sources` and --mirror use it as the file name.
	Name string `toml:"name"`
	// Pool is where Debian's archive keeps the file (pool/main/…).
	Pool   string `toml:"pool"`
	Size   int64  `toml:"size"`
	SHA256 string `toml:"sha256"`
	SHA1   string `toml:"sha1"`
	// URL is snapshot.debian.org's address of the file, by its sha1.
	URL string `toml:"url"`
}

// Bootstrap is the static busybox every other part of the toolchain is unpacked with:
// Member of package Deb, added to the store as Name/bin/busybox, a recursive fixed-output
// path whose NAR hash is NarHash (SRI).
type Bootstrap struct {
	Deb     string `toml:"deb"`
	Name    string `toml:"name"`
	Member  string `toml:"member"`
	NarHash string `toml:"nar_hash"`
}

// PinnedToolchain reads the pins kiln embeds.
func PinnedToolchain() (*Pins, error) {
	data, err := fs.ReadFile(FS, PinsFile)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", PinsFile, err)
	}
	var p Pins
	md, err := toml.Decode(string(data), &p)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", PinsFile, err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		return nil, fmt.Errorf("reading %s: unknown key %s", PinsFile, u[0])
	}
	if _, ok := p.Deb[p.Bootstrap.Deb]; !ok {
		return nil, fmt.Errorf("reading %s: bootstrap package %q is not pinned", PinsFile, p.Bootstrap.Deb)
	}
	return &p, nil
}

// Packages lists every pinned package name, sorted.
func (p *Pins) Packages() []string {
	names := make([]string, 0, len(p.Deb))
	for n := range p.Deb {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
