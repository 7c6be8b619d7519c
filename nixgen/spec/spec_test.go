package spec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultLoadsAndValidates(t *testing.T) {
	s := Default()
	if err := s.Validate(); err != nil {
		t.Fatalf("default spec: %v", err)
	}
	if s.Package.Version != "3.0.11" || s.Image.Tag != "3.0.11" || s.Features.Compression != CompressionSLZ {
		t.Fatalf("default spec decoded wrong: %+v", s)
	}
	if s.Image.User != "65534:65534" || s.Image.StopSignal != "SIGUSR1" || !s.Build.StripEnabled() {
		t.Fatalf("default image settings wrong: %+v", s.Image)
	}
}

func TestTestdataSpecsValidate(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/specs/*.toml")
	if len(files) == 0 {
		t.Fatal("no specs under testdata/specs")
	}
	for _, f := range files {
		s, err := Load(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
}

// minimal is a valid spec that each bad case below breaks in exactly one place.
const minimal = `spec_version = 1
[package]
name = "haproxy"
version = "3.0.11"
url = "https://example.org/haproxy-3.0.11.tar.gz"
sha256 = "a133e2d550c5fd9a849b5c7ab17bb945bcdad209ca140d41f45ebf31943ae783"
[build]
toolchain = "host"
[image]
ports = ["8080"]
`

func TestMinimalDefaults(t *testing.T) {
	s, err := Parse("m.toml", t.TempDir(), []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.Build.Hardening, " "); got != "pie relro bindnow nx canary static stripped" {
		t.Errorf("default hardening = %q", got)
	}
	if s.Image.Name != "haproxy" || s.Image.Entrypoint[0] != "haproxy" || s.Build.Optimize != OptimizeSize {
		t.Errorf("defaults not applied: %+v", s)
	}
}

func TestBadSpecs(t *testing.T) {
	cases := []struct {
		name, old, new string
		line           int
		key, msg       string
	}{
		{"unknown key", `toolchain = "host"`, "toolchain = \"host\"\noptimise = \"size\"", 9, "build.optimise", "unknown key"},
		{"unknown table", `[image]`, "[imag]\nx = 1\n[image]", 9, "imag", "unknown key"},
		{"wrong type", `version = "3.0.11"`, `version = 3`, 4, "package.version", "incompatible types"},
		{"short sha", `sha256 = "a133e2d550c5fd9a849b5c7ab17bb945bcdad209ca140d41f45ebf31943ae783"`, `sha256 = "a133"`, 6, "package.sha256", "not a sha256"},
		{"upper-case sha", `sha256 = "a133e2d550c5fd9a849b5c7ab17bb945bcdad209ca140d41f45ebf31943ae783"`, `sha256 = "A133E2D550C5FD9A849B5C7AB17BB945BCDAD209CA140D41F45EBF31943AE783"`, 6, "package.sha256", "lower-case hex"},
		{"http url", `url = "https://example.org/haproxy-3.0.11.tar.gz"`, `url = "http://example.org/haproxy-3.0.11.tar.gz"`, 5, "package.url", "https://"},
		{"empty name", `name = "haproxy"`, `name = ""`, 3, "package.name", "required"},
		{"no recipe", `name = "haproxy"`, `name = "nginx"`, 3, "package.name", "no recipe"},
		{"bad toolchain", `toolchain = "host"`, `toolchain = "gcc"`, 8, "build.toolchain", "nixpkgs or host"},
		{"nixpkgs unpinned", `toolchain = "host"`, "toolchain = \"nixpkgs\"\n[nixpkgs]\nurl = \"github:NixOS/nixpkgs/nixos-24.11\"", 10, "nixpkgs.url", "not pinned"},
		{"nixpkgs with host", `[image]`, "[nixpkgs]\nurl = \"github:NixOS/nixpkgs/030ba1976b7c0e1a67d9716b17308ccdab5b381e\"\n[image]", 10, "nixpkgs.url", "does not use nixpkgs"},
		{"root user", `[image]`, "[image]\nuser = \"0:0\"", 10, "image.user", "root"},
		{"named user", `[image]`, "[image]\nuser = \"nobody\"", 10, "image.user", "numeric"},
		{"bad port", `ports = ["8080"]`, `ports = ["8080", "99999/tcp"]`, 10, "image.ports[1]", "1-65535"},
		{"slz and zlib", `[build]`, "[features]\ncompression = \"zlib\"\n[build]", 8, "features.compression", "not supported yet"},
		{"unknown compression", `[build]`, "[features]\ncompression = \"gzip\"\n[build]", 8, "features.compression", "slz, zlib or none"},
		{"lua not yet", `[build]`, "[features]\nlua = true\n[build]", 8, "features.lua", "not supported yet"},
		{"bindnow without relro", `toolchain = "host"`, "toolchain = \"host\"\nhardening = [\"bindnow\"]", 9, "build.hardening", "full RELRO"},
		{"unknown hardening", `toolchain = "host"`, "toolchain = \"host\"\nhardening = [\n  \"pie\",\n  \"fortify\",\n]", 9, "build.hardening[1]", "not a hardening word"},
		{"strip conflict", `toolchain = "host"`, "toolchain = \"host\"\nstrip = false\nhardening = [\"stripped\"]", 9, "build.strip", "drop one"},
		{"patch both", `[build]`, "[[package.patches]]\nfile = \"a.patch\"\nurl = \"https://e.org/a.patch\"\n[build]", 7, "package.patches[0]", "both"},
		{"patch missing file", `[build]`, "[[package.patches]]\nfile = \"nope.patch\"\n[build]", 8, "package.patches[0].file", "no such file"},
		{"file bad mode", `ports = ["8080"]`, "ports = [\"8080\"]\n[[image.files]]\npath = \"/etc/a\"\ncontent = \"x\"\n[[image.files]]\npath = \"/etc/b\"\ncontent = \"\"\"\nmulti\nline\n\"\"\"\nmode = \"4755\"", 20, "image.files[1].mode", "setuid"},
		{"file in nix", `ports = ["8080"]`, "ports = [\"8080\"]\n[[image.files]]\npath = \"/nix/store/x\"\ncontent = \"x\"", 12, "image.files[0].path", "inside /nix"},
		{"bad spec version", `spec_version = 1`, `spec_version = 2`, 1, "spec_version", "this kiln reads"},
		{"syntax", `[build]`, `[build`, 8, "", "TOML syntax"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(minimal, c.old) {
				t.Fatalf("case does not apply: %q", c.old)
			}
			doc := strings.Replace(minimal, c.old, c.new, 1)
			dir := t.TempDir()
			s, err := Parse("bad.toml", dir, []byte(doc))
			if err == nil {
				err = s.Validate()
			}
			if err == nil {
				t.Fatalf("no error for:\n%s", doc)
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error is not a spec error: %T %v", err, err)
			}
			want := "bad.toml:"
			if !strings.HasPrefix(err.Error(), want) || se.Line != c.line || se.Key != c.key || !strings.Contains(se.Msg, c.msg) {
				t.Fatalf("got %q (line %d, key %q)\nwant line %d, key %q, message containing %q", err, se.Line, se.Key, c.line, c.key, c.msg)
			}
		})
	}
}

func TestLoadResolvesRelativeFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "fix.patch"), []byte("--- a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(minimal, "[build]", "[[package.patches]]\nfile = \"fix.patch\"\n[build]", 1)
	p := filepath.Join(dir, "s.toml")
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := s.Resolve("fix.patch"); got != filepath.Join(dir, "fix.patch") {
		t.Fatalf("Resolve = %s", got)
	}
}

func TestKeyLines(t *testing.T) {
	doc := "a = 1\n[t]\n\"q.k\" = 'x' # c\nm = \"\"\"\n[not]\n\"\"\"\narr = [\n 1,\n]\n[[t.l]]\nx = 1\n[[t.l]]\nx = {y = 2}\n"
	got := keyLines(doc)
	want := map[string]int{"a": 1, "t": 2, "t.q.k": 3, "t.m": 4, "t.arr": 7, "t.l[0]": 10, "t.l[0].x": 11, "t.l[1]": 12, "t.l[1].x": 13}
	for k, l := range want {
		if got[k] != l {
			t.Errorf("line of %s = %d, want %d (all: %v)", k, got[k], l, got)
		}
	}
	if _, ok := got["not"]; ok {
		t.Errorf("a table header inside a multi-line string was taken for a key")
	}
}
