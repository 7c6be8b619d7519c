// Package upstreamtest serves copies of the real upstream indexes (HAProxy's releases.json,
// Lua's download list, GitHub releases, zlib's fossils, endoflife.date) on 127.0.0.1 for
// tests: the fixtures in internal/upstream/testdata/site, plus tarballs a test adds.
package upstreamtest

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/kilnbuild/kiln/internal/upstream"
)

// Site is a local stand-in for every upstream index, served from a directory laid out
// like testdata/site (copied, so a test may change it).
type Site struct {
	// URL is the server's base URL.
	URL string
	// Dir is the directory served.
	Dir string

	mu        sync.Mutex
	overrides map[string]http.HandlerFunc
	requests  []string
}

// FixtureDir is the directory of the committed index fixtures.
func FixtureDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "site")
}

// New starts a Site serving a copy of the fixtures; it stops when the test ends.
func New(t testing.TB) *Site {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(FixtureDir())); err != nil {
		t.Fatal(err)
	}
	s := &Site{Dir: dir, overrides: map[string]http.HandlerFunc{}}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// IndexURLs maps every --index-url NAME to this site.
func (s *Site) IndexURLs() map[string]string {
	return map[string]string{
		"haproxy":   s.URL + "/haproxy",
		"lua":       s.URL + "/lua",
		"pcre2":     s.URL + "/pcre2",
		"openssl":   s.URL + "/openssl",
		"zlib":      s.URL + "/zlib",
		"github":    s.URL + "/github",
		"endoflife": s.URL + "/endoflife",
	}
}

// Options are the upstream options that point every index at this site.
func (s *Site) Options() []upstream.Option {
	var opts []upstream.Option
	for n, u := range s.IndexURLs() {
		opts = append(opts, upstream.WithIndexURL(n, u))
	}
	return opts
}

// Flags are the same as kiln command-line arguments: --index-url NAME=URL ….
func (s *Site) Flags() []string {
	var args []string
	for _, n := range upstream.IndexNames() {
		args = append(args, "--index-url", n+"="+s.IndexURLs()[n])
	}
	return args
}

// Handle answers requests for urlPath (e.g. /haproxy/3.0/src/releases.json) with h
// instead of the file.
func (s *Site) Handle(urlPath string, h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.overrides[urlPath] = h
}

// Requests lists the paths requested so far.
func (s *Site) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// AddHAProxy publishes tarball as haproxy VERSION in its branch directory and lists it
// in the branch's releases.json the way haproxy's scripts/make-releases-json does (with
// md5 and sha256, or without them when publishHash is false), returning its sha256.
func (s *Site) AddHAProxy(t testing.TB, branch, version string, tarball []byte, publishHash bool) string {
	t.Helper()
	dir := filepath.Join(s.Dir, "haproxy", branch, "src")
	file := "haproxy-" + version + ".tar.gz"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, file), tarball, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(tarball)
	hash := hex.EncodeToString(sum[:])
	entry := map[string]string{"file": file}
	if publishHash {
		m := md5.Sum(tarball)
		entry["md5"] = hex.EncodeToString(m[:])
		entry["sha256"] = hash
	}
	idxFile := filepath.Join(dir, "releases.json")
	idx := map[string]any{"branch": branch, "releases": map[string]any{}}
	if b, err := os.ReadFile(idxFile); err == nil {
		if err := json.Unmarshal(b, &idx); err != nil {
			t.Fatal(err)
		}
	}
	rels := idx["releases"].(map[string]any)
	rels[version] = entry
	latest, _ := idx["latest_release"].(string)
	if latest == "" || upstream.Compare(version, latest) > 0 {
		idx["latest_release"] = version
	}
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(idxFile, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	return hash
}

// Put writes a file under the served directory (e.g. "lua/lua-5.4.8.tar.gz").
func (s *Site) Put(t testing.TB, rel string, data []byte) {
	t.Helper()
	p := filepath.Join(s.Dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func (s *Site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.URL.Path)
	h := s.overrides[r.URL.Path]
	s.mu.Unlock()
	if h != nil {
		h(w, r)
		return
	}
	p := path.Clean(r.URL.Path)
	var file string
	switch {
	case p == "/pcre2" || p == "/openssl":
		file = "github" + p + ".json"
	case strings.HasPrefix(p, "/github/"):
		file = "github-downloads/" + strings.TrimPrefix(p, "/github/")
	case strings.HasPrefix(p, "/endoflife/"):
		file = "endoflife/" + strings.TrimPrefix(p, "/endoflife/") + ".json"
	case p == "/lua" || p == "/zlib":
		file = p[1:] + "/index.html"
	default:
		file = strings.TrimPrefix(p, "/")
	}
	full := filepath.Join(s.Dir, filepath.FromSlash(file))
	if st, err := os.Stat(full); err != nil || st.IsDir() {
		http.NotFound(w, r)
		return
	}
	http.ServeFile(w, r, full)
}
