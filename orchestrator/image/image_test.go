package image

import (
	"archive/tar"
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

var update = flag.Bool("update", false, "rewrite testdata/digests.golden")

const (
	helloPath = "/nix/store/0c4a5nm7a3bbl8dnlh2dn0cb2mcqk3ka-hello-2.12"
	libPath   = "/nix/store/9x1zwl4s9xbiadbcd1nkp7x1m9w1jgrv-libfoo-1.0"
)

// makeStore lays out a small synthetic store under a fresh temp root. Host
// modes and mtimes are deliberately odd (seeded by seed) to prove that only
// type, size, exec bit and link target reach the layer.
func makeStore(t *testing.T, seed int64) string {
	t.Helper()
	root := t.TempDir()
	rng := rand.New(rand.NewSource(seed))
	write := func(p string, data string, mode fs.FileMode) {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o700+fs.FileMode(rng.Intn(2))*0o55); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), mode); err != nil {
			t.Fatal(err)
		}
		// The mode given to WriteFile is filtered by umask: set it for real.
		if err := os.Chmod(full, mode); err != nil {
			t.Fatal(err)
		}
	}
	link := func(p, target string) {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, full); err != nil {
			t.Fatal(err)
		}
	}
	exec := fs.FileMode(0o500 + rng.Intn(2)*0o55) // some exec bit, either way
	plain := fs.FileMode(0o600 + rng.Intn(2)*0o44)
	write(helloPath+"/bin/hello", "#!/bin/sh\necho hello\n", exec)
	write(helloPath+"/share/doc/hello/README", "hello docs\n", plain)
	write(helloPath+"/share/doc/hello-extra", "dash sorts after slash component\n", plain)
	if err := os.MkdirAll(filepath.Join(root, helloPath, "share/empty"), 0o700); err != nil {
		t.Fatal(err)
	}
	link(helloPath+"/lib", libPath+"/lib")
	write(libPath+"/lib/libfoo.so.1", strings.Repeat("\x7fELF", 1000), exec)
	link(libPath+"/lib/libfoo.so", "libfoo.so.1")
	// Something not in the closure, which must not be packaged.
	write("/nix/store/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-unrelated/x", "no", plain)

	// Random host mtimes.
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type()&fs.ModeSymlink == 0 {
			tm := time.Unix(rng.Int63n(2e9), 0)
			_ = os.Chtimes(p, tm, tm)
		}
		return nil
	})
	return root
}

