// Package recordtest makes build records for tests of the packages that read them: fixed
// values shaped like a real default HAProxy build, so golden files stay stable.
package recordtest

import (
	"encoding/json"
	"time"

	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/record"
)

// Default is a record of the default spec's build (haproxy 3.0.11, SLZ, no libraries) with
// the host toolchain, a local patch and one image file.
func Default() *record.Build {
	canonical, _ := json.Marshal(map[string]any{
		"SpecVersion": 1,
		"Package":     map[string]any{"Name": "haproxy", "Version": "3.0.11"},
		"Features":    map[string]any{"Compression": "slz"},
	})
	return &record.Build{
		Package:  record.Package{Name: "haproxy", Version: "3.0.11", License: "GPL-2.0-or-later"},
		Spec:     record.Spec{Canonical: canonical, Digest: "sha256:5d1f0c0b6a0a4f3e2d1c0b9a8f7e6d5c4b3a29181716151413121110f0e0d0c0"},
		Features: spec.Features{Compression: spec.CompressionSLZ},
		Sources: []record.Source{{
			Kind: record.SourcePackage, Name: "haproxy", Version: "3.0.11",
			URL:    "https://www.haproxy.org/download/3.0/src/haproxy-3.0.11.tar.gz",
			SHA256: "a133e2d550c5fd9a849b5c7ab17bb945bcdad209ca140d41f45ebf31943ae783",
		}},
		Patches: []record.Patch{{
			Name:    "banner.patch",
			SHA256:  "87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7",
			Content: []byte("a\n"),
		}},
		Files: []record.File{{Path: "/etc/haproxy/haproxy.cfg", SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}},
		Closure: []record.StorePath{{
			Path:    "/nix/store/051kdiq1w4rf0pc0sw7r1dnh8gmxbfvb-haproxy-3.0.11",
			NarHash: "sha256:1m0ld6hn6k7nmzxcwz6ha7d8kz4yn3jw3lw4g3j2y5sqhm8jxcq7",
			NarSize: 2166112,
		}},
		Toolchain: record.Toolchain{Name: "host", Components: []record.Component{
			{Name: "gcc-12", Version: "12.2.0-14+deb12u1", PURL: "pkg:deb/debian/gcc-12@12.2.0-14%2Bdeb12u1?arch=amd64&distro=debian-12", License: "GPL-3.0-or-later"},
			{Name: "musl-dev", Version: "1.2.3-1", PURL: "pkg:deb/debian/musl-dev@1.2.3-1?arch=amd64&distro=debian-12", License: "MIT"},
		}},
		Image: record.Image{
			Name: "haproxy", Tag: "3.0.11",
			Digest:  "sha256:4f2b3c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b",
			Created: time.Unix(1, 0).UTC(),
		},
		Builder: record.Builder{
			ID: "https://github.com/kilnbuild/kiln/builder/test-host", Host: "test-host",
			Kernel: "Linux 6.1.0-test x86_64", NixVersion: "2.8.0", Sandbox: true,
		},
		KilnVersion: "0.1.0-test",
	}
}

// Full is Default with every library feature on (Lua, PCRE2 with JIT, OpenSSL, zlib) and a
// patch of OpenSSL's source.
func Full() *record.Build {
	b := Default()
	b.Features = spec.Features{Compression: spec.CompressionZlib, Lua: true, PCRE2: true, PCRE2JIT: true, OpenSSL: true, Promex: true}
	for _, name := range []string{spec.DepLua, spec.DepPCRE2, spec.DepOpenSSL, spec.DepZlib} {
		s := spec.DefaultSources[name]
		b.Sources = append(b.Sources, record.Source{Kind: record.SourceLibrary, Name: name, Version: s.Version, URL: s.URL, SHA256: s.SHA256})
	}
	// One security fix of OpenSSL's source, as kiln's default [sources.openssl] carries them.
	b.Patches = append(b.Patches, record.Patch{
		Name: "Check-the-tag-on-EVP_Cipher-finalize-Poly1305-and-OCB-AEA.patch", Of: spec.DepOpenSSL,
		SHA256:  "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
		Content: []byte("a"),
	})
	return b
}
