package spec

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
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

// TestDefaultTOMLExamples: the commented [sources.lua] example of the starter spec is valid
// once uncommented (with lua on), and pins exactly the default source.
func TestDefaultTOMLExamples(t *testing.T) {
	doc := string(DefaultTOML)
	for _, l := range []string{"[sources.lua]", "version = ", "url = \"https://www.lua.org", "sha256 = \"9fbf", "march = \"x86-64-v3\""} {
		if !strings.Contains(doc, "# "+l) {
			t.Fatalf("default.toml has no commented %q", l)
		}
		doc = strings.Replace(doc, "# "+l, l, 1)
	}
	doc = strings.Replace(doc, "lua = false", "lua = true", 1)
	s, err := Parse("init.toml", "", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*s.Sources.Lua, DefaultSources[DepLua]) {
		t.Errorf("the example pins %+v, the default is %+v", *s.Sources.Lua, DefaultSources[DepLua])
	}
	if s.Build.March != "x86-64-v3" {
		t.Errorf("the march example gives %q", s.Build.March)
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
toolchain = "pinned"
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
		{"unknown key", `toolchain = "pinned"`, "toolchain = \"pinned\"\noptimise = \"size\"", 9, "build.optimise", "unknown key"},
		{"upper-case key", `version = "3.0.11"`, `VERSION = "3.0.11"`, 4, "package.VERSION", "keys are case-sensitive: write version"},
		{"capitalised table", `[build]`, "[Build]", 7, "Build", "keys are case-sensitive: write build"},
		{"capitalised dotted table", `spec_version = 1`, "spec_version = 1\nFeatures.lua = true", 2, "Features", "write features"},
		{"unknown quoted key", `[image]`, "[image]\n\n\n\"stop signal\" = \"SIGTERM\"", 12, `image."stop signal"`, "unknown key"},
		{"unknown quoted key with a dot", `[image]`, "[image]\n\n\"stop.signal\" = \"SIGTERM\"", 11, `image."stop.signal"`, "unknown key"},
		{"unknown quoted top-level key", `spec_version = 1`, "\"top key\" = 1\nspec_version = 1", 1, `"top key"`, "unknown key"},
		{"unknown table", `[image]`, "[imag]\nx = 1\n[image]", 9, "imag", "unknown key"},
		{"wrong type", `version = "3.0.11"`, `version = 3`, 4, "package.version", "incompatible types"},
		{"wrong type, quoted key", `ports = ["8080"]`, "ports = [\"8080\"]\n[image.labels]\n\"a b\" = 1", 12, `image.labels."a b"`, "incompatible types"},
		{"label name as dotted keys", `[image]`, "[image]\nlabels.org.opencontainers.image.vendor = \"Acme\"", 10, "image.labels.org", "incompatible types"},
		{"short sha", `sha256 = "a133e2d550c5fd9a849b5c7ab17bb945bcdad209ca140d41f45ebf31943ae783"`, `sha256 = "a133"`, 6, "package.sha256", "not a sha256"},
		{"upper-case sha", `sha256 = "a133e2d550c5fd9a849b5c7ab17bb945bcdad209ca140d41f45ebf31943ae783"`, `sha256 = "A133E2D550C5FD9A849B5C7AB17BB945BCDAD209CA140D41F45EBF31943AE783"`, 6, "package.sha256", "lower-case hex"},
		{"http url", `url = "https://example.org/haproxy-3.0.11.tar.gz"`, `url = "http://example.org/haproxy-3.0.11.tar.gz"`, 5, "package.url", "https://"},
		{"url query", `haproxy-3.0.11.tar.gz"`, `haproxy-3.0.11.tar.gz?use_mirror=a&ts=1"`, 5, "package.url", "use a URL whose last path segment is the file name"},
		{"url escape", `haproxy-3.0.11.tar.gz"`, `haproxy%2B3.0.11.tar.gz"`, 5, "package.url", `Nix names the fetched store path "haproxy%2B3.0.11.tar.gz"`},
		{"url fragment", `haproxy-3.0.11.tar.gz"`, `haproxy-3.0.11.tar.gz#sha"`, 5, "package.url", `not the file name "haproxy-3.0.11.tar.gz"`},
		{"empty name", `name = "haproxy"`, `name = ""`, 3, "package.name", "required"},
		{"no recipe", `name = "haproxy"`, `name = "nginx"`, 3, "package.name", "no recipe"},
		{"bad toolchain", `toolchain = "pinned"`, `toolchain = "gcc"`, 8, "build.toolchain", "must be pinned or nixpkgs"},
		{"bad optimize", `toolchain = "pinned"`, "toolchain = \"pinned\"\noptimize = \"O3\"", 9, "build.optimize", "must be size, balanced or speed"},
		{"bad march", `toolchain = "pinned"`, "toolchain = \"pinned\"\nmarch = \"native\"", 9, "build.march", "must be x86-64, x86-64-v2, x86-64-v3"},
		{"march v4", `toolchain = "pinned"`, "toolchain = \"pinned\"\n\nmarch = \"x86-64-v4\"", 10, "build.march", "leave it out for the baseline"},
		{"host removed", `toolchain = "pinned"`, `toolchain = "host"`, 8, "build.toolchain", "use pinned: same offline use with --mirror, pure and portable"},
		{"nixpkgs unpinned", `toolchain = "pinned"`, "toolchain = \"nixpkgs\"\n[nixpkgs]\nurl = \"github:NixOS/nixpkgs/nixos-24.11\"", 10, "nixpkgs.url", "not pinned"},
		{"nixpkgs with pinned", `[image]`, "[nixpkgs]\nurl = \"github:NixOS/nixpkgs/030ba1976b7c0e1a67d9716b17308ccdab5b381e\"\n[image]", 10, "nixpkgs.url", "does not use nixpkgs"},
		{"root user", `[image]`, "[image]\nuser = \"0:0\"", 10, "image.user", "root"},
		{"named user", `[image]`, "[image]\nuser = \"nobody\"", 10, "image.user", "numeric"},
		{"bad port", `ports = ["8080"]`, `ports = ["8080", "99999/tcp"]`, 10, "image.ports[1]", "1 to 65535"},
		{"unknown compression", `[build]`, "[features]\ncompression = \"gzip\"\n[build]", 8, "features.compression", "slz, zlib or none"},
		{"slz and zlib", `[build]`, "[sources.zlib]\nversion = \"1.3.1\"\nurl = \"https://zlib.net/fossils/zlib-1.3.1.tar.gz\"\nsha256 = \"60dd315c07f616887caa029408308a018ace66e3d142726a97db164b3b8f69fb\"\n[build]", 7, "sources.zlib", "slz and zlib are one choice"},
		{"source without feature", `[build]`, "[features]\nlua = false\n[sources.lua]\nversion = \"5.4.7\"\nurl = \"https://www.lua.org/ftp/lua-5.4.7.tar.gz\"\nsha256 = \"9fbf5e28ef86c69858f6d3d34eccc32e911c1a28b4120ff3e84aaa70cfbf1e30\"\n[build]", 9, "sources.lua", "features.lua is off"},
		{"source bad sha", `[build]`, "[features]\nlua = true\n[sources.lua]\nversion = \"5.4.7\"\nurl = \"https://www.lua.org/ftp/lua-5.4.7.tar.gz\"\nsha256 = \"9fbf\"\n[build]", 12, "sources.lua.sha256", "not a sha256"},
		{"source no url", `[build]`, "[features]\nopenssl = true\n[sources.openssl]\nversion = \"3.5.7\"\nsha256 = \"a8c0d28a529ca480f9f36cf5792e2cd21984552a3c8e4aa11a24aa31aeac98e8\"\n[build]", 9, "sources.openssl.url", "required"},
		{"source http url", `[build]`, "[features]\npcre2 = true\n[sources.pcre2]\nversion = \"10.46\"\nurl = \"http://e.org/pcre2-10.46.tar.gz\"\nsha256 = \"8d28d7f2c3b970c3a4bf3776bcbb5adfc923183ce74bc8df1ebaad8c1985bd07\"\n[build]", 11, "sources.pcre2.url", "https://"},
		{"source bad version", `[build]`, "[features]\nlua = true\n[sources.lua]\nversion = \"5.4 beta\"\nurl = \"https://www.lua.org/ftp/lua-5.4.7.tar.gz\"\nsha256 = \"9fbf5e28ef86c69858f6d3d34eccc32e911c1a28b4120ff3e84aaa70cfbf1e30\"\n[build]", 10, "sources.lua.version", "store path"},
		{"unknown source", `[build]`, "[sources.nginx]\nurl = \"https://e.org/n.tar.gz\"\n[build]", 7, "sources.nginx", "unknown key"},
		{"unknown source key", `[build]`, "[features]\nlua = true\n[sources.lua]\nurl = \"https://www.lua.org/ftp/lua-5.4.7.tar.gz\"\nsha = \"x\"\n[build]", 11, "sources.lua.sha", "unknown key"},
		{"jit without pcre2", `[build]`, "[features]\npcre2_jit = true\n[build]", 8, "features.pcre2_jit", "features.pcre2 is false"},
		{"ca bundle without openssl", `ports = ["8080"]`, "ports = [\"8080\"]\n[image.ca_bundle]\nsource = \"ca.pem\"\nsha256 = \"60dd315c07f616887caa029408308a018ace66e3d142726a97db164b3b8f69fb\"", 11, "image.ca_bundle", "features.openssl is false"},
		{"bindnow without relro", `toolchain = "pinned"`, "toolchain = \"pinned\"\nhardening = [\"bindnow\"]", 9, "build.hardening", "full RELRO"},
		{"unknown hardening", `toolchain = "pinned"`, "toolchain = \"pinned\"\nhardening = [\n  \"pie\",\n  \"fortify\",\n]", 9, "build.hardening[1]", "not a hardening word"},
		{"profile with balanced", `toolchain = "pinned"`, "toolchain = \"pinned\"\noptimize = \"balanced\"\n[build.profile]\nfile = \"spec.toml\"\nsha256 = \"60dd315c07f616887caa029408308a018ace66e3d142726a97db164b3b8f69fb\"", 10, "build.profile", "a profile is for optimize = \"speed\""},
		{"profile with nixpkgs", `toolchain = "pinned"`, "toolchain = \"nixpkgs\"\noptimize = \"speed\"\n[build.profile]\nfile = \"spec.toml\"\nsha256 = \"60dd315c07f616887caa029408308a018ace66e3d142726a97db164b3b8f69fb\"", 10, "build.profile", "records it with the pinned toolchain"},
		{"profile missing file", `toolchain = "pinned"`, "toolchain = \"pinned\"\noptimize = \"speed\"\n[build.profile]\nfile = \"nowhere.tar.gz\"\nsha256 = \"60dd315c07f616887caa029408308a018ace66e3d142726a97db164b3b8f69fb\"", 11, "build.profile.file", "no such file"},
		{"profile unknown key", `toolchain = "pinned"`, "toolchain = \"pinned\"\noptimize = \"speed\"\n[build.profile]\nfile = \"spec.toml\"\nsha = \"60dd\"", 12, "build.profile.sha", "unknown key"},
		{"strip conflict", `toolchain = "pinned"`, "toolchain = \"pinned\"\nstrip = false\nhardening = [\"stripped\"]", 9, "build.strip", "drop one"},
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

// TestKeysAreCaseSensitive: a key spelled twice, in two cases, is one error, the same
// every time (the decoder would fill the field from either, in map order).
func TestKeysAreCaseSensitive(t *testing.T) {
	doc := strings.Replace(minimal, `version = "3.0.11"`, "version = \"3.0.11\"\nVersion = \"3.0.12\"", 1)
	const want = "r.toml:5: package.Version: unknown key; keys are case-sensitive: write version"
	for range 100 {
		if _, err := Parse("r.toml", "", []byte(doc)); err == nil || err.Error() != want {
			t.Fatalf("got %v\nwant %s", err, want)
		}
	}
}

// TestValidateErrorsInFileOrder: Validate's errors come in file order whatever order it
// checks in, and a bad version is not reported again as the image tag it defaults.
func TestValidateErrorsInFileOrder(t *testing.T) {
	body := strings.Replace(minimal, "spec_version = 1\n", "", 1)
	body = strings.Replace(body, "[image]\nports = [\"8080\"]\n", "", 1)
	body = strings.Replace(body, `version = "3.0.11"`, `version = "3.0 11"`, 1)
	doc := "spec_version = 1\n[image]\nuser = \"root\"\n" + body
	s, err := Parse("o.toml", t.TempDir(), []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	const want = "o.toml:3: image.user: \"root\": use a numeric uid or uid:gid (names need /etc/passwd lookups at run time)\n" +
		"o.toml:6: package.version: \"3.0 11\": use letters, digits and . + _ - only, up to 64 (it names a Nix store path)"
	if err := s.Validate(); err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
	s.Build.Toolchain = ToolchainNixpkgs // without [nixpkgs]: nixpkgs.url is missing, no line
	es, _ := s.Validate().(Errors)
	if len(es) != 3 || es[2].Key != "nixpkgs.url" || es[2].Line != 0 {
		t.Errorf("an error without a line is not last:\n%v", es)
	}
}

// TestFeatureDefaults: a feature that links a library, turned on without a [sources] table,
// gets kiln's pinned source; Deps lists the libraries in a fixed order.
func TestFeatureDefaults(t *testing.T) {
	doc := strings.Replace(minimal, "[build]", "[features]\nzlib_unused = 1\n[build]", 1)
	if _, err := Parse("f.toml", t.TempDir(), []byte(doc)); err == nil || !strings.Contains(err.Error(), "f.toml:8: features.zlib_unused: unknown key") {
		t.Fatalf("unknown feature key: %v", err)
	}
	doc = strings.Replace(minimal, "[build]", "[features]\ncompression = \"zlib\"\nopenssl = true\npcre2 = true\npcre2_jit = true\nlua = true\npromex = true\n[build]", 1)
	s, err := Parse("f.toml", t.TempDir(), []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range s.Deps() {
		names = append(names, d.Name)
		if !reflect.DeepEqual(d.Source, DefaultSources[d.Name]) {
			t.Errorf("%s source = %+v, want the pinned default %+v", d.Name, d.Source, DefaultSources[d.Name])
		}
		if d.JIT != (d.Name == DepPCRE2) {
			t.Errorf("%s JIT = %v", d.Name, d.JIT)
		}
	}
	if got := strings.Join(names, " "); got != "lua pcre2 openssl zlib" {
		t.Errorf("Deps = %s, want lua pcre2 openssl zlib", got)
	}

	// A pinned source of the user's own replaces the default, and only that one.
	doc = strings.Replace(minimal, "[build]", "[features]\nlua = true\n[sources.lua]\nversion = \"5.4.6\"\nurl = \"https://www.lua.org/ftp/lua-5.4.6.tar.gz\"\nsha256 = \"7d5ea1b9cb6aa0b59ca3dde1c6adcb57ef83a1ba8e5432c0ecd06bf439b3ad88\"\n[build]", 1)
	if s, err = Parse("f.toml", t.TempDir(), []byte(doc)); err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if d := s.Deps(); len(d) != 1 || d[0].Source.Version != "5.4.6" || d[0].Source.URL != "https://www.lua.org/ftp/lua-5.4.6.tar.gz" {
		t.Errorf("Deps = %+v", d)
	}

	// A spec built in code, with a feature on and no source, is refused, not defaulted.
	s = Default()
	s.Features.OpenSSL = true
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "sources.openssl: is missing but features.openssl needs it") {
		t.Errorf("feature without source: %v", err)
	}
	if len(s.Deps()) != 0 {
		t.Errorf("Deps lists a library without a source: %+v", s.Deps())
	}
}

// TestCABundle: image.ca_bundle adds one image file (default path, mode 0444) whose content
// must have the pinned sha256, and it needs OpenSSL.
func TestCABundle(t *testing.T) {
	dir := t.TempDir()
	pem := []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), pem, 0o644); err != nil {
		t.Fatal(err)
	}
	const sum = "9c4d1b4f1b0cfaf8a2ab66c6b5b0b8ad2b8d0fbb0d8e5d1a5c1f6b0a1d8f7e6c" // not pem's
	spec := func(openssl bool, ca string) string {
		return strings.Replace(minimal, "[build]", fmt.Sprintf("[features]\nopenssl = %t\n[build]", openssl), 1) + ca
	}
	s, err := Parse("ca.toml", dir, []byte(spec(true, "[image.ca_bundle]\nsource = \"ca.pem\"\nsha256 = \""+sum+"\"\n")))
	if err != nil {
		t.Fatal(err)
	}
	err = s.Validate()
	if err == nil || !strings.Contains(err.Error(), "ca.toml:15: image.ca_bundle.sha256: ca.pem has sha256 ") || !strings.Contains(err.Error(), "not the pinned "+sum) {
		t.Fatalf("wrong bundle hash: %v", err)
	}
	good := sha256Hex(pem)
	s, err = Parse("ca.toml", dir, []byte(spec(true, "[image.ca_bundle]\nsource = \"ca.pem\"\nsha256 = \""+good+"\"\n")))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	last := s.Image.Files[len(s.Image.Files)-1]
	if last.Path != DefaultCABundlePath || last.Source != "ca.pem" || last.Mode != "0444" || s.Image.CABundle.Path != DefaultCABundlePath {
		t.Errorf("ca bundle file = %+v", last)
	}

	cases := []struct{ name, ca, want string }{
		{"no openssl", "", "ca.toml:13: image.ca_bundle: is set but features.openssl is false"},
		{"missing file", "source = \"nope.pem\"\nsha256 = \"" + good + "\"\n", "ca.toml:14: image.ca_bundle.source: \"nope.pem\": no such file"},
		{"no sha", "source = \"ca.pem\"\n", "ca.toml:13: image.ca_bundle.sha256: is required"},
		{"relative path", "source = \"ca.pem\"\nsha256 = \"" + good + "\"\npath = \"certs/ca.pem\"\n", "ca.toml:16: image.ca_bundle.path: \"certs/ca.pem\" must be a clean absolute path"},
		{"path clash", "source = \"ca.pem\"\nsha256 = \"" + good + "\"\npath = \"/etc/a\"\n", "ca.toml:19: image.ca_bundle.path: \"/etc/a\" is also an [[image.files]] path"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := spec(c.name != "no openssl", "[image.ca_bundle]\n"+c.ca)
			if c.name == "no openssl" {
				doc = spec(false, "[image.ca_bundle]\nsource = \"ca.pem\"\nsha256 = \""+good+"\"\n")
			}
			if c.name == "path clash" {
				doc = spec(true, "[[image.files]]\npath = \"/etc/a\"\ncontent = \"x\"\n[image.ca_bundle]\n"+c.ca)
			}
			s, err := Parse("ca.toml", dir, []byte(doc))
			if err == nil {
				err = s.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v\nwant %s\n%s", err, c.want, doc)
			}
		})
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
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

// TestMarchLevels: every level in MarchLevels is accepted; the baseline, named or left out,
// loads as "" (no -march flag, so the same derivations and canonical spec), a later level as
// itself.
func TestMarchLevels(t *testing.T) {
	for _, c := range []struct{ line, level string }{
		{"", ""}, {`march = "x86-64"`, ""}, {`march = "x86-64-v2"`, "x86-64-v2"}, {`march = "x86-64-v3"`, "x86-64-v3"},
	} {
		doc := strings.Replace(minimal, `toolchain = "pinned"`, "toolchain = \"pinned\"\n"+c.line, 1)
		s, err := Parse("m.toml", t.TempDir(), []byte(doc))
		if err == nil {
			err = s.Validate()
		}
		if err != nil {
			t.Fatalf("%q: %v", c.line, err)
		}
		if got := s.Build.March; got != c.level {
			t.Errorf("%q: Build.March = %q, want %q", c.line, got, c.level)
		}
	}
}

// TestLibraryPatches: a library's [sources.<name>] may carry patches like the package's.
// Its own are read beside the spec (and only there); kiln's default source brings kiln's
// own patch files, read from kiln wherever the spec is; a table the spec writes replaces
// the default whole, patches included.
func TestLibraryPatches(t *testing.T) {
	dir := t.TempDir()
	on := strings.Replace(minimal, "[build]", "[features]\nopenssl = true\n[build]", 1)

	// The default: kiln's patches, from kiln, in a directory that holds none of them.
	s, err := Parse("d.toml", dir, []byte(on))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Sources.OpenSSL.Patches); n != len(DefaultSources[DepOpenSSL].Patches) || n == 0 {
		t.Fatalf("the default OpenSSL source has %d patches", n)
	}
	first, err := s.LibraryPatchData(DepOpenSSL, 0)
	if err != nil || !bytes.HasPrefix(first, []byte("From: ")) {
		t.Fatalf("kiln's first OpenSSL patch: %v %.40q", err, first)
	}
	hs, err := s.PatchSet(DepOpenSSL).Hashes()
	if err != nil || len(hs) != len(s.Sources.OpenSSL.Patches) {
		t.Fatalf("PatchHashes: %v %v", hs, err)
	}
	s.Sources.OpenSSL.Patches[0].File = "patches/x.patch" // the spec's copy, not the default's
	if DefaultSources[DepOpenSSL].Patches[0].File == "patches/x.patch" {
		t.Fatal("a spec's default source shares its patches with DefaultSources")
	}

	// The spec's own table: its patches beside it, none of kiln's.
	def := DefaultSources[DepOpenSSL]
	table := fmt.Sprintf("\n[sources.openssl]\nversion = %q\nurl = %q\nsha256 = %q\n[[sources.openssl.patches]]\nfile = \"fix.patch\"\n", def.Version, def.URL, def.SHA256)
	if err := os.WriteFile(filepath.Join(dir, "fix.patch"), []byte("--- a/x\n+++ b/x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err = Parse("o.toml", dir, []byte(on+table))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Sources.OpenSSL.Patches); n != 1 {
		t.Fatalf("[sources.openssl] with one patch gives %d", n)
	}
	if data, err := s.LibraryPatchData(DepOpenSSL, 0); err != nil || string(data) != "--- a/x\n+++ b/x\n" {
		t.Fatalf("sources.openssl.patches[0]: %v %q", err, data)
	}
	// It pins kiln's default tarball without kiln's default patches: said, with the line.
	fixes := s.MissingFixes()
	n := len(DefaultSources[DepOpenSSL].Patches)
	if want := fmt.Sprintf("o.toml:%d: sources.openssl pins kiln's default openssl 3.5.7 tarball without %d of the %d patches", strings.Count(on, "\n")+5, n, n); len(fixes) != 1 || !strings.HasPrefix(fixes[0], want) {
		t.Errorf("MissingFixes = %q, want %q…", fixes, want)
	}
	if d, _ := Parse("d.toml", dir, []byte(on)); len(d.MissingFixes()) != 0 {
		t.Errorf("kiln's default source misses fixes: %q", d.MissingFixes())
	}
	other, err := Parse("x.toml", dir, []byte(on+strings.Replace(table, def.SHA256, strings.Repeat("ab", 32), 1)))
	if err != nil {
		t.Fatal(err)
	}
	if m := other.MissingFixes(); len(m) != 0 {
		t.Errorf("another tarball is the spec's own choice: %q", m)
	}

	// Missing, or outside the spec's directory: one error naming the key and the line.
	for file, want := range map[string]string{
		"missing.patch": fmt.Sprintf("o.toml:%d: sources.openssl.patches[0].file: \"missing.patch\": no such file", strings.Count(on+table, "\n")),
		"/etc/passwd":   "outside the spec's directory",
	} {
		s, err := Parse("o.toml", dir, []byte(on+strings.Replace(table, "fix.patch", file, 1)))
		if err == nil {
			err = s.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("patch %s: %v, want %q", file, err, want)
		}
	}
}
