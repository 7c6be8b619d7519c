package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kilnbuild/kiln/internal/testenv"
)

// serveDir serves dir over HTTP with python3's http.server (a real server from Debian) on a
// free loopback port and returns its URL and a function that stops it.
func serveDir(t *testing.T, dir string) (string, func()) {
	t.Helper()
	testenv.Require(t, "python3")
	addr := freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command("python3", "-m", "http.server", "--bind", "127.0.0.1", port, "--directory", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop := func() { cmd.Process.Kill(); cmd.Wait() }
	t.Cleanup(stop)
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "http://" + addr, stop
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("python3 http.server did not start on %s", addr)
	return "", nil
}

// signedCache pushes the default build to a new signed file cache and returns its dir and
// public key.
func signedCache(t *testing.T) (dir, pub string) {
	t.Helper()
	m := mirror(t)
	keys := t.TempDir()
	pub, stderr, err := kiln(t, "cache", "keygen", "--dir", keys, "test-cache-1")
	if err != nil {
		t.Fatalf("kiln cache keygen: %v\n%s", err, stderr)
	}
	pub = strings.TrimSpace(pub)
	if st, err := os.Stat(filepath.Join(keys, "test-cache-1.sec")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret key file: %v %v", st, err)
	}
	dir = filepath.Join(t.TempDir(), "cache")
	stdout, stderr, err := kiln(t, "-q", "cache", "push", "--mirror", m, "--to", "file://"+dir, "--sign-key", filepath.Join(keys, "test-cache-1.sec"))
	if err != nil {
		t.Fatalf("kiln cache push: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "-haproxy-3.0.11.tar.gz") || !strings.Contains(stdout, "-haproxy-3.0.11\n") {
		t.Errorf("push did not include the output and its source tarball:\n%s", stdout)
	}
	return dir, pub
}

type cacheBuild struct {
	Digest      string
	Substituted []string
	Built       []string
	Outputs     []string
	Closure     []string
	Sources     []struct{ Name string }
	NixVersion  string `json:"nix_version"`
	ResultCache string `json:"result_cache"`
}

// buildFromCache builds the default image into a fresh store with the cache.
func buildFromCache(t *testing.T, store, url string, extra ...string) (*cacheBuild, string, error) {
	t.Helper()
	args := append([]string{"build", "--store", store, "--cache", url, "--no-result-cache", "--json", "-o", "oci:" + filepath.Join(t.TempDir(), "img")}, extra...)
	stdout, stderr, err := kiln(t, args...)
	if err != nil {
		return nil, stderr, err
	}
	var b cacheBuild
	if err := json.Unmarshal([]byte(stdout), &b); err != nil {
		t.Fatalf("kiln build --json: %v\n%s", err, stdout)
	}
	return &b, stderr, nil
}

func TestFreshStoreSubstitutesEverything(t *testing.T) {
	cold := buildImage(t, t.TempDir(), nil, "--no-result-cache", "-o", "oci:img")
	dir, pub := signedCache(t)
	url, _ := serveDir(t, dir)
	store := filepath.Join(t.TempDir(), "store")
	b, stderr, err := buildFromCache(t, store, url, "--trusted-key", pub)
	if err != nil {
		t.Fatalf("build from cache: %v\n%s", err, stderr)
	}
	if len(b.Built) != 0 {
		t.Errorf("nix compiled %v although the cache had everything", b.Built)
	}
	if len(b.Substituted) != 1 || b.Substituted[0] != cold.Outputs[0] || !strings.Contains(stderr, "copying path '"+cold.Outputs[0]+"' from '"+url) {
		t.Errorf("substituted %v, want %s from %s\n%s", b.Substituted, cold.Outputs[0], url, stderr)
	}
	if b.Digest != cold.Digest {
		t.Errorf("image from the cache %s, cold build %s", b.Digest, cold.Digest)
	}
}

// TestUntrustworthyCacheIsRefused: a cache whose paths are unsigned, signed by another key,
// or tampered with is refused with a clear error, and nothing reaches the store.
func TestUntrustworthyCacheIsRefused(t *testing.T) {
	dir, pub := signedCache(t)
	other, _, err := kiln(t, "cache", "keygen", "--dir", t.TempDir(), "other-1")
	if err != nil {
		t.Fatal(err)
	}
	narinfo := func(d string) string {
		files, _ := filepath.Glob(filepath.Join(d, "*.narinfo"))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			if bytes.Contains(b, []byte("-haproxy-3.0.11\n")) {
				return f
			}
		}
		t.Fatal("no narinfo for the haproxy output")
		return ""
	}
	cases := map[string]struct {
		mutate func(d string)
		key    string
		want   string
	}{
		"wrong key": {func(string) {}, strings.TrimSpace(other), "not signed by a trusted key"},
		"tampered narinfo": {func(d string) {
			f := narinfo(d)
			b, _ := os.ReadFile(f)
			b = bytes.Replace(b, []byte("NarSize: "), []byte("NarSize: 1"), 1)
			os.WriteFile(f, b, 0o644)
		}, pub, "signature"},
		"unsigned": {func(d string) {
			f := narinfo(d)
			var kept []string
			for _, l := range strings.Split(string(mustRead(t, f)), "\n") {
				if !strings.HasPrefix(l, "Sig: ") {
					kept = append(kept, l)
				}
			}
			os.WriteFile(f, []byte(strings.Join(kept, "\n")), 0o644)
		}, pub, "unsigned"},
		"tampered NAR": {func(d string) {
			var nar string
			sc := bufio.NewScanner(bytes.NewReader(mustRead(t, narinfo(d))))
			for sc.Scan() {
				if u, ok := strings.CutPrefix(sc.Text(), "URL: "); ok {
					nar = filepath.Join(d, u)
				}
			}
			b := mustRead(t, nar)
			b[len(b)/2] ^= 0xff
			os.WriteFile(nar, b, 0o644)
		}, pub, "mismatch"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			d := filepath.Join(t.TempDir(), "cache")
			if out, err := exec.Command("cp", "-a", dir, d).CombinedOutput(); err != nil {
				t.Fatalf("cp: %v %s", err, out)
			}
			c.mutate(d)
			url, _ := serveDir(t, d)
			store := filepath.Join(t.TempDir(), "store")
			_, stderr, err := buildFromCache(t, store, url, "--trusted-key", c.key)
			if err == nil {
				t.Fatalf("a %s cache was accepted", name)
			}
			if !strings.Contains(stderr, "cannot be trusted") || !strings.Contains(strings.ToLower(stderr), c.want) {
				t.Errorf("stderr does not say why (%q):\n%s", c.want, stderr)
			}
			if matches, _ := filepath.Glob(filepath.Join(store, "nix", "store", "*-haproxy-3.0.11")); len(matches) != 0 {
				t.Errorf("imported %v from an untrusted cache", matches)
			}
		})
	}
}

