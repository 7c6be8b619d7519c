package bump

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/internal/upstream"
	"github.com/kilnbuild/kiln/internal/upstream/upstreamtest"
	"github.com/kilnbuild/kiln/nixgen/spec"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func fixedNow() time.Time { return time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) }

func newBumper(t *testing.T, site *upstreamtest.Site) *Bumper {
	t.Helper()
	opts := append(site.Options(), upstream.WithClock(fixedNow), upstream.WithBackoff(time.Millisecond, 5*time.Millisecond), upstream.WithRetryMax(1))
	x, err := upstream.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return &Bumper{Index: x}
}

// copySpec copies a testdata spec (and its patches) into a temp dir and returns its path.
func copySpec(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata")); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

// tarball builds a small .tar.gz with one top-level directory.
func tarball(t *testing.T, top string, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	tw.WriteHeader(&tar.Header{Name: top + "/", Typeflag: tar.TypeDir, Mode: 0o755})
	for _, n := range names {
		tw.WriteHeader(&tar.Header{Name: top + "/" + n, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(files[n]))})
		tw.Write([]byte(files[n]))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// haproxy3012 is a small stand-in for haproxy-3.0.12.tar.gz: the files the test patches touch.
func haproxy3012(t *testing.T) []byte {
	return tarball(t, "haproxy-3.0.12", map[string]string{
		"README":  "The Reliable, High Performance TCP/HTTP Load Balancer.\nSee doc/intro.txt.\n",
		"VERSION": "3.0.12\n",
	})
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/bump -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n%s", name, got)
	}
}

// changedLines lists the lines of a that b has differently (same line count assumed).
func changedLines(t *testing.T, a, b []byte) []string {
	t.Helper()
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	if len(la) != len(lb) {
		t.Fatalf("line count changed: %d → %d", len(la), len(lb))
	}
	var out []string
	for i := range la {
		if la[i] != lb[i] {
			out = append(out, lb[i])
		}
	}
	return out
}

// bump --only haproxy rewrites exactly the three values of [package]: the golden file
// shows every comment, the literal quotes and the alignment kept.
func TestBumpOnlyPackageKeepsEverythingElse(t *testing.T) {
	site := upstreamtest.New(t)
	b := newBumper(t, site)
	file := copySpec(t, "commented.toml")
	before, _ := os.ReadFile(file)
	plan, err := b.Plan(context.Background(), Request{File: file, Only: "haproxy", WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Changes) != 1 || plan.Changes[0].To.Version != "3.0.12" || plan.Changes[0].HashFrom != "index" {
		t.Fatalf("changes: %+v", plan.Changes)
	}
	if after, _ := os.ReadFile(file); !bytes.Equal(after, before) {
		t.Fatal("Plan wrote the file")
	}
	if err := plan.Write(); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(file)
	golden(t, "commented.haproxy.golden", after)
	got := changedLines(t, before, after)
	want := []string{
		`version = "3.0.12"         # LTS branch: stay on 3.0`,
		`url     = 'https://www.haproxy.org/download/3.0/src/haproxy-3.0.12.tar.gz'   # literal string on purpose`,
		`sha256  = "2ef3ccf966ccab7faa1ce979b71496dc4d2031fc7b87143e1e5511f289c590db"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("changed lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	s, err := spec.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if s.Package.Version != "3.0.12" || s.Image.Tag != "3.0.12" {
		t.Errorf("decoded %s / tag %s", s.Package.Version, s.Image.Tag)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
	}
}

// Without --only every pin moves: the dotted [sources] keys in place, and Lua (kiln's
// default) gets an explicit [sources.lua] table at the end.
func TestBumpAllPins(t *testing.T) {
	site := upstreamtest.New(t)
	b := newBumper(t, site)
	file := copySpec(t, "commented.toml")
	plan, err := b.Plan(context.Background(), Request{File: file, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range plan.Changes {
		got = append(got, c.Name+" "+c.From.Version+"→"+c.To.Version)
	}
	if strings.Join(got, ", ") != "haproxy 3.0.11→3.0.12, lua 5.4.7→5.4.8, pcre2 10.46→10.47" {
		t.Fatalf("changes: %s", got)
	}
	if !plan.Changes[1].WasDefault {
		t.Error("lua should have been kiln's default")
	}
	if err := plan.Write(); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(file)
	golden(t, "commented.all.golden", after)
	s, err := spec.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if s.Sources.Lua.Version != "5.4.8" || s.Sources.PCRE2.Version != "10.47" {
		t.Errorf("decoded: lua %+v pcre2 %+v", s.Sources.Lua, s.Sources.PCRE2)
	}
	// Bumping again finds nothing to do and leaves the file alone.
	plan, err = b.Plan(context.Background(), Request{File: file, WorkDir: t.TempDir()})
	if err != nil || len(plan.Changes) != 0 {
		t.Fatalf("second bump: %v %+v", err, plan)
	}
}

// A download whose sha256 is not the published one is refused, and the spec untouched.
func TestPublishedHashMismatchRefused(t *testing.T) {
	site := upstreamtest.New(t)
	site.AddHAProxy(t, "3.0", "3.0.13", haproxy3012(t), true)
	site.Put(t, "haproxy/3.0/src/haproxy-3.0.13.tar.gz", []byte("not what was published"))
	b := newBumper(t, site)
	file := copySpec(t, "commented.toml")
	before, _ := os.ReadFile(file)
	_, err := b.Plan(context.Background(), Request{File: file, Only: "haproxy", WorkDir: t.TempDir(), Fetch: true})
	var hm *HashMismatchError
	if !errors.As(err, &hm) || !strings.Contains(err.Error(), hm.Published) || !strings.Contains(err.Error(), hm.Got) {
		t.Fatalf("got %v, want a hash mismatch naming both hashes", err)
	}
	assertUntouched(t, file, before)
}

// The patch that no longer applies to the new source is named, with patch's output.
func TestPatchThatNoLongerAppliesIsNamed(t *testing.T) {
	testenv.Require(t, "patch")
	site := upstreamtest.New(t)
	b := newBumper(t, site)
	hash := site.AddHAProxy(t, "3.0", "3.0.13", haproxy3012(t), true)
	file := copySpec(t, "patched.toml")
	before, _ := os.ReadFile(file)
	_, err := b.Plan(context.Background(), Request{File: file, WorkDir: t.TempDir()})
	var pe *PatchError
	if !errors.As(err, &pe) || pe.Key != "package.patches[1]" || pe.Patch != "patches/version.patch" {
		t.Fatalf("got %v, want package.patches[1] named", err)
	}
	if !strings.Contains(err.Error(), "patched.toml:14") || !strings.Contains(err.Error(), "haproxy 3.0.13") || !strings.Contains(pe.Output, "VERSION") {
		t.Errorf("message: %v", err)
	}
	assertUntouched(t, file, before)

	// Without the failing patch the same bump goes through, the first patch checked.
	os.WriteFile(filepath.Join(filepath.Dir(file), "patches", "version.patch"), []byte("--- a/README\n+++ b/README\n@@ -1,2 +1,2 @@\n-The Reliable, High Performance TCP/HTTP Load Balancer.\n+The Reliable, High Performance TCP/HTTP Load Balancer!\n See doc/intro.txt (patched by us).\n"), 0o644)
	plan, err := b.Plan(context.Background(), Request{File: file, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	c := plan.Changes[0]
	if c.To.SHA256 != hash || len(c.Patches) != 2 || c.HashFrom != "index, checked against the download" {
		t.Errorf("change %+v", c)
	}
}

// Patches the new release already carries (a fix upstream released) are dropped: their
// tables cut from the spec, every other byte kept, and their files removed once the spec
// is written. Written inline, they cannot be cut: all are named at once and the spec is
// untouched.
func TestPatchesAlreadyInTheReleaseAreDropped(t *testing.T) {
	testenv.Require(t, "patch")
	site := upstreamtest.New(t)
	b := newBumper(t, site)
	site.AddHAProxy(t, "3.0", "3.0.13", tarball(t, "haproxy-3.0.13", map[string]string{
		"README":  "The Reliable, High Performance TCP/HTTP Load Balancer.\nSee doc/intro.txt (patched by us).\n",
		"VERSION": "3.0.11-ours\n",
	}), true)
	file := copySpec(t, "patched.toml")
	dir := filepath.Dir(file)
	os.WriteFile(filepath.Join(dir, "keep.txt"), nil, 0o644) // the patches' directory holds another file
	os.Rename(filepath.Join(dir, "keep.txt"), filepath.Join(dir, "patches", "keep.txt"))
	plan, err := b.Plan(context.Background(), Request{File: file, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	c := plan.Changes[0]
	want := []IncludedPatch{{Line: 11, Key: "package.patches[0]", Patch: "patches/readme.patch"}, {Line: 14, Key: "package.patches[1]", Patch: "patches/version.patch"}}
	if !reflect.DeepEqual(c.Dropped, want) || len(c.Patches) != 0 {
		t.Fatalf("dropped %+v, applied %+v", c.Dropped, c.Patches)
	}
	old, _ := os.ReadFile(file)
	wantText := strings.Replace(string(old), "[[package.patches]]\nfile = \"patches/readme.patch\"\n\n[[package.patches]]\nfile = \"patches/version.patch\"\n\n", "", 1)
	wantText = strings.NewReplacer(`"3.0.11"`, `"3.0.13"`, "3.0/src/haproxy-3.0.11.tar.gz", "3.0/src/haproxy-3.0.13.tar.gz").Replace(wantText)
	if got := string(plan.New); !strings.HasPrefix(got, wantText[:strings.Index(wantText, "sha256")]) || strings.Contains(got, "[[package.patches]]") || !strings.Contains(got, "\n\n[build]\ntoolchain") {
		t.Errorf("new spec:\n%s", got)
	}
	if len(plan.Spec.Package.Patches) != 0 || len(plan.Unused) != 2 {
		t.Errorf("bumped spec's patches %v, unused files %v", plan.Spec.Package.Patches, plan.Unused)
	}
	var buf bytes.Buffer
	(&Report{Spec: file, Changes: plan.Changes}).WriteText(&buf)
	for _, w := range []string{"patches 2 dropped: already in haproxy 3.0.13", "package.patches[1] patches/version.patch"} {
		if !strings.Contains(buf.String(), w) {
			t.Errorf("report lacks %q:\n%s", w, buf.String())
		}
	}
	if err := plan.Write(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"patches/readme.patch", "patches/version.patch"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: %v, want it removed", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "patches", "keep.txt")); err != nil || len(plan.Removed) != 2 {
		t.Errorf("another file of the directory: %v; removed %v", err, plan.Removed)
	}
	if s, err := spec.Load(file); err != nil || s.Package.Version != "3.0.13" || len(s.Package.Patches) != 0 {
		t.Errorf("written: %v", err)
	}

	// The same patches inline: named, nothing written.
	file = copySpec(t, "patched.toml")
	data, _ := os.ReadFile(file)
	inline := strings.Replace(string(data), "\n[[package.patches]]\nfile = \"patches/readme.patch\"\n\n[[package.patches]]\nfile = \"patches/version.patch\"\n", "patches = [{file = \"patches/readme.patch\"}, {file = \"patches/version.patch\"}]\n", 1)
	os.WriteFile(file, []byte(inline), 0o644)
	_, err = b.Plan(context.Background(), Request{File: file, WorkDir: t.TempDir()})
	var ie *IncludedError
	if !errors.As(err, &ie) || len(ie.Patches) != 2 {
		t.Fatalf("got %v, want both patches named as already in 3.0.13", err)
	}
	for _, w := range []string{"already in haproxy 3.0.13", "patched.toml:10: package.patches[0] (patches/readme.patch)", "remove them from package.patches"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message lacks %q: %v", w, err)
		}
	}
	assertUntouched(t, file, []byte(inline))
}

// A series whose later fix changes the code an earlier patch added: the release carries
// both, so the first neither fails nor reverses alone on it (it would apply a second
// time); taken back out from the last patch to the first, both are recognised. A release
// that carries only the first keeps the second, which applies.
func TestReleasedSeriesIsRecognised(t *testing.T) {
	testenv.Require(t, "patch")
	file := copySpec(t, "patched.toml")
	dir := filepath.Dir(file)
	// The first adds a function after the banner; the second changes a line of it.
	os.WriteFile(filepath.Join(dir, "patches", "readme.patch"), []byte("--- a/README\n+++ b/README\n@@ -1,2 +1,6 @@\n The Reliable, High Performance TCP/HTTP Load Balancer.\n+int valid(char c)\n+{\n+\treturn c != 0;\n+}\n See doc/intro.txt.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "patches", "version.patch"), []byte("--- a/README\n+++ b/README\n@@ -1,6 +1,6 @@\n The Reliable, High Performance TCP/HTTP Load Balancer.\n int valid(char c)\n {\n-\treturn c != 0;\n+\treturn c != 0 && c != ',';\n }\n See doc/intro.txt.\n"), 0o644)
	plan := func(readme string) (*Plan, error) {
		site := upstreamtest.New(t)
		site.AddHAProxy(t, "3.0", "3.0.13", tarball(t, "haproxy-3.0.13", map[string]string{"README": readme, "VERSION": "3.0.13\n"}), true)
		return newBumper(t, site).Plan(context.Background(), Request{File: file, WorkDir: t.TempDir()})
	}
	both := "The Reliable, High Performance TCP/HTTP Load Balancer.\nint valid(char c)\n{\n\treturn c != 0 && c != ',';\n}\nSee doc/intro.txt.\n"
	p, err := plan(both)
	if err != nil {
		t.Fatal(err)
	}
	if c := p.Changes[0]; len(c.Dropped) != 2 || len(c.Patches) != 0 {
		t.Errorf("a release with both: dropped %+v, applied %+v", c.Dropped, c.Patches)
	}
	// Alone, the first would apply again on that release: what the series walk is for.
	if ok, err := alreadyAppliedIn(t, both, filepath.Join(dir, "patches", "readme.patch")); err != nil || ok {
		t.Errorf("alone, the first patch is recognised (%v, %v): the test does not test the series", ok, err)
	}

	p, err = plan("The Reliable, High Performance TCP/HTTP Load Balancer.\nint valid(char c)\n{\n\treturn c != 0;\n}\nSee doc/intro.txt.\n")
	if err != nil {
		t.Fatal(err)
	}
	if c := p.Changes[0]; len(c.Dropped) != 1 || c.Dropped[0].Key != "package.patches[0]" || len(c.Patches) != 1 || c.Patches[0].Key != "package.patches[1]" {
		t.Errorf("a release with the first: dropped %+v, applied %+v", c.Dropped, c.Patches)
	}
	if !strings.Contains(string(p.New), "patches/version.patch") || strings.Contains(string(p.New), "patches/readme.patch") || len(p.Unused) != 1 {
		t.Errorf("new spec:\n%s\nunused %v", p.New, p.Unused)
	}
}

// alreadyAppliedIn asks alreadyApplied of a tree holding README.
func alreadyAppliedIn(t *testing.T, readme, patchFile string) (bool, error) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "README"), []byte(readme), 0o644)
	return alreadyApplied(func(args ...string) (bool, string, error) {
		cmd := exec.Command("patch", append([]string{"-p1", "--batch"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return false, string(out), nil
		}
		return err == nil, string(out), err
	}, patchFile)
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(t *testing.T, site *upstreamtest.Site) Request
		want  string
	}{
		{"version listed without a hash", func(t *testing.T, site *upstreamtest.Site) Request {
			site.AddHAProxy(t, "3.0", "3.0.13", haproxy3012(t), false)
			return Request{File: copySpec(t, "commented.toml"), Only: "haproxy"}
		}, "lists haproxy 3.0.13 without a sha256"},
		{"pin upstream no longer lists", func(t *testing.T, site *upstreamtest.Site) Request {
			f := copySpec(t, "commented.toml")
			replaceIn(t, f, `pcre2.version = "10.46"`, `pcre2.version = "10.44"`)
			return Request{File: f, Only: "pcre2"}
		}, "commented.toml:18: sources.pcre2.version: upstream no longer lists pcre2 10.44"},
		{"pin newer than upstream's", func(t *testing.T, site *upstreamtest.Site) Request {
			f := copySpec(t, "commented.toml")
			replaceIn(t, f, `version = "3.0.11"`, `version = "3.0.14"`)
			return Request{File: f, Only: "haproxy"}
		}, "haproxy 3.0.14 is newer than anything upstream lists on branch 3.0 (newest 3.0.12)"},
		{"404 tarball", func(t *testing.T, site *upstreamtest.Site) Request {
			// Lua 5.4.8 is listed but its tarball is not on the server; bump needs it for --check.
			return Request{File: copySpec(t, "commented.toml"), Only: "lua", Fetch: true}
		}, "lua-5.4.8.tar.gz answered 404"},
		{"index unreachable", func(t *testing.T, site *upstreamtest.Site) Request {
			site.Handle("/pcre2", func(w http.ResponseWriter, r *http.Request) {
				hj, _ := w.(http.Hijacker)
				c, _, _ := hj.Hijack()
				c.Close()
			})
			return Request{File: copySpec(t, "commented.toml"), Only: "pcre2"}
		}, "fetching pcre2's GitHub releases from"},
		{"malformed index", func(t *testing.T, site *upstreamtest.Site) Request {
			site.Handle("/haproxy/3.0/src/releases.json", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) })
			return Request{File: copySpec(t, "commented.toml"), Only: "haproxy"}
		}, "malformed"},
		{"--to a version upstream does not list", func(t *testing.T, site *upstreamtest.Site) Request {
			return Request{File: copySpec(t, "commented.toml"), Only: "haproxy", To: "3.0.99"}
		}, "upstream lists no haproxy 3.0.99 on branch 3.0 (newest there: 3.0.12)"},
		{"--to without --only", func(t *testing.T, site *upstreamtest.Site) Request {
			return Request{File: copySpec(t, "commented.toml"), To: "3.0.12"}
		}, "say which with --only NAME"},
		{"--to and --branch for the same component", func(t *testing.T, site *upstreamtest.Site) Request {
			return Request{File: copySpec(t, "commented.toml"), Only: "haproxy", To: "3.0.12", Branches: map[string]string{"haproxy": "3.2"}}
		}, "--to 3.0.12 and --branch haproxy=3.2 both choose the haproxy release to move to; give one"},
		{"--only a component the spec does not build", func(t *testing.T, site *upstreamtest.Site) Request {
			return Request{File: copySpec(t, "commented.toml"), Only: "openssl"}
		}, "the spec builds no openssl; it pins haproxy, lua, pcre2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site := upstreamtest.New(t)
			req := tt.setup(t, site)
			req.WorkDir = t.TempDir()
			before, _ := os.ReadFile(req.File)
			_, err := newBumper(t, site).Plan(ctx, req)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v\nwant an error containing %q", err, tt.want)
			}
			assertUntouched(t, req.File, before)
		})
	}
}

// A spec is read as spec.Load reads it: a FIFO (or a device) named as the spec is refused
// at once, not read until it ends, which may be never; so is a file over spec.MaxSize.
func TestPlanReadsOnlyARegularSpec(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "spec.toml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	defer func() { // should Plan open the FIFO after all, let it go
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
	}()
	big := copySpec(t, "commented.toml")
	replaceIn(t, big, "[image]\n", "[image]\n"+strings.Repeat("# padding\n", spec.MaxSize/10))
	site := upstreamtest.New(t)
	for file, want := range map[string]string{
		fifo: "reading spec: open " + fifo + ": not a regular file (a FIFO)",
		big:  fmt.Sprintf("reading spec %s: it is larger than %d bytes", big, spec.MaxSize),
	} {
		done := make(chan error, 1)
		go func() {
			_, err := newBumper(t, site).Plan(context.Background(), Request{File: file, WorkDir: t.TempDir()})
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("got %v\nwant an error containing %q", err, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Plan hangs reading %s", file)
		}
	}
}

// A source with no published hash takes the downloaded tarball's, or the mirror's.
func TestHashFromDownloadOrMirror(t *testing.T) {
	site := upstreamtest.New(t)
	zlib := tarball(t, "zlib-1.3.2", map[string]string{"zlib.h": "/* zlib 1.3.2 */\n"})
	site.Put(t, "zlib/zlib-1.3.2.tar.gz", zlib)
	file := copySpec(t, "commented.toml")
	replaceIn(t, file, "lua   = true", "compression = \"zlib\"\nlua   = true")
	b := newBumper(t, site)
	plan, err := b.Plan(context.Background(), Request{File: file, Only: "zlib", WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	c := plan.Changes[0]
	if c.To.Version != "1.3.2" || c.HashFrom != "download" || c.To.SHA256 != sha256hex(zlib) || c.To.URL != "https://zlib.net/fossils/zlib-1.3.2.tar.gz" {
		t.Fatalf("change %+v", c)
	}
	mirror := t.TempDir()
	os.WriteFile(filepath.Join(mirror, "zlib-1.3.2.tar.gz"), zlib, 0o644)
	site.Handle("/zlib/zlib-1.3.2.tar.gz", func(w http.ResponseWriter, r *http.Request) { t.Error("downloaded although the mirror has it") })
	plan, err = b.Plan(context.Background(), Request{File: file, Only: "zlib", WorkDir: t.TempDir(), Mirror: mirror})
	if err != nil || plan.Changes[0].HashFrom != "mirror" || plan.Changes[0].To.SHA256 != sha256hex(zlib) {
		t.Fatalf("from the mirror: %v %+v", err, plan)
	}
}

// A spec that changed on disk while bump ran is not overwritten.
func TestWriteRefusesAChangedFile(t *testing.T) {
	site := upstreamtest.New(t)
	file := copySpec(t, "commented.toml")
	plan, err := newBumper(t, site).Plan(context.Background(), Request{File: file, Only: "haproxy", WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	replaceIn(t, file, "# the recipe", "# the recipe (edited meanwhile)")
	edited, _ := os.ReadFile(file)
	if err := plan.Write(); err == nil || !strings.Contains(err.Error(), "changed while kiln bump ran") {
		t.Fatalf("got %v", err)
	}
	assertUntouched(t, file, edited)
}

// A spec that is a symlink (to a shared or versioned file) stays one: Write replaces the
// file it leads to, from a temporary file beside that one.
func TestWriteKeepsASymlinkedSpec(t *testing.T) {
	site := upstreamtest.New(t)
	real := copySpec(t, "commented.toml")
	if err := os.Chmod(real, 0o640); err != nil {
		t.Fatal(err)
	}
	linkDir := t.TempDir()
	link := filepath.Join(linkDir, "haproxy.toml")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	plan, err := newBumper(t, site).Plan(context.Background(), Request{File: link, Only: "haproxy", WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Write(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil {
		t.Fatal(err)
	} else if fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the spec's symlink %s was replaced by a file of mode %v", link, fi.Mode())
	}
	if b, err := os.ReadFile(real); err != nil || !bytes.Equal(b, plan.New) {
		t.Errorf("the symlink's target %s does not hold the bumped spec (%v)", real, err)
	}
	if fi, err := os.Stat(real); err != nil {
		t.Fatal(err)
	} else if fi.Mode().Perm() != 0o640 {
		t.Errorf("the target's mode %v was not kept", fi.Mode())
	}
	for _, dir := range []string{linkDir, filepath.Dir(real)} {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if strings.Contains(e.Name(), ".tmp-") {
				t.Errorf("left a temporary file: %s", filepath.Join(dir, e.Name()))
			}
		}
	}
}

func assertUntouched(t *testing.T, file string, before []byte) {
	t.Helper()
	after, err := os.ReadFile(file)
	if err != nil || !bytes.Equal(after, before) {
		t.Errorf("the spec changed (err %v)", err)
	}
	ents, _ := os.ReadDir(filepath.Dir(file))
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("left a temporary file: %s", e.Name())
		}
	}
}

func replaceIn(t *testing.T, file, old, new string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s has no %q", file, old)
	}
	if err := os.WriteFile(file, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sha256hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// bump reads only the branch's releases: the lifecycle index being down does not stop it.
func TestBumpNeedsNoLifecycleIndex(t *testing.T) {
	site := upstreamtest.New(t)
	for _, p := range []string{"/endoflife/haproxy/", "/endoflife/openssl/"} {
		site.Handle(p, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	}
	plan, err := newBumper(t, site).Plan(context.Background(), Request{File: copySpec(t, "commented.toml"), WorkDir: t.TempDir()})
	if err != nil || len(plan.Changes) != 3 {
		t.Fatalf("%v %+v", err, plan)
	}
	for _, r := range site.Requests() {
		if strings.HasPrefix(r, "/endoflife/") {
			t.Errorf("bump asked %s", r)
		}
	}
}

// An image.tag pinned to the old version is left alone, with a warning naming its line.
func TestPinnedTagWarns(t *testing.T) {
	site := upstreamtest.New(t)
	file := copySpec(t, "commented.toml")
	replaceIn(t, file, "[image]\n", "[image]\ntag = \"3.0.11\"\n")
	plan, err := newBumper(t, site).Plan(context.Background(), Request{File: file, Only: "haproxy", WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Warnings) != 1 || !strings.Contains(plan.Warnings[0], "commented.toml:31: image.tag is pinned") || plan.Spec.Image.Tag != "3.0.11" {
		t.Errorf("warnings %q, tag %s", plan.Warnings, plan.Spec.Image.Tag)
	}
	plan, err = newBumper(t, site).Plan(context.Background(), Request{File: file, Only: "pcre2", WorkDir: t.TempDir()})
	if err != nil || len(plan.Warnings) != 0 {
		t.Errorf("pcre2 only: %v %q", err, plan.Warnings)
	}
}

// A library's own [sources.<name>] patches are checked against its new source like the
// package's: kept and written back when they apply, the one that does not apply named,
// those the release already carries named at once with [[sources.<name>.patches]].
func TestLibraryPatchesAreChecked(t *testing.T) {
	testenv.Require(t, "patch")
	file := copySpec(t, "commented.toml")
	replaceIn(t, file, "lua   = true", "compression = \"zlib\"\nlua   = true")
	def := spec.DefaultSources[spec.DepZlib]
	table := fmt.Sprintf("\n[sources.zlib]\nversion = %q\nurl = %q\nsha256 = %q\n\n[[sources.zlib.patches]]\nfile = \"patches/zlib.patch\"\n", def.Version, def.URL, def.SHA256)
	data, _ := os.ReadFile(file)
	os.WriteFile(file, append(data, table...), 0o644)
	patchLine := strings.Count(string(data)+table, "\n") - 1
	os.WriteFile(filepath.Join(filepath.Dir(file), "patches", "zlib.patch"), []byte("--- a/zlib.h\n+++ b/zlib.h\n@@ -1 +1 @@\n-/* zlib */\n+/* zlib, ours */\n"), 0o644)
	before, _ := os.ReadFile(file)
	plan := func(zlibH string) (*Plan, error) {
		site := upstreamtest.New(t)
		site.Put(t, "zlib/zlib-1.3.2.tar.gz", tarball(t, "zlib-1.3.2", map[string]string{"zlib.h": zlibH}))
		return newBumper(t, site).Plan(context.Background(), Request{File: file, Only: "zlib", WorkDir: t.TempDir()})
	}

	_, err := plan("/* zlib 1.3.2 */\n")
	var pe *PatchError
	if !errors.As(err, &pe) || pe.Key != "sources.zlib.patches[0]" || !strings.Contains(err.Error(), fmt.Sprintf("commented.toml:%d: sources.zlib.patches[0] (patches/zlib.patch) no longer applies to zlib 1.3.2", patchLine)) {
		t.Errorf("a patch that does not apply: %v", err)
	}
	assertUntouched(t, file, before)
	released, err := plan("/* zlib, ours */\n")
	if err != nil {
		t.Fatal(err)
	}
	if c := released.Changes[0]; len(c.Dropped) != 1 || c.Dropped[0].Key != "sources.zlib.patches[0]" || c.Dropped[0].Line != patchLine ||
		strings.Contains(string(released.New), "sources.zlib.patches") || released.Spec.Sources.Zlib.Patches != nil {
		t.Errorf("a patch the release carries: %+v\n%s", c.Dropped, released.New)
	}

	p, err := plan("/* zlib */\n")
	if err != nil {
		t.Fatal(err)
	}
	if c := p.Changes[0]; len(c.Patches) != 1 || c.Patches[0].Key != "sources.zlib.patches[0]" || !c.Patches[0].Applies {
		t.Errorf("change %+v", c)
	}
	if err := p.Write(); err != nil {
		t.Fatal(err)
	}
	s, err := spec.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if z := s.Sources.Zlib; z.Version != "1.3.2" || len(z.Patches) != 1 || z.Patches[0].File != "patches/zlib.patch" {
		t.Errorf("written: %+v", z)
	}
}

// A hard link in a source tarball is unpacked as a copy of a regular file the archive
// unpacked before it; one that names anything else (a file outside the unpack directory,
// a FIFO there, a symlink or a file still to come) refuses the tarball, naming the entry.
func TestUnpackHardLinks(t *testing.T) {
	base := t.TempDir()
	if err := os.WriteFile(filepath.Join(base, "secret"), []byte("outside the archive\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(base, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	defer func() { // should unpack open the FIFO after all, let it go
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
	}()
	file := &tar.Header{Name: "pkg-1/src/a.c", Typeflag: tar.TypeReg, Mode: 0o644, Size: 4}
	link := func(name, target string) *tar.Header {
		return &tar.Header{Name: name, Typeflag: tar.TypeLink, Linkname: target}
	}
	tests := []struct {
		name    string
		entries []*tar.Header
		want    string // the error; "" for a tree with pkg-1/b.c a copy of a.c
	}{
		{"to a file unpacked before it", []*tar.Header{file, link("pkg-1/b.c", "./pkg-1/src/a.c")}, ""},
		{"out of the directory", []*tar.Header{link("pkg-1/b.c", "../../secret")}, `entry "pkg-1/b.c" is a hard link to "../../secret", which is not a regular file unpacked before it`},
		{"to a FIFO outside", []*tar.Header{link("pkg-1/b.c", "../../fifo")}, `hard link to "../../fifo"`},
		{"absolute", []*tar.Header{link("pkg-1/b.c", filepath.Join(base, "secret"))}, "is a hard link to"},
		{"to a symlink", []*tar.Header{{Name: "pkg-1/s", Typeflag: tar.TypeSymlink, Linkname: "../../../secret"}, link("pkg-1/b.c", "pkg-1/s")}, `hard link to "pkg-1/s"`},
		{"to a file after it", []*tar.Header{link("pkg-1/b.c", "pkg-1/src/a.c"), file}, `hard link to "pkg-1/src/a.c"`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			tw := tar.NewWriter(zw)
			tw.WriteHeader(&tar.Header{Name: "pkg-1/", Typeflag: tar.TypeDir, Mode: 0o755})
			for _, h := range tt.entries {
				tw.WriteHeader(h)
				if h.Typeflag == tar.TypeReg {
					tw.Write([]byte("int\n"))
				}
			}
			tw.Close()
			zw.Close()
			tgz := filepath.Join(base, fmt.Sprintf("pkg-%d.tar.gz", i))
			if err := os.WriteFile(tgz, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(base, fmt.Sprintf("%d", i), "src")
			os.MkdirAll(dir, 0o755)
			done := make(chan error, 1)
			var top string
			go func() {
				var err error
				top, err = unpack(tgz, dir)
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("unpack hangs")
			}
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got, err := os.ReadFile(filepath.Join(top, "b.c")); err != nil || string(got) != "int\n" {
					t.Errorf("b.c: %q %v", got, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "unpacking "+tgz) {
				t.Fatalf("got %v\nwant an error naming %s and containing %q", err, tgz, tt.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "pkg-1", "b.c")); err == nil {
				t.Error("the link was unpacked")
			}
		})
	}
}
