package cache

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// testNAR makes a NAR-sized payload, compresses it with method and returns the
// payload, the compressed file and a narinfo describing both.
func testNAR(t *testing.T, method string) ([]byte, []byte, *NarInfo) {
	t.Helper()
	payload := make([]byte, 256<<10)
	rand.New(rand.NewSource(1)).Read(payload)
	var buf bytes.Buffer
	switch method {
	case "none":
		buf.Write(payload)
	case "gzip":
		w := gzip.NewWriter(&buf)
		w.Write(payload)
		w.Close()
	case "xz":
		w, err := xz.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(payload)
		w.Close()
	case "zstd":
		w, err := zstd.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(payload)
		w.Close()
	}
	file := buf.Bytes()
	fs := sha256.Sum256(file)
	ns := sha256.Sum256(payload)
	ni := &NarInfo{
		StorePath:   "/nix/store/036wc2d6ybn57qprciif30cnp2k28mc4-d",
		URL:         "nar/x.nar",
		Compression: method,
		FileHash:    Hash{"sha256", fs[:]}.String(),
		FileSize:    uint64(len(file)),
		NarHash:     Hash{"sha256", ns[:]}.String(),
		NarSize:     uint64(len(payload)),
	}
	return payload, file, ni
}

// breakingServer announces the whole file but sends only its first `send` bytes, then
// drops the connection: a transfer cut off by the network.
func breakingServer(t *testing.T, file []byte, send int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(file)))
		w.WriteHeader(http.StatusOK)
		w.Write(file[:send])
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A connection that breaks off is an *UnreachableError, so kiln builds without the cache
// (any other error would call the cache untrusted and stop): while the decompressor reads
// its header (gzip and xz read it as they are made) as later in the body, whatever the
// compression. Each decompressor passes the body's error on; one that stopped doing so
// would show here.
func TestFetchNARBreaks(t *testing.T) {
	for _, c := range []struct {
		where   string
		methods []string
		send    func(file []byte) int
	}{
		{"in the header", []string{"gzip", "xz"}, func([]byte) int { return 4 }},
		{"midway", []string{"none", "gzip", "xz", "zstd"}, func(file []byte) int { return len(file) / 2 }},
	} {
		for _, method := range c.methods {
			t.Run(c.where+"/"+method, func(t *testing.T) {
				_, file, ni := testNAR(t, method)
				srv := breakingServer(t, file, c.send(file))
				cl, err := New(srv.URL, WithRetryMax(0))
				if err != nil {
					t.Fatal(err)
				}
				err = cl.FetchNAR(context.Background(), ni, io.Discard)
				var ue *UnreachableError
				if !errors.As(err, &ue) {
					t.Errorf("connection broken %s: FetchNAR = %v, want *UnreachableError", c.where, err)
				}
			})
		}
	}
}

// A slow cache that runs past WithTimeout while the header is read: unreachable as well.
func TestFetchNARTimesOutInHeader(t *testing.T) {
	_, file, ni := testNAR(t, "xz")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(file)))
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	c, err := New(srv.URL, WithRetryMax(0), WithTimeout(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	err = c.FetchNAR(context.Background(), ni, io.Discard)
	var ue *UnreachableError
	if !errors.As(err, &ue) {
		t.Errorf("timeout before the first byte: FetchNAR = %v, want *UnreachableError", err)
	}
}

// The destination's own failure (a full disk) is returned as such, not as the cache's
// ErrHashMismatch.
func TestFetchNARWriterError(t *testing.T) {
	_, file, ni := testNAR(t, "xz")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(file)
	}))
	defer srv.Close()
	c, err := New(srv.URL, WithRetryMax(0))
	if err != nil {
		t.Fatal(err)
	}
	diskFull := errors.New("write /var/tmp/x: no space left on device")
	err = c.FetchNAR(context.Background(), ni, failingWriter{diskFull})
	if errors.Is(err, ErrHashMismatch) || !errors.Is(err, diskFull) {
		t.Errorf("writer failing: FetchNAR = %v\nwant the writer's error, not ErrHashMismatch", err)
	}
}

type failingWriter struct{ err error }

func (f failingWriter) Write(p []byte) (int, error) { return 0, f.err }

// A download that arrives whole with a garbage compression header does not decompress:
// ErrHashMismatch, as for garbage past the header.
func TestFetchNARBadHeader(t *testing.T) {
	for _, method := range []string{"gzip", "xz"} {
		t.Run(method, func(t *testing.T) {
			_, _, ni := testNAR(t, method)
			garbage := bytes.Repeat([]byte("not compressed at all "), 100)
			fs := sha256.Sum256(garbage)
			ni.FileHash, ni.FileSize = Hash{"sha256", fs[:]}.String(), uint64(len(garbage))
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Write(garbage)
			}))
			defer srv.Close()
			c, err := New(srv.URL, WithRetryMax(0))
			if err != nil {
				t.Fatal(err)
			}
			err = c.FetchNAR(context.Background(), ni, io.Discard)
			if !errors.Is(err, ErrHashMismatch) {
				t.Errorf("garbage %s file: FetchNAR = %v, want ErrHashMismatch", method, err)
			}
		})
	}
}

// A file:// URL that names a cache through a path that is not clean ("..", "//", "./",
// as `file://$PWD/../cache` gives) serves it like the clean one.
func TestFileCacheUncleanRoot(t *testing.T) {
	parent := t.TempDir()
	dir := parent + "/cache"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/nix-cache-info", []byte("StoreDir: /nix/store\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"file://" + dir, "file://" + parent + "/x/../cache", "file://" + parent + "//cache", "file://" + parent + "/./cache"} {
		c, err := New(u, WithRetryMax(0))
		if err != nil {
			t.Errorf("New(%s): %v", u, err)
			continue
		}
		if info, err := c.CacheInfo(context.Background()); err != nil || info.StoreDir != "/nix/store" {
			t.Errorf("CacheInfo of %s = %+v, %v", u, info, err)
		}
	}
}