func mustRead(t *testing.T, f string) []byte {
	t.Helper()
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCacheGoingAwayFallsBackToBuilding: the cache answers kiln's check (narinfo and NAR,
// verified) and then loses its NARs before nix substitutes; nix builds from source instead
// and the image is the same. Each NAR is served once, so the order does not depend on how
// fast the test reacts.
func TestCacheGoingAwayFallsBackToBuilding(t *testing.T) {
	m := mirror(t)
	cold := buildImage(t, t.TempDir(), nil, "--no-result-cache", "-o", "oci:img")
	dir, pub := signedCache(t)
	var mu sync.Mutex
	served := map[string]bool{}
	files := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/nar/") {
			mu.Lock()
			gone := served[r.URL.Path]
			served[r.URL.Path] = true
			mu.Unlock()
			if gone {
				http.Error(w, "gone", http.StatusNotFound)
				return
			}
		}
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	store := filepath.Join(t.TempDir(), "store")
	cmd := exec.Command(kilnBin, "build", "--mirror", m, "--store", store, "--cache", srv.URL, "--trusted-key", pub,
		"--no-result-cache", "--json", "-o", "oci:"+filepath.Join(t.TempDir(), "img"))
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	var log strings.Builder
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("build with a vanished cache: %v\n%s", err, tailLines(log.String(), 40))
	}
	var b cacheBuild
	json.Unmarshal(stdout.Bytes(), &b)
	if len(b.Built) == 0 {
		t.Errorf("nothing was built although the cache went away:\n%s", tailLines(log.String(), 40))
	}
	if b.Digest != cold.Digest {
		t.Errorf("fallback build gave %s, cold build %s", b.Digest, cold.Digest)
	}
}

