package spec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostileBase is a valid spec (ports on a line of its own) that each case extends.
const hostileBase = `spec_version = 1
[package]
name = "haproxy"
version = "3.0.11"
url = "https://example.org/haproxy-3.0.11.tar.gz"
sha256 = "a133e2d550c5fd9a849b5c7ab17bb945bcdad209ca140d41f45ebf31943ae783"
[build]
toolchain = "nixpkgs"
[nixpkgs]
url = "github:NixOS/nixpkgs/030ba1976b7c0e1a67d9716b17308ccdab5b381e"
[image]
ports = ["8080"]
`

// TestHostileSpecs: every rule the image, the audit gate or Nix would enforce after a
// build is refused when the spec is loaded, with file:line: key: and what to do — and
// without echoing a huge or terminal-driving value back.
func TestHostileSpecs(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ok.cfg"), []byte("global\n"), 0o644)
	os.Symlink("/etc/passwd", filepath.Join(dir, "shadow-link"))
	os.MkdirAll(filepath.Join(dir, "patches"), 0o755)
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.cfg"), 0o644); err != nil {
		t.Fatal(err)
	}
	huge := strings.Repeat("a", 1<<20)
	cases := []struct {
		name, extra string
		key, msg    string
	}{
		// Files from anywhere.
		{"proc file", "[[image.files]]\npath = \"/etc/env\"\nsource = \"/proc/self/environ\"", "image.files[0].source", "outside the spec's directory"},
		{"absolute outside", "[[image.files]]\npath = \"/etc/h\"\nsource = \"/etc/hostname\"", "image.files[0].source", "--allow-outside"},
		{"symlink out", "[[image.files]]\npath = \"/etc/s\"\nsource = \"shadow-link\"", "image.files[0].source", "resolves to /etc/passwd"},
		{"patch escapes", "[[package.patches]]\nfile = \"../../../etc/hostname\"", "package.patches[0].file", "outside the spec's directory"},
		{"fifo source", "[[image.files]]\npath = \"/etc/f\"\nsource = \"fifo.cfg\"", "image.files[0].source", "not a regular file (a FIFO)"},
		// Secrets and spoofing.
		{"url credentials", "[features]\nlua = true\n[sources.lua]\nversion = \"5.4.7\"\nurl = \"https://me:s3cret@www.lua.org/ftp/lua-5.4.7.tar.gz\"\nsha256 = \"9fbf5e28ef86c69858f6d3d34eccc32e911c1a28b4120ff3e84aaa70cfbf1e30\"", "sources.lua.url", "holds credentials"},
		{"kiln label", "[image.labels]\n\"dev.kiln.deps\" = \"openssl 3.5.7\"", "image.labels.dev.kiln.deps", "kiln's namespace"},
		{"source label", "[image.labels]\n\"org.opencontainers.image.source\" = \"https://trusted.example\"", "image.labels.org.opencontainers.image.source", "set by kiln"},
		// Rules checked only later until now.
		{"file at /", "[[image.files]]\npath = \"/\"\ncontent = \"x\"", "image.files[0].path", "a directory in the image"},
		{"file at /etc", "[[image.files]]\npath = \"/etc\"\ncontent = \"x\"", "image.files[0].path", "a directory in the image"},
		{"file under a file", "[[image.files]]\npath = \"/etc/a\"\ncontent = \"x\"\n[[image.files]]\npath = \"/etc/a/b\"\ncontent = \"y\"", "image.files[0].path", "needed by image.files[1].path"},
		{"port leading zero", "", "image.ports[0]", "without leading zeros"},
		{"user 00", "user = \"00\"", "image.user", "runs as root"},
		{"user -1", "user = \"4294967295\"", "image.user", "(uid_t)-1"},
		{"user leading zero", "user = \"0100:100\"", "image.user", "leading zeros"},
		{"gid root", "user = \"100:0\"", "image.user", "runs as root"},
		{"created before 1970", "created = \"1969-12-31T23:59:59Z\"", "image.created", "before 1970"},
		{"long store name", "[features]\nlua = true\n[sources.lua]\nversion = \"5.4.7\"\nurl = \"https://e.org/" + strings.Repeat("l", 300) + ".tar.gz\"\nsha256 = \"9fbf5e28ef86c69858f6d3d34eccc32e911c1a28b4120ff3e84aaa70cfbf1e30\"", "sources.lua.url", "at most 211"},
		{"long store name from query", "[features]\nlua = true\n[sources.lua]\nversion = \"5.4.7\"\nurl = \"https://e.org/lua-5.4.7.tar.gz?" + strings.Repeat("q", 300) + "\"\nsha256 = \"9fbf5e28ef86c69858f6d3d34eccc32e911c1a28b4120ff3e84aaa70cfbf1e30\"", "sources.lua.url", "the URL's text after its last /"},
		{"patch url query", "[[package.patches]]\nurl = \"https://e.org/get?file=fix.patch\"\nsha256 = \"9fbf5e28ef86c69858f6d3d34eccc32e911c1a28b4120ff3e84aaa70cfbf1e30\"", "package.patches[0].url", "without ?query, #fragment or %-escapes"},
		{"xz source", "[features]\nlua = true\n[sources.lua]\nversion = \"5.4.7\"\nurl = \"https://e.org/lua-5.4.7.tar.xz\"\nsha256 = \"9fbf5e28ef86c69858f6d3d34eccc32e911c1a28b4120ff3e84aaa70cfbf1e30\"", "sources.lua.url", "not a .tar.gz"},
		{"sticky mode", "[[image.files]]\npath = \"/etc/a\"\ncontent = \"x\"\nmode = \"1644\"", "image.files[0].mode", "sticky"},
		{"mode 0000", "[[image.files]]\npath = \"/etc/a\"\ncontent = \"x\"\nmode = \"0000\"", "image.files[0].mode", "not readable by its owner"},
		// Terminal-safe.
		{"escape in label", "[image.labels]\nnote = \"\\u001b[31mred\"", "image.labels.note", "control character"},
		{"newline in cmd", "cmd = [\"-f\", \"a\\nb\"]", "image.cmd[1]", "control character"},
		{"tab in env", "env = [\"A=\\tb\"]", "image.env[0]", "control character"},
		{"NUL in path", "[[image.files]]\npath = \"/etc/a\\u0000b\"\ncontent = \"x\"", "image.files[0].path", "control character"},
		{"huge name", "[image.labels]\nbig = \"" + huge + "\"", "image.labels.big", "is 1048576 bytes long"},
		// Nesting that would take the decoder's memory and stack with every level.
		{"deep arrays", "[image.labels]\nx = " + strings.Repeat("[", 1<<19), "", "nested more than 32 deep"},
		{"deep inline tables", "[image.labels]\nx = " + strings.Repeat("{a=", 1<<18), "", "nested more than 32 deep"},
		{"long dotted key", "[image.labels]\n" + strings.Repeat("a.", 1<<18) + "a = \"x\"", "", "a key of more than 32 parts"},
		{"long dotted header", "[" + strings.Repeat("a.", 1<<18) + "a]", "", "a key of more than 32 parts"},
		{"huge sha256", "[[package.patches]]\nurl = \"https://e.org/fix.patch\"\nsha256 = \"" + huge + "\"", "package.patches[0].sha256", "(1048576 bytes) is not a sha256"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := hostileBase
			if c.name == "port leading zero" {
				doc = strings.Replace(doc, `"8080"`, `"080"`, 1)
			}
			doc += c.extra + "\n"
			done := make(chan error, 1)
			go func() {
				s, err := Parse("hostile.toml", dir, []byte(doc))
				if err == nil {
					err = s.Validate()
				}
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("validation blocked (reading a FIFO?)")
			}
			if err == nil {
				t.Fatalf("accepted:\n%.300s", doc)
			}
			var se *Error
			found := false
			var list []error
			if es, ok := err.(Errors); ok {
				list = es.Unwrap()
			} else {
				list = []error{err}
			}
			for _, e := range list {
				if errors.As(e, &se) && se.Key == c.key && strings.Contains(se.Msg, c.msg) {
					found = true
					break
				}
			}
			if !found {
				t.Fatalf("got %.600q\nwant key %q, message containing %q", err, c.key, c.msg)
			}
			if !strings.HasPrefix(err.Error(), "hostile.toml:") || se.Line == 0 {
				t.Errorf("error does not name file:line: %.200q", err)
			}
			if len(err.Error()) > 2000 {
				t.Errorf("error is %d bytes: a value was echoed back", len(err.Error()))
			}
			if strings.ContainsAny(err.Error(), "\x1b\x00\t") {
				t.Errorf("error carries a control character: %q", err)
			}
		})
	}
}

