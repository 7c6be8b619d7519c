package libdeflate

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"
)

// roundTrip compresses src at level, checks the member's header and trailer,
// and checks that Go's gzip reader gives back src.
func roundTrip(t *testing.T, src []byte, level int) []byte {
	t.Helper()
	gz, err := Gzip(src, level)
	if err != nil {
		t.Fatalf("level %d, %d B: %v", level, len(src), err)
	}
	if len(gz) < 18 {
		t.Fatalf("level %d, %d B: member is %d B, shorter than a gzip header and trailer", level, len(src), len(gz))
	}
	// ID1 ID2 CM FLG MTIME(4) XFL OS: no name, comment, extra or header CRC; MTIME 0; OS unknown.
	wantXFL := byte(0)
	switch {
	case level < 2:
		wantXFL = 4
	case level >= 8:
		wantXFL = 2
	}
	if want := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, wantXFL, 255}; !bytes.Equal(gz[:10], want) {
		t.Errorf("level %d, %d B: header % x, want % x", level, len(src), gz[:10], want)
	}
	if got := binary.LittleEndian.Uint32(gz[len(gz)-4:]); got != uint32(len(src)) {
		t.Errorf("level %d: ISIZE %d, want %d", level, got, len(src))
	}
	br := bytes.NewReader(gz)
	zr, err := gzip.NewReader(br)
	if err != nil {
		t.Fatalf("level %d, %d B: %v", level, len(src), err)
	}
	zr.Multistream(false)
	got, err := io.ReadAll(zr) // also checks the CRC-32 and ISIZE
	if err != nil {
		t.Fatalf("level %d, %d B: decompressing: %v", level, len(src), err)
	}
	if !bytes.Equal(got, src) {
		t.Fatalf("level %d: decompressed %d B differ from the %d B compressed", level, len(got), len(src))
	}
	if br.Len() != 0 {
		t.Errorf("level %d, %d B: %d B after the gzip member", level, len(src), br.Len())
	}
	if hdr := zr.Header; hdr.Name != "" || hdr.Comment != "" || !hdr.ModTime.IsZero() || hdr.Extra != nil {
		t.Errorf("level %d: header %+v, want no name, comment, extra or mtime", level, hdr)
	}
	return gz
}

// testInput returns n bytes that compress partly: runs of text mixed with
// pseudo-random bytes from a fixed xorshift generator.
func testInput(n int, seed uint64) []byte {
	b := make([]byte, 0, n)
	x := seed | 1
	next := func() uint64 { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x }
	words := []string{"frontend ", "backend ", "server ", "bind :8080\n", "\x00\x00\x00\x00", "haproxy", "\x7fELF"}
	for len(b) < n {
		r := next()
		if r%3 == 0 {
			b = append(b, byte(r>>8), byte(r>>16), byte(r>>24))
		} else {
			b = append(b, words[int(r>>32)%len(words)]...)
		}
	}
	return b[:n]
}

func TestGzipRoundTrip(t *testing.T) {
	sizes := []int{0, 1, 2, 17, 255, 4096, 65535, 65536, 65537, 300_000, 1 << 20}
	if !testing.Short() {
		sizes = append(sizes, 3_000_003)
	}
	for _, n := range sizes {
		src := testInput(n, uint64(n)+7)
		for _, level := range []int{0, 1, 6, 9, 12} {
			roundTrip(t, src, level)
		}
	}
	// Incompressible input: stored blocks, barely larger than the input.
	random := make([]byte, 200_000)
	x := uint64(88172645463325252)
	for i := range random {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		random[i] = byte(x >> 24)
	}
	if gz := roundTrip(t, random, 12); len(gz) > len(random)+len(random)/1000+64 {
		t.Errorf("random 200,000 B became %d B", len(gz))
	}
	// All zeros compresses to almost nothing.
	if gz := roundTrip(t, make([]byte, 1<<20), 12); len(gz) > 2048 {
		t.Errorf("1 MiB of zeros became %d B", len(gz))
	}
}

func TestGzipDeterministic(t *testing.T) {
	src := testInput(500_000, 42)
	a := roundTrip(t, src, 12)
	b := roundTrip(t, bytes.Clone(src), 12)
	if !bytes.Equal(a, b) {
		t.Fatal("two compressions of the same input differ")
	}
	// The input is not modified.
	if !bytes.Equal(src, testInput(500_000, 42)) {
		t.Fatal("Gzip modified its input")
	}
}