func testRootfs(root string) Rootfs {
	return Rootfs{
		Root:       root,
		StorePaths: []string{libPath, helloPath, libPath}, // unsorted, with a duplicate
		Files: []File{
			{Path: "/etc/passwd", Mode: 0o644, Data: []byte("root:x:0:0::/:/sbin/nologin\nhaproxy:x:99:99::/:/sbin/nologin\n")},
			{Path: "/etc/group", Data: []byte("root:x:0:\nhaproxy:x:99:\n")},
			{Path: "/bin/hello", Symlink: helloPath + "/bin/hello"},
			{Path: "/tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
			{Path: "/etc/haproxy/haproxy.cfg", Mode: 0o444, Data: []byte("global\n")},
		},
	}
}

func testConfig() Config {
	return Config{
		Entrypoint:   []string{"/bin/hello"},
		Cmd:          []string{"-f", "/etc/haproxy/haproxy.cfg"},
		Env:          []string{"PATH=/bin", "LANG=C.UTF-8"},
		User:         "99:99",
		WorkingDir:   "/",
		StopSignal:   "SIGUSR1",
		ExposedPorts: []string{"8080/tcp", "8443", "53/udp"},
		Labels:       map[string]string{"org.opencontainers.image.title": "hello", "org.opencontainers.image.version": "2.12"},
		Created:      time.Date(2024, 5, 6, 7, 8, 9, 0, time.FixedZone("CEST", 2*3600)),
	}
}

func build(t *testing.T, fsys Rootfs, c Compression) v1.Image {
	t.Helper()
	img, err := Build(context.Background(), fsys, testConfig(), Options{Compression: c})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func digest(t *testing.T, img v1.Image) string {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

func TestBuildValid(t *testing.T) {
	for _, c := range []Compression{Gzip, Zstd} {
		t.Run(string(c), func(t *testing.T) {
			img := build(t, testRootfs(makeStore(t, 1)), c)
			validateImage(t, img)
			m, err := img.Manifest()
			if err != nil {
				t.Fatal(err)
			}
			if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON {
				t.Errorf("manifest media types %q, config %q; want OCI", m.MediaType, m.Config.MediaType)
			}
			if len(m.Layers) != 1 || m.Layers[0].MediaType != c.MediaType() {
				t.Fatalf("layers %+v; want one %s", m.Layers, c.MediaType())
			}
			cf, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			want := time.Date(2024, 5, 6, 5, 8, 9, 0, time.UTC)
			if cf.Architecture != "amd64" || cf.OS != "linux" {
				t.Errorf("platform %s/%s", cf.OS, cf.Architecture)
			}
			if !cf.Created.Time.Equal(want) || len(cf.History) != 1 || !cf.History[0].Created.Time.Equal(want) {
				t.Errorf("created %v, history %+v; want %v", cf.Created, cf.History, want)
			}
			raw, _ := img.RawConfigFile()
			if !bytes.Contains(raw, []byte(`"created":"2024-05-06T05:08:09Z"`)) {
				t.Errorf("config does not record created in UTC: %s", raw)
			}
			c := cf.Config
			if c.StopSignal != "SIGUSR1" || c.User != "99:99" || c.Labels["org.opencontainers.image.version"] != "2.12" {
				t.Errorf("config %+v", c)
			}
			for _, p := range []string{"8080/tcp", "8443/tcp", "53/udp"} {
				if _, ok := c.ExposedPorts[p]; !ok {
					t.Errorf("exposed ports %v lack %s", c.ExposedPorts, p)
				}
			}
			if strings.Join(c.Env, " ") != "PATH=/bin LANG=C.UTF-8" {
				t.Errorf("env %v", c.Env)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	for _, c := range []Compression{Gzip, Zstd} {
		t.Run(string(c), func(t *testing.T) {
			first := digest(t, build(t, testRootfs(makeStore(t, 1)), c))
			if again := digest(t, build(t, testRootfs(makeStore(t, 1)), c)); again != first {
				t.Errorf("same input twice: %s then %s", first, again)
			}
			// Another TMPDIR, another working directory, other host modes and mtimes.
			t.Setenv("TMPDIR", t.TempDir())
			t.Chdir(t.TempDir())
			if other := digest(t, build(t, testRootfs(makeStore(t, 2)), c)); other != first {
				t.Errorf("other TMPDIR, working dir and host metadata: %s, want %s", other, first)
			}
		})
	}
}

// TestGolden pins the digests of the synthetic image. They change only when
// the layer format, the config or the pinned compressor does: rerun with
// -update and say why in the commit.
func TestGolden(t *testing.T) {
	got := map[string]string{}
	for _, c := range []Compression{Gzip, Zstd} {
		got[string(c)] = digest(t, build(t, testRootfs(makeStore(t, 1)), c))
	}
	golden := filepath.Join("testdata", "digests.golden.json")
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update)", err)
	}
	want := map[string]string{}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for k, v := range got {
		if want[k] != v {
			t.Errorf("%s digest %s, golden %s", k, v, want[k])
		}
	}
}

type tarEntry struct {
	hdr  *tar.Header
	data string
}

func listLayer(t *testing.T, img v1.Image) []tarEntry {
	t.Helper()
	ls, err := img.Layers()
	if err != nil || len(ls) != 1 {
		t.Fatalf("layers %v, %v", ls, err)
	}
	rc, err := ls[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var out []tarEntry
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out = append(out, tarEntry{h, string(b)})
	}
}

func TestTarListing(t *testing.T) {
	mtime := time.Date(2001, 2, 3, 4, 5, 6, 700, time.UTC)
	img, err := Build(context.Background(), testRootfs(makeStore(t, 3)), testConfig(), Options{MTime: mtime})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range listLayer(t, img) {
		h := e.hdr
		line := fmt.Sprintf("%c %04o %s", h.Typeflag, h.Mode, h.Name)
		if h.Linkname != "" {
			line += " -> " + h.Linkname
		}
		if h.Typeflag == tar.TypeReg {
			line += fmt.Sprintf(" (%d)", h.Size)
		}
		got = append(got, line)
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: owner %d:%d %q:%q", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		if !h.ModTime.Equal(mtime.Truncate(time.Second)) {
			t.Errorf("%s: mtime %v", h.Name, h.ModTime)
		}
		if !h.AccessTime.IsZero() || !h.ChangeTime.IsZero() || len(h.PAXRecords) != 0 || h.Devmajor != 0 {
			t.Errorf("%s: extra header fields %+v", h.Name, h)
		}
		if h.Name == "etc/passwd" && !strings.HasPrefix(e.data, "root:x:0:0:") {
			t.Errorf("etc/passwd content %q", e.data)
		}
	}
	wantAll := strings.Join([]string{
		"5 0755 bin/",
		"2 0777 bin/hello -> " + helloPath + "/bin/hello",
		"5 0755 etc/",
		"0 0644 etc/group (24)",
		"5 0755 etc/haproxy/",
		"0 0444 etc/haproxy/haproxy.cfg (7)",
		"0 0644 etc/passwd (61)",
		"5 0755 nix/",
		"5 0555 nix/store/",
		"5 0555 nix/store/0c4a5nm7a3bbl8dnlh2dn0cb2mcqk3ka-hello-2.12/",
		"5 0555 nix/store/0c4a5nm7a3bbl8dnlh2dn0cb2mcqk3ka-hello-2.12/bin/",
		"0 0555 nix/store/0c4a5nm7a3bbl8dnlh2dn0cb2mcqk3ka-hello-2.12/bin/hello (21)",
		"2 0777 nix/store/0c4a5nm7a3bbl8dnlh2dn0cb2mcqk3ka-hello-2.12/lib -> " + libPath + "/lib",
		"5 0555 nix/store/0c4a5nm7a3bbl8dnlh2dn0cb2mcqk3ka-hello-2.12/share/",
		"5 0555 nix/store/0c4a5nm7a3bbl8dnlh2dn0cb2mcqk3ka-hello-2.12/share/doc/",
		"5 0555 nix/store/0c4a5nm7a3bbl8dnlh2dn0cb2mcqk3ka-hello-2.12/share/doc/hello/",
		"0 0444 nix/store/0c4a5nm7a3bbl8dnlh2dn0cb2mcqk3ka-hello-2.12/share/doc/hello/README (11)",
		"0 0444 nix/store/0c4a5nm7a3bbl8dnlh2dn0cb2mcqk3ka-hello-2.12/share/doc/hello-extra (33)",
		"5 0555 nix/store/0c4a5nm7a3bbl8dnlh2dn0cb2mcqk3ka-hello-2.12/share/empty/",
		"5 0555 nix/store/9x1zwl4s9xbiadbcd1nkp7x1m9w1jgrv-libfoo-1.0/",
		"5 0555 nix/store/9x1zwl4s9xbiadbcd1nkp7x1m9w1jgrv-libfoo-1.0/lib/",
		"2 0777 nix/store/9x1zwl4s9xbiadbcd1nkp7x1m9w1jgrv-libfoo-1.0/lib/libfoo.so -> libfoo.so.1",
		"0 0555 nix/store/9x1zwl4s9xbiadbcd1nkp7x1m9w1jgrv-libfoo-1.0/lib/libfoo.so.1 (4000)",
		"5 1777 tmp/",
	}, "\n")
	if g := strings.Join(got, "\n"); g != wantAll {
		t.Errorf("layer listing:\n%s\nwant:\n%s", g, wantAll)
	}
}

func TestPathLess(t *testing.T) {
	in := []string{"a-b", "a/b", "a", "a/b/c", "a/b-c", "a.b", "B", "a/b/c/d"}
	want := []string{"B", "a", "a/b", "a/b/c", "a/b/c/d", "a/b-c", "a-b", "a.b"}
	got := append([]string(nil), in...)
	sortStrings(got)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("order %v, want %v", got, want)
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && pathLess(s[j], s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestErrors(t *testing.T) {
	root := makeStore(t, 1)
	base := testRootfs(root)
	with := func(f func(*Rootfs)) Rootfs {
		r := base
		r.StorePaths = append([]string(nil), base.StorePaths...)
		r.Files = append([]File(nil), base.Files...)
		f(&r)
		return r
	}
	cases := []struct {
		name string
		fsys Rootfs
		cfg  Config
		opts Options
		want string
	}{
		{"file collides with store path", with(func(r *Rootfs) {
			r.Files = append(r.Files, File{Path: helloPath + "/bin/hello", Data: []byte("x")})
		}), Config{}, Options{}, "collides with store path " + helloPath},
		{"file is a store path", with(func(r *Rootfs) {
			r.Files = append(r.Files, File{Path: libPath, Symlink: "/x"})
		}), Config{}, Options{}, "collides with store path"},
		{"file in store", with(func(r *Rootfs) {
			r.Files = append(r.Files, File{Path: "/nix/store/foo", Data: []byte("x")})
		}), Config{}, Options{}, "collides with the Nix store"},
		{"file is /nix", with(func(r *Rootfs) {
			r.Files = append(r.Files, File{Path: "/nix", Mode: fs.ModeDir})
		}), Config{}, Options{}, "collides with the Nix store"},
		{"duplicate file", with(func(r *Rootfs) {
			r.Files = append(r.Files, File{Path: "/etc/passwd", Data: []byte("x")})
		}), Config{}, Options{}, "/etc/passwd: path already in the image"},
		{"parent is a file", with(func(r *Rootfs) {
			r.Files = append(r.Files, File{Path: "/etc/passwd/x", Data: []byte("x")})
		}), Config{}, Options{}, "/etc/passwd is not a directory"},
		{"parent is a symlink", with(func(r *Rootfs) {
			r.Files = append(r.Files, File{Path: "/bin/hello/x", Data: []byte("x")})
		}), Config{}, Options{}, "/bin/hello is not a directory"},
		{"relative file", with(func(r *Rootfs) {
			r.Files = append(r.Files, File{Path: "etc/x"})
		}), Config{}, Options{}, "must be absolute"},
		{"unclean file", with(func(r *Rootfs) {
			r.Files = append(r.Files, File{Path: "/etc/../x"})
		}), Config{}, Options{}, "must be absolute, clean"},
		{"symlink with data", with(func(r *Rootfs) {
			r.Files = append(r.Files, File{Path: "/x", Symlink: "/y", Data: []byte("z")})
		}), Config{}, Options{}, "a symlink has no data"},
		{"store path outside store", with(func(r *Rootfs) {
			r.StorePaths = append(r.StorePaths, "/usr/lib")
		}), Config{}, Options{}, `"/usr/lib" is not under /nix/store`},
		{"store path escaping", with(func(r *Rootfs) {
			r.StorePaths = append(r.StorePaths, "/nix/store/../../etc")
		}), Config{}, Options{}, "not a clean path"},
		{"store dir itself", with(func(r *Rootfs) {
			r.StorePaths = append(r.StorePaths, "/nix/store/")
		}), Config{}, Options{}, "not a clean path"},
		{"store subpath", with(func(r *Rootfs) {
			r.StorePaths = append(r.StorePaths, helloPath+"/bin")
		}), Config{}, Options{}, "not directly under /nix/store"},
		{"relative store path", with(func(r *Rootfs) {
			r.StorePaths = append(r.StorePaths, "nix/store/abc-x")
		}), Config{}, Options{}, "not under /nix/store"},
		{"missing store path", with(func(r *Rootfs) {
			r.StorePaths = append(r.StorePaths, "/nix/store/00000000000000000000000000000000-gone")
		}), Config{}, Options{}, "no such file or directory"},
		{"missing root", with(func(r *Rootfs) { r.Root = filepath.Join(root, "nope") }), Config{}, Options{}, "store root"},
		{"bad compression", base, Config{}, Options{Compression: "xz"}, `unknown compression "xz"`},
		{"bad port", base, Config{ExposedPorts: []string{"http"}}, Options{}, "port must be a number"},
		{"bad protocol", base, Config{ExposedPorts: []string{"80/icmp"}}, Options{}, "protocol must be"},
		{"bad env", base, Config{Env: []string{"PATH"}}, Options{}, "not KEY=VALUE"},
		{"relative workdir", base, Config{WorkingDir: "srv"}, Options{}, "not absolute"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Build(context.Background(), c.fsys, c.cfg, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v; want one containing %q", err, c.want)
			}
		})
	}
}

func TestUnsupportedFileType(t *testing.T) {
	root := makeStore(t, 1)
	if err := mkfifo(filepath.Join(root, helloPath, "fifo")); err != nil {
		t.Fatal("mkfifo:", err)
	}
	_, err := Build(context.Background(), testRootfs(root), Config{}, Options{})
	if err == nil || !strings.Contains(err.Error(), "unsupported file type") {
		t.Errorf("error %v; want unsupported file type", err)
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Build(ctx, testRootfs(makeStore(t, 1)), Config{}, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v; want context.Canceled", err)
	}
}

// TestCompressorIgnoresWriteSizes proves that the pinned compressors'
// output depends on the bytes only, not on how reads split them.
func TestCompressorIgnoresWriteSizes(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	data := make([]byte, 3<<20)
	for i := range data {
		if i%3 == 0 {
			data[i] = byte(rng.Intn(256))
		} else {
			data[i] = byte(i / 1000)
		}
	}
	for _, c := range []Compression{Gzip, Zstd} {
		var whole, chunked bytes.Buffer
		w, _ := newCompressor(c, &whole)
		w.Write(data)
		w.Close()
		w, _ = newCompressor(c, &chunked)
		for rest := data; len(rest) > 0; {
			n := min(len(rest), 1+rng.Intn(200000))
			w.Write(rest[:n])
			rest = rest[n:]
		}
		w.Close()
		if !bytes.Equal(whole.Bytes(), chunked.Bytes()) {
			t.Errorf("%s: output depends on write sizes", c)
		}
		r, err := newDecompressor(c, &whole)
		if err != nil {
			t.Fatal(err)
		}
		back, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(back, data) {
			t.Errorf("%s: round trip failed: %v", c, err)
		}
	}
}

// validateImage runs validate.Image; for zstd layers, which it cannot read,
// it runs the fast variant and checks digest, diff ID and size by hand.
func validateImage(t *testing.T, img v1.Image) {
	t.Helper()
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	zstd := false
	for _, l := range m.Layers {
		zstd = zstd || l.MediaType == types.OCILayerZStd
	}
	if !zstd {
		if err := validate.Image(img); err != nil {
			t.Fatalf("validate.Image: %v", err)
		}
		return
	}
	if err := validate.Image(img, validate.Fast); err != nil {
		t.Fatalf("validate.Image(Fast): %v", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range ls {
		rc, _ := l.Compressed()
		d, n, err := v1.SHA256(rc)
		rc.Close()
		if err != nil || d != m.Layers[i].Digest || n != m.Layers[i].Size {
			t.Errorf("layer %d: sha256 %s size %d, manifest says %s %d (%v)", i, d, n, m.Layers[i].Digest, m.Layers[i].Size, err)
		}
		rc, _ = l.Compressed()
		zr, err := newDecompressor(Zstd, rc)
		if err != nil {
			t.Fatal(err)
		}
		diff, _, err := v1.SHA256(zr)
		rc.Close()
		if err != nil || diff != cf.RootFS.DiffIDs[i] {
			t.Errorf("layer %d: diff ID %s, config says %s (%v)", i, diff, cf.RootFS.DiffIDs[i], err)
		}
	}
}

// TestZstdFrame pins the shape of the zstd layer: one frame whose header
// records the tar size (Single_Segment, Frame_Content_Size), no dictionary
// and no content checksum, followed by nothing.
func TestZstdFrame(t *testing.T) {
	img := build(t, testRootfs(makeStore(t, 1)), Zstd)
	ls, err := img.Layers()
	if err != nil || len(ls) != 1 {
		t.Fatalf("layers %v, %v", ls, err)
	}
	rc, _ := ls[0].Compressed()
	b, _ := io.ReadAll(rc)
	tarSize := int64(len(listLayerRaw(t, img)))
	checkZstdFrame(t, b, tarSize)

	// An empty input is still one valid frame, of content size 0.
	var empty bytes.Buffer
	w, _ := newCompressor(Zstd, &empty)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	checkZstdFrame(t, empty.Bytes(), 0)
	r, err := newDecompressor(Zstd, &empty)
	if err != nil {
		t.Fatal(err)
	}
	if back, err := io.ReadAll(r); err != nil || len(back) != 0 {
		t.Errorf("empty frame decodes to %d B, %v", len(back), err)
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Error("write after Close succeeded")
	}
}

// TestGzipMember pins the shape of the gzip layer: one gzip member with a
// fixed header (no name, no comment, MTIME 0, XFL 2, OS 255), whose content,
// read by Go's own compress/gzip, is the layer tar; nothing follows it.
func TestGzipMember(t *testing.T) {
	img := build(t, testRootfs(makeStore(t, 1)), Gzip)
	ls, err := img.Layers()
	if err != nil || len(ls) != 1 {
		t.Fatalf("layers %v, %v", ls, err)
	}
	rc, _ := ls[0].Compressed()
	b, _ := io.ReadAll(rc)
	checkGzipMember(t, b, listLayerRaw(t, img))

	// Inputs of many sizes, an empty one included, through the compressor
	// the layer uses.
	rng := rand.New(rand.NewSource(11))
	for _, n := range []int{0, 1, 511, 512, 10240, 65536, 65537, 1 << 20} {
		data := make([]byte, n)
		for i := range data {
			if rng.Intn(4) == 0 {
				data[i] = byte(rng.Intn(256))
			} else {
				data[i] = byte(i / 97)
			}
		}
		var out bytes.Buffer
		w, _ := newCompressor(Gzip, &out)
		w.Write(data)
		if err := w.Close(); err != nil {
			t.Fatalf("%d B: %v", n, err)
		}
		checkGzipMember(t, out.Bytes(), data)
		if _, err := w.Write([]byte("x")); err == nil {
			t.Errorf("%d B: write after Close succeeded", n)
		}
	}
}

// checkGzipMember checks that b is exactly one gzip member with kiln's
// fixed header and that Go's standard gzip reader decodes it to want.
func checkGzipMember(t *testing.T, b, want []byte) {
	t.Helper()
	if hdr := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255}; len(b) < 18 || !bytes.Equal(b[:10], hdr) {
		t.Fatalf("%d B: gzip header % x, want % x", len(want), b[:min(len(b), 10)], hdr)
	}
	br := bytes.NewReader(b)
	zr, err := stdgzip.NewReader(br)
	if err != nil {
		t.Fatalf("%d B: %v", len(want), err)
	}
	zr.Multistream(false)
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%d B: compress/gzip: %v", len(want), err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%d B: compress/gzip decodes %d B that differ", len(want), len(got))
	}
	if br.Len() != 0 {
		t.Errorf("%d B: %d B after the gzip member", len(want), br.Len())
	}
}

func listLayerRaw(t *testing.T, img v1.Image) []byte {
	t.Helper()
	ls, _ := img.Layers()
	rc, err := ls[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkZstdFrame walks b as a zstd frame (RFC 8878, section 3.1.1).
func checkZstdFrame(t *testing.T, b []byte, contentSize int64) {
	t.Helper()
	if len(b) < 6 || !bytes.Equal(b[:4], []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		t.Fatalf("no zstd magic: % x", b[:min(len(b), 8)])
	}
	fhd := b[4]
	fcsFlag, single, checksum, dictFlag := fhd>>6, fhd>>5&1, fhd>>2&1, fhd&3
	if single != 1 || checksum != 0 || dictFlag != 0 {
		t.Errorf("frame header descriptor %08b: single segment %d, checksum %d, dictionary ID flag %d; want 1, 0, 0", fhd, single, checksum, dictFlag)
	}
	p := 5
	if single == 0 {
		p++ // Window_Descriptor
	}
	fcsLen := [4]int{0, 2, 4, 8}[fcsFlag]
	if fcsFlag == 0 && single == 1 {
		fcsLen = 1
	}
	var fcs int64
	for i := fcsLen - 1; i >= 0; i-- {
		fcs = fcs<<8 | int64(b[p+i])
	}
	if fcsLen == 2 {
		fcs += 256
	}
	p += fcsLen
	if fcs != contentSize {
		t.Errorf("Frame_Content_Size %d, want %d", fcs, contentSize)
	}
	for {
		if p+3 > len(b) {
			t.Fatalf("frame truncated at %d of %d B", p, len(b))
		}
		h := int(b[p]) | int(b[p+1])<<8 | int(b[p+2])<<16
		last, typ, size := h&1, h>>1&3, h>>3
		p += 3
		switch typ {
		case 1: // RLE: one byte
			p++
		case 3:
			t.Fatalf("reserved block type at %d", p-3)
		default:
			p += size
		}
		if last == 1 {
			break
		}
	}
	if p != len(b) {
		t.Errorf("frame ends at %d, %d B follow it (checksum or another frame)", p, len(b)-p)
	}
}