// TestAllowOutside: a file outside the spec's directory is read only when its directory
// is allowed, and a pseudo-file never.
func TestAllowOutside(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(other, "site.cfg"), []byte("global\n"), 0o644)
	doc := hostileBase + "[[image.files]]\npath = \"/etc/site.cfg\"\nsource = \"" + filepath.Join(other, "site.cfg") + "\"\n"
	s, err := Parse("a.toml", dir, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err == nil {
		t.Fatal("an outside file was accepted without --allow-outside")
	}
	s.AllowOutside(other)
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if data, err := s.FileData(0); err != nil || string(data) != "global\n" {
		t.Fatalf("FileData = %q, %v", data, err)
	}
	doc = hostileBase + "[[image.files]]\npath = \"/etc/env\"\nsource = \"/proc/self/environ\"\n"
	s, _ = Parse("a.toml", dir, []byte(doc))
	s.AllowOutside("/proc")
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "procfs pseudo-file") {
		t.Fatalf("a /proc file with /proc allowed: %v", err)
	}
}

// TestLoadRefusesNonFiles: a FIFO, a device or a huge file as the spec is refused at once.
func TestLoadRefusesNonFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "spec.toml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.toml")
	os.WriteFile(big, []byte(strings.Repeat("# padding\n", MaxSize/10+1)), 0o644)
	for _, c := range []struct{ path, msg string }{
		{fifo, "not a regular file (a FIFO)"},
		{"/dev/zero", "not a regular file (a device)"},
		{big, "larger than"},
	} {
		done := make(chan error, 1)
		go func() { _, err := Load(c.path); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("Load(%s) = %v, want %q", c.path, err, c.msg)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Load(%s) blocked", c.path)
		}
	}
}