// TestGzipGolden pins the bytes: the vendored sources themselves (fixed by
// SHA256SUMS), concatenated in that file's order, compress at level 12 to a
// known member. A different libdeflate, or a compiler or CPU that changed
// libdeflate's output, would fail here before it changed an image digest.
// (The same bytes as upstream's own libdeflate-gzip -12 built from the 1.23
// tarball with gcc 12.2 -O0 and -O2, musl-gcc -O3 -march=native, and gcc 14.2
// -O2 -march=x86-64-v3.)
func TestGzipGolden(t *testing.T) {
	var src []byte
	for _, e := range readSums(t) {
		b, err := upstreamFiles.ReadFile("upstream/" + e.path)
		if err != nil {
			t.Fatal(err)
		}
		src = append(src, b...)
	}
	gz := roundTrip(t, src, 12)
	sum := sha256.Sum256(gz)
	const (
		wantSize = 94763
		wantSum  = "628e4204434f21a08c28ea51625144457621be1bcee2c2604aeb1f741a771aca"
	)
	if len(gz) != wantSize || hex.EncodeToString(sum[:]) != wantSum {
		t.Errorf("libdeflate %s level 12 of the vendored sources (%d B): %d B sha256 %x, want %d B sha256 %s",
			Version, len(src), len(gz), sum, wantSize, wantSum)
	}
}

func TestGzipLevels(t *testing.T) {
	for _, level := range []int{-1, 13, 100} {
		_, err := Gzip([]byte("x"), level)
		var le *LevelError
		if !errors.As(err, &le) || le.Level != level {
			t.Errorf("level %d: err %v, want a *LevelError", level, err)
		}
	}
	if Version != "1.23" {
		t.Errorf("Version %q, want 1.23 (update README.md and this test with the vendored sources)", Version)
	}
}

type sumEntry struct{ sum, path string }

func readSums(t *testing.T) []sumEntry {
	t.Helper()
	f, err := os.Open("SHA256SUMS")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sumEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, path, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 || path == "" {
			t.Fatalf("SHA256SUMS: bad line %q (want \"<sha256>  <path>\")", sc.Text())
		}
		out = append(out, sumEntry{sum, path})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("SHA256SUMS is empty")
	}
	return out
}

// TestVendoredSources checks that upstream/ holds exactly the files of
// SHA256SUMS, unmodified: the files as the build saw them (upstreamFiles).
func TestVendoredSources(t *testing.T) {
	want := map[string]string{}
	for _, e := range readSums(t) {
		want[e.path] = e.sum
	}
	seen := map[string]bool{}
	err := fs.WalkDir(upstreamFiles, "upstream", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := strings.TrimPrefix(p, "upstream/")
		sum, ok := want[rel]
		if !ok {
			t.Errorf("upstream/%s is not in SHA256SUMS (add it with scripts/libdeflate.sh, or remove it)", rel)
			return nil
		}
		b, err := upstreamFiles.ReadFile(p)
		if err != nil {
			return err
		}
		h := sha256.Sum256(b)
		if got := hex.EncodeToString(h[:]); got != sum {
			t.Errorf("upstream/%s: sha256 %s, SHA256SUMS says %s (the vendored sources must stay unmodified)", rel, got, sum)
		}
		seen[rel] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range want {
		if !seen[p] {
			t.Errorf("upstream/%s is in SHA256SUMS but missing", p)
		}
	}
}

func FuzzGzip(f *testing.F) {
	f.Add([]byte(""), 12)
	f.Add([]byte("a"), 0)
	f.Add(testInput(10_000, 3), 12)
	f.Add(bytes.Repeat([]byte("abc"), 5000), 6)
	f.Fuzz(func(t *testing.T, src []byte, level int) {
		if level < MinLevel || level > MaxLevel {
			if _, err := Gzip(src, level); err == nil {
				t.Fatalf("level %d accepted", level)
			}
			return
		}
		a := roundTrip(t, src, level)
		if b, _ := Gzip(src, level); !bytes.Equal(a, b) {
			t.Fatal("not deterministic")
		}
	})
}
