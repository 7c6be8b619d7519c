package cache

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fastRetries keeps failure tests quick: one retry after 10ms.
var fastRetries = []Option{WithRetryMax(1), WithBackoff(10*time.Millisecond, 50*time.Millisecond), WithTimeout(5 * time.Second)}

// cacheFixture is a file cache filled by the real `nix copy`, with paths in every state
// Have distinguishes.
type cacheFixture struct {
	env      *nixEnv
	dir      string
	pub      PublicKey
	dep      string // signed, content-addressed (nix store add-file), no references
	out      string // signed, input-addressed, refers to dep and itself
	unsigned string // copied without a secret key
	tampered string // signed, then its narinfo's NarHash edited
	missing  string // never copied
}

func newCacheFixture(t *testing.T) *cacheFixture {
	t.Helper()
	env := newNixEnv(t)
	f := &cacheFixture{env: env, dir: filepath.Join(env.dir, "cache")}
	var sk string
	sk, f.pub = env.key("kiln-test-1")
	f.dep = env.addFile("dep.txt")
	f.out = env.build("kiln-cache-out", f.dep)
	f.unsigned = env.build("kiln-cache-unsigned")
	f.tampered = env.build("kiln-cache-tampered")
	f.missing = env.build("kiln-cache-missing")
	env.copyTo(f.dir, "compression=zstd&secret-key="+sk, f.out, f.tampered)
	env.copyTo(f.dir, "compression=zstd", f.unsigned)

	ni := readNarInfo(t, f.dir, f.tampered)
	ni.NarHash = "sha256:0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"
	writeNarInfo(t, f.dir, ni)
	return f
}

func storePaths(nis []*NarInfo) []string {
	var ps []string
	for _, ni := range nis {
		ps = append(ps, ni.StorePath)
	}
	return ps
}