func TestUnreachableCacheWarnsAndBuilds(t *testing.T) {
	m := mirror(t)
	_, pub := signedCache(t)
	stdout, stderr, err := kiln(t, "build", "--mirror", m, "--cache", "http://127.0.0.1:1", "--trusted-key", pub,
		"--no-result-cache", "--json", "-o", "oci:"+filepath.Join(t.TempDir(), "img"))
	if err != nil {
		t.Fatalf("build with an unreachable cache: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "binary cache unreachable; building without it") {
		t.Errorf("no warning about the unreachable cache:\n%s", stderr)
	}
	var b cacheBuild
	json.Unmarshal([]byte(stdout), &b)
	if b.Digest != goldenDigest {
		t.Errorf("digest %s, want %s", b.Digest, goldenDigest)
	}
}

// TestUnchangedSpecSkipsNix: the second build of an unchanged spec writes its image while
// every nix store operation would fail (NIX_REMOTE points at no daemon).
func TestUnchangedSpecSkipsNix(t *testing.T) {
	m := mirror(t)
	results := t.TempDir()
	dir := t.TempDir()
	first := buildImage(t, dir, nil, "--result-cache", results, "-o", "oci:a")
	// Any nix evaluation or build would now fail; the nix binary itself is unchanged, as it
	// is part of the result key.
	noStore := "NIX_REMOTE=unix://" + filepath.Join(t.TempDir(), "no-daemon")
	cmd := exec.Command(kilnBin, "build", "--mirror", m, "--result-cache", results, "--json", "-o", "oci:b")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), noStore)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("unchanged rebuild ran nix: %v\n%s", err, stderr.String())
	}
	var b cacheBuild
	json.Unmarshal(stdout.Bytes(), &b)
	if b.ResultCache != "hit" || b.Digest != first.Digest || !strings.Contains(stderr.String(), "nix not run") {
		t.Fatalf("result cache %q, digest %s (first %s)\n%s", b.ResultCache, b.Digest, first.Digest, stderr.String())
	}
	// A hit reports what a build reports: the sources and the nix that built it.
	if len(b.Sources) == 0 || b.Sources[0].Name != "haproxy-3.0.11.tar.gz" || !strings.HasPrefix(b.NixVersion, "2.") {
		t.Errorf("a result-cache hit reports sources %v, nix_version %q", b.Sources, b.NixVersion)
	}
	// A changed spec is a miss: here, another created time.
	cmd = exec.Command(kilnBin, "-q", "build", "--mirror", m, "--result-cache", results, "--json", "-o", "oci:c")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), noStore, "SOURCE_DATE_EPOCH=1700000000")
	if err := cmd.Run(); err == nil {
		t.Fatal("a changed build was served from the result cache")
	}
}

// TestXZCacheIsTrusted: a cache written by plain `nix copy` (xz, nix's default) and
// correctly signed is used, not refused as untrustworthy.
func TestXZCacheIsTrusted(t *testing.T) {
	cold := buildImage(t, t.TempDir(), nil, "--no-result-cache", "-o", "oci:img")
	keys := t.TempDir()
	pub, stderr, err := kiln(t, "cache", "keygen", "--dir", keys, "xz-cache-1")
	if err != nil {
		t.Fatalf("kiln cache keygen: %v\n%s", err, stderr)
	}
	dir := filepath.Join(t.TempDir(), "cache")
	cmd := exec.Command("nix", "copy", "--to", "file://"+dir+"?secret-key="+filepath.Join(keys, "xz-cache-1.sec"), cold.Outputs[0])
	cmd.Env = append(os.Environ(), "NIX_CONFIG=experimental-features = nix-command\nbuild-users-group =")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nix copy: %v\n%s", err, out)
	}
	if nars, _ := filepath.Glob(filepath.Join(dir, "nar", "*.nar.xz")); len(nars) == 0 {
		t.Fatal("nix copy did not write xz NARs")
	}
	b, stderr, err := buildFromCache(t, filepath.Join(t.TempDir(), "store"), "file://"+dir, "--trusted-key", strings.TrimSpace(pub))
	if err != nil {
		t.Fatalf("build from an xz cache: %v\n%s", err, tailLines(stderr, 20))
	}
	if len(b.Built) != 0 || b.Digest != cold.Digest {
		t.Errorf("built %v, digest %s (cold %s)", b.Built, b.Digest, cold.Digest)
	}
}
