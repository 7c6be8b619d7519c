package pgo

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kilnbuild/kiln/nixgen/spec"
)

func manifest(t *testing.T) Manifest {
	t.Helper()
	m, err := For(spec.Default())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPackIsDeterministicAndReadsBack: the same files and manifest give the same bytes
// (whatever this machine's clock, owner or umask), and Unpack returns them.
func TestPackIsDeterministicAndReadsBack(t *testing.T) {
	files := map[string][]byte{"src/h1.gcda": []byte("h1 counts"), "src/haproxy.gcda": []byte("main"), "addons/promex/service-prometheus.gcda": {0, 1, 2}}
	var a, b bytes.Buffer
	if err := Pack(&a, files, manifest(t)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // a packer that used the clock would differ now
	if err := Pack(&b, files, manifest(t)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two packs of the same profile differ")
	}
	m, got, err := Unpack(a.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(files) {
		t.Fatalf("unpacked %d files, packed %d", len(got), len(files))
	}
	for n, d := range files {
		if !bytes.Equal(got[n], d) {
			t.Errorf("%s: unpacked %q, packed %q", n, got[n], d)
		}
	}
	if d := m.Differences(manifest(t)); len(d) > 0 {
		t.Errorf("the manifest does not read back: %v", d)
	}
	// Every entry is a plain file owned by nobody in particular, dated the epoch.
	zr, _ := gzip.NewReader(bytes.NewReader(a.Bytes()))
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Mode != 0o644 || !h.ModTime.Equal(time.Unix(0, 0)) {
			t.Errorf("%s: uid %d gid %d uname %q mode %o mtime %v", h.Name, h.Uid, h.Gid, h.Uname, h.Mode, h.ModTime)
		}
	}
	if err := Pack(&bytes.Buffer{}, map[string][]byte{"../etc/x.gcda": nil}, manifest(t)); err == nil {
		t.Error("Pack took a file name that climbs out of the source tree")
	}
	if err := Pack(&bytes.Buffer{}, nil, manifest(t)); err == nil {
		t.Error("Pack wrote an empty profile")
	}
}

type entry struct {
	name     string
	typeflag byte
	body     string
}

func tarball(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typeflag, Mode: 0o644, Size: int64(len(e.body))}
		if e.typeflag != tar.TypeReg {
			h.Size, h.Linkname = 0, "/etc/passwd"
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if e.typeflag == tar.TypeReg {
			tw.Write([]byte(e.body))
		}
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// TestUnpackRefusesHostileProfiles: a profile is extracted into the source tree by the
// recipe, so anything but relative .gcda files and the manifest is refused here, first.
func TestUnpackRefusesHostileProfiles(t *testing.T) {
	var good bytes.Buffer
	if err := Pack(&good, map[string][]byte{"src/h1.gcda": []byte("x")}, manifest(t)); err != nil {
		t.Fatal(err)
	}
	_, files, err := Unpack(good.Bytes())
	if err != nil || len(files) != 1 {
		t.Fatalf("a good profile: %v, %d files", err, len(files))
	}
	man := `{"kiln_profile": 1}`
	many := []entry{{ManifestName, tar.TypeReg, man}}
	for i := range maxFiles + 1 {
		many = append(many, entry{"src/f" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "/" + string(rune('a'+i/26%26)) + string(rune('a'+i/676)) + ".gcda", tar.TypeReg, ""})
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"not gzip", []byte("plain text"), "not a gzip'd tarball"},
		{"no manifest", tarball(t, entry{"src/h1.gcda", tar.TypeReg, "x"}), "no kiln-profile.json"},
		{"absolute", tarball(t, entry{ManifestName, tar.TypeReg, man}, entry{"/etc/h1.gcda", tar.TypeReg, "x"}), "not a relative .gcda"},
		{"climbs out", tarball(t, entry{ManifestName, tar.TypeReg, man}, entry{"src/../../h1.gcda", tar.TypeReg, "x"}), "not a relative .gcda"},
		{"not gcda", tarball(t, entry{ManifestName, tar.TypeReg, man}, entry{"src/h1.c", tar.TypeReg, "x"}), "not a relative .gcda"},
		{"symlink", tarball(t, entry{ManifestName, tar.TypeReg, man}, entry{"src/h1.gcda", tar.TypeSymlink, ""}), "not a regular file"},
		{"hard link", tarball(t, entry{ManifestName, tar.TypeReg, man}, entry{"src/h1.gcda", tar.TypeLink, ""}), "not a regular file"},
		{"twice", tarball(t, entry{ManifestName, tar.TypeReg, man}, entry{"src/h1.gcda", tar.TypeReg, "x"}, entry{"src/h1.gcda", tar.TypeReg, "y"}), "twice"},
		{"unknown manifest key", tarball(t, entry{ManifestName, tar.TypeReg, `{"kiln_profile": 1, "run": "sh"}`}, entry{"src/h1.gcda", tar.TypeReg, "x"}), "unknown field"},
		{"future format", tarball(t, entry{ManifestName, tar.TypeReg, `{"kiln_profile": 2}`}, entry{"src/h1.gcda", tar.TypeReg, "x"}), "format 2"},
		{"empty", tarball(t, entry{ManifestName, tar.TypeReg, man}), "no .gcda files"},
		{"too many files", tarball(t, many...), "more than 4096 files"},
		{"too large", tarball(t, entry{ManifestName, tar.TypeReg, man}, entry{"src/big.gcda", tar.TypeReg, strings.Repeat("0", maxTotal+1)}), "more than 64 MiB"},
	}
	for _, c := range cases {
		_, _, err := Unpack(c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error saying %q", c.name, err, c.want)
		}
	}
}

// TestCheckNamesWhatMoved: a profile recorded for one build is refused for another, and
// the error says which input differs and how to record it again.
func TestCheckNamesWhatMoved(t *testing.T) {
	var buf bytes.Buffer
	if err := Pack(&buf, map[string][]byte{"src/h1.gcda": []byte("x")}, manifest(t)); err != nil {
		t.Fatal(err)
	}
	if err := Check(buf.Bytes(), spec.Default()); err != nil {
		t.Fatalf("the profile of the default build, for the default build: %v", err)
	}
	s := spec.Default()
	s.Build.March = "x86-64-v3"
	s.Features.Promex = true
	err := Check(buf.Bytes(), s)
	if err == nil {
		t.Fatal("a profile recorded for the baseline was accepted for x86-64-v3")
	}
	for _, want := range []string{`march (recorded for "", this build "x86-64-v3")`, "features (", "kiln profile SPEC -o FILE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "toolchain (") || strings.Contains(err.Error(), "recipes_sha256 (") {
		t.Errorf("the error names fields that did not move: %v", err)
	}
}

// TestCollectNamesFilesAsTheRecipeExtractsThem: the instrumented build's .gcda files land
// under GCOV_PREFIX at the build's mapped path (/build/src/<tarball dir>/src/x.gcda) and are
// named src/x.gcda, where the recipe puts them beside src/x.o.
func TestCollectNamesFilesAsTheRecipeExtractsThem(t *testing.T) {
	prefix := t.TempDir()
	tree := filepath.Join(prefix, "build", "src", "haproxy-3.0.11")
	for _, f := range []string{"src/h1.gcda", "addons/promex/service-prometheus.gcda"} {
		p := filepath.Join(tree, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, err := Collect(prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || string(files["src/h1.gcda"]) != "src/h1.gcda" || string(files["addons/promex/service-prometheus.gcda"]) == "" {
		t.Errorf("collected %v", files)
	}
	os.WriteFile(filepath.Join(tree, "src", "core"), []byte("x"), 0o644)
	if _, err := Collect(prefix); err == nil || !strings.Contains(err.Error(), "unexpected file") {
		t.Errorf("a stray file under the profile: %v", err)
	}
	os.MkdirAll(filepath.Join(prefix, "build", "src", "other"), 0o755)
	if _, err := Collect(prefix); err == nil || !strings.Contains(err.Error(), "want one") {
		t.Errorf("two source trees: %v", err)
	}
	if _, err := Collect(t.TempDir()); err == nil || !strings.Contains(err.Error(), "wrote no profile") {
		t.Errorf("nothing written: %v", err)
	}
}
