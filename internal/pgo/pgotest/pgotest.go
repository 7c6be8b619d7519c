// Package pgotest makes pinned profiles for tests: a speed spec of the default HAProxy
// source and a small profile recorded (in its manifest) for exactly that build.
package pgotest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/kilnbuild/kiln/internal/pgo"
	"github.com/kilnbuild/kiln/nixgen/spec"
)

// Pinned writes, into dir as file, a profile of the build that bare describes (HAProxy
// 3.0.11, optimize = "speed", everything else default), and returns bare, the same spec
// with [build.profile] pinning that file, and the profile's bytes.
func Pinned(t *testing.T, dir, file string) (bare, pinned string, profile []byte) {
	t.Helper()
	bare = "spec_version = 1\n[package]\nname = \"haproxy\"\nversion = \"3.0.11\"\nurl = \"https://www.haproxy.org/download/3.0/src/haproxy-3.0.11.tar.gz\"\nsha256 = \"" +
		spec.Default().Package.SHA256 + "\"\n[build]\noptimize = \"speed\"\n"
	s, err := spec.Parse("speed.toml", dir, []byte(bare))
	if err != nil {
		t.Fatal(err)
	}
	m, err := pgo.For(s)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := pgo.Pack(&buf, map[string][]byte{"src/haproxy.gcda": []byte("counts")}, m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, file), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	pinned = bare + "[build.profile]\nfile = \"" + file + "\"\nsha256 = \"" + hex.EncodeToString(sum[:]) + "\"\n"
	return bare, pinned, buf.Bytes()
}