func TestHaveOverHTTP(t *testing.T) {
	f := newCacheFixture(t)
	srv := serveDir(t, f.dir)
	c, err := New(srv.URL+"/", fastRetries...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	info, err := c.CacheInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.StoreDir != "/nix/store" {
		t.Errorf("CacheInfo = %+v", info)
	}

	ask := []string{f.missing, f.tampered, f.out, f.unsigned, f.dep, f.out}
	l, err := c.Have(ctx, ask, []PublicKey{f.pub})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := storePaths(l.Found), []string{f.out, f.dep}; !slices.Equal(got, want) {
		t.Errorf("Found = %v, want %v", got, want)
	}
	if want := []string{f.missing}; !slices.Equal(l.Missing, want) {
		t.Errorf("Missing = %v, want %v", l.Missing, want)
	}
	if len(l.Rejected) != 2 || l.Rejected[0].StorePath != f.tampered || l.Rejected[1].StorePath != f.unsigned {
		t.Fatalf("Rejected = %+v", l.Rejected)
	}
	if !errors.Is(l.Rejected[0].Err, ErrBadSignature) {
		t.Errorf("tampered narinfo: %v, want ErrBadSignature", l.Rejected[0].Err)
	}
	if !errors.Is(l.Rejected[1].Err, ErrUnsigned) {
		t.Errorf("unsigned narinfo: %v, want ErrUnsigned", l.Rejected[1].Err)
	}
	if l.Rejected[0].NarInfo == nil {
		t.Error("rejection without its narinfo")
	}

	// What Nix wrote for a built path: references (itself included), a deriver, a signature.
	ni := l.Found[0]
	if len(ni.References) != 2 || !slices.Contains(ni.References, filepath.Base(f.out)) ||
		!slices.Contains(ni.References, filepath.Base(f.dep)) || !strings.HasSuffix(ni.Deriver, ".drv") {
		t.Errorf("narinfo of %s: %+v", f.out, ni)
	}

	// The NAR we fetch is the one `nix store dump-path` makes of the local path.
	nar, err := fetchNAR(ctx, c, ni)
	if err != nil {
		t.Fatal(err)
	}
	want := f.env.run("", "nix", "store", "dump-path", f.out)
	if !bytes.Equal(bytes.TrimSpace(nar), []byte(want)) || len(nar) != int(ni.NarSize) {
		t.Errorf("FetchNAR returned %d bytes that differ from nix store dump-path (%d)", len(nar), len(want))
	}

	// Trusting another key: everything present is signed by an untrusted key.
	_, otherPub := f.env.key("kiln-other-1")
	l, err = c.Have(ctx, []string{f.out, f.dep}, []PublicKey{otherPub})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Found) != 0 || len(l.Rejected) != 2 {
		t.Fatalf("with another key: %+v", l)
	}
	for _, r := range l.Rejected {
		if !errors.Is(r.Err, ErrUntrustedKey) {
			t.Errorf("%s: %v, want ErrUntrustedKey", r.StorePath, r.Err)
		}
	}

	// The server goes away mid-run: the next lookup reports the cache unreachable, quickly.
	srv.stop()
	start := time.Now()
	_, err = c.Have(ctx, ask, []PublicKey{f.pub})
	var ue *UnreachableError
	if !errors.As(err, &ue) {
		t.Fatalf("Have after the server died = %v, want *UnreachableError", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to notice the cache is gone", d)
	}
	if _, err := fetchNAR(ctx, c, ni); !errors.As(err, &ue) {
		t.Errorf("FetchNAR after the server died = %v, want *UnreachableError", err)
	}
	if _, err := c.CacheInfo(ctx); !errors.As(err, &ue) {
		t.Errorf("CacheInfo after the server died = %v, want *UnreachableError", err)
	}
}

func TestFetchNARTampered(t *testing.T) {
	env := newNixEnv(t)
	dir := filepath.Join(env.dir, "cache")
	sk, pub := env.key("kiln-test-1")
	p := env.build("kiln-cache-nar")
	env.copyTo(dir, "compression=none&secret-key="+sk, p)
	srv := serveDir(t, dir)
	c, err := New(srv.URL, fastRetries...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ni, err := c.NarInfo(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := ni.Verify([]PublicKey{pub}); err != nil {
		t.Fatal(err)
	}
	origInfo := ni.String()
	narFile := filepath.Join(dir, ni.URL)
	orig, err := os.ReadFile(narFile)
	if err != nil {
		t.Fatal(err)
	}

	// Flip one byte of the file: FileHash no longer matches.
	bad := bytes.Clone(orig)
	bad[len(bad)/2] ^= 0x20
	if err := os.WriteFile(narFile, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = fetchNAR(ctx, c, ni)
	if !errors.Is(err, ErrHashMismatch) || !strings.Contains(err.Error(), "FileHash") || !strings.Contains(err.Error(), ni.FileHash) {
		t.Errorf("tampered NAR: %v, want ErrHashMismatch on FileHash naming %s", err, ni.FileHash)
	}

	// Make FileHash agree with the tampered file: the signature still holds (FileHash
	// isn't signed), so only the NarHash check stands between us and the bad bytes.
	fh := Hash{Algo: "sha256", Digest: sha256Sum(bad)}
	ni.FileHash = fh.String()
	writeNarInfo(t, dir, ni)
	ni, err = c.NarInfo(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := ni.Verify([]PublicKey{pub}); err != nil {
		t.Fatalf("FileHash is outside the signature, yet: %v", err)
	}
	_, err = fetchNAR(ctx, c, ni)
	if !errors.Is(err, ErrHashMismatch) || !strings.Contains(err.Error(), "NarHash") || !strings.Contains(err.Error(), ni.NarHash) {
		t.Errorf("tampered NAR with matching FileHash: %v, want ErrHashMismatch on NarHash", err)
	}

	// A longer file than announced is a mismatch too, not a silent truncation.
	if err := os.WriteFile(narFile, append(bytes.Clone(orig), 0), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := fetchNAR(ctx, c, readNarInfo(t, dir, p)); !errors.Is(err, ErrHashMismatch) {
		t.Errorf("oversized NAR: %v, want ErrHashMismatch", err)
	}

	// And the untouched file passes.
	if err := os.WriteFile(narFile, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	if nar, err := fetchNAR(ctx, c, mustParse(t, origInfo)); err != nil || !bytes.Equal(nar, orig) {
		t.Errorf("FetchNAR of the original: %d bytes, %v", len(nar), err)
	}
}

func TestFileCacheCompressions(t *testing.T) {
	env := newNixEnv(t)
	sk, pub := env.key("kiln-test-1")
	p := env.build("kiln-cache-compress", env.addFile("dep.txt"))
	want := env.run("", "nix", "store", "dump-path", p)
	for _, method := range []string{"zstd", "bzip2", "none", "xz", "gzip"} {
		t.Run(method, func(t *testing.T) {
			dir := filepath.Join(env.dir, "cache-"+method)
			env.copyTo(dir, "compression="+method+"&secret-key="+sk, p)
			c, err := New("file://"+dir, fastRetries...)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			l, err := c.Have(ctx, []string{p}, []PublicKey{pub})
			if err != nil || len(l.Found) != 1 {
				t.Fatalf("Have = %+v, %v", l, err)
			}
			ni := l.Found[0]
			if ni.Compression != method {
				t.Errorf("Compression = %q", ni.Compression)
			}
			nar, err := fetchNAR(ctx, c, ni)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(bytes.TrimSpace(nar), []byte(want)) {
				t.Errorf("NAR differs from nix store dump-path")
			}
		})
	}
}

// TestRoundTripRealNarInfos parses every narinfo nix wrote and checks String gives the
// same bytes back and Check accepts it.
func TestRoundTripRealNarInfos(t *testing.T) {
	env := newNixEnv(t)
	sk, _ := env.key("kiln-test-1")
	dep := env.addFile("dep.txt")
	ref := env.run("", "nix", "eval", "--impure", "--raw", "--expr",
		`builtins.toFile "kiln-ref" "${builtins.storePath "`+dep+`"}"`) // a text content-addressed path
	out := env.build("kiln-cache-rt", dep, ref)
	dir := filepath.Join(env.dir, "cache")
	env.copyTo(dir, "compression=zstd&secret-key="+sk, out)
	env.copyTo(filepath.Join(env.dir, "unsigned"), "", out)
	n := 0
	for _, d := range []string{dir, filepath.Join(env.dir, "unsigned")} {
		files, _ := filepath.Glob(filepath.Join(d, "*.narinfo"))
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			ni := mustParse(t, string(data))
			if got := ni.String(); got != string(data) {
				t.Errorf("%s: String() differs:\n got %q\nwant %q", file, got, data)
			}
			if err := ni.Check(); err != nil {
				t.Errorf("%s: %v", file, err)
			}
			n++
		}
	}
	if n != 6 {
		t.Errorf("round-tripped %d narinfos, want 6", n)
	}
}

func TestUnreachable(t *testing.T) {
	// A port nobody listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	const p = "/nix/store/036wc2d6ybn57qprciif30cnp2k28mc4-d"
	for _, u := range []string{"http://" + addr, "file://" + filepath.Join(t.TempDir(), "no-such-cache")} {
		c, err := New(u, fastRetries...)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = c.Have(context.Background(), []string{p, p + "x", p + "y"}, nil)
		var ue *UnreachableError
		if !errors.As(err, &ue) {
			t.Errorf("%s: Have = %v, want *UnreachableError", u, err)
		} else if ue.URL != u {
			t.Errorf("UnreachableError.URL = %q, want %q", ue.URL, u)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s: took %v", u, d)
		}
	}
}

func TestNewRejects(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "file://relative/dir", "http://", "s3://bucket", "::"} {
		if _, err := New(u); err == nil {
			t.Errorf("New(%q) succeeded", u)
		}
	}
}

func TestHaveRejectsBadInput(t *testing.T) {
	c, err := New("file:///nonexistent")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Have(context.Background(), []string{"/usr/bin/sh"}, nil); err == nil {
		t.Error("Have accepted a path outside the store")
	}
	l, err := c.Have(context.Background(), nil, nil)
	if err != nil || len(l.Found)+len(l.Missing)+len(l.Rejected) != 0 {
		t.Errorf("Have(nil) = %+v, %v", l, err)
	}
}

// fetchNAR collects FetchNAR's stream.
func fetchNAR(ctx context.Context, c *Client, ni *NarInfo) ([]byte, error) {
	var b bytes.Buffer
	err := c.FetchNAR(ctx, ni, &b)
	return b.Bytes(), err
}

// TestFileCacheFIFONeverBlocks: a FIFO where a file cache's NAR (or narinfo) should be is
// as good as missing, at once.
func TestFileCacheFIFONeverBlocks(t *testing.T) {
	env := newNixEnv(t)
	dir := filepath.Join(env.dir, "cache")
	sk, pub := env.key("kiln-test-1")
	p := env.build("kiln-cache-fifo")
	env.copyTo(dir, "compression=none&secret-key="+sk, p)
	c, err := New("file://"+dir, fastRetries...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ni, err := c.NarInfo(ctx, p)
	if err != nil || ni.Verify([]PublicKey{pub}) != nil {
		t.Fatal(err)
	}
	nar := filepath.Join(dir, ni.URL)
	os.Remove(nar)
	if err := syscall.Mkfifo(nar, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := fetchNAR(ctx, c, ni); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("NAR that is a FIFO: %v, want not found", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("fetching a NAR that is a FIFO blocked")
	}
}
