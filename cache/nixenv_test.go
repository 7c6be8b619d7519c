package cache

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kilnbuild/kiln/internal/storepath"
	"github.com/kilnbuild/kiln/internal/testenv"
)

// nixConfig makes the nix commands of these tests independent of the machine's config:
// no substituters to reach, no build users, no sandbox (the test derivation's builder is
// /bin/sh from the host).
const nixConfig = "experimental-features = nix-command flakes\nsubstituters =\nbuild-users-group =\nsandbox = false"

// nixEnv runs the real nix for a test, in a temporary directory.
type nixEnv struct {
	t   *testing.T
	dir string
}

func newNixEnv(t *testing.T) *nixEnv {
	t.Helper()
	testenv.Require(t, "nix")
	return &nixEnv{t: t, dir: t.TempDir()}
}

// run runs a program with NIX_CONFIG set, optional stdin, and returns trimmed stdout.
func (e *nixEnv) run(stdin string, prog string, args ...string) string {
	e.t.Helper()
	out, err := e.try(stdin, prog, args...)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// try is run, returning the error (with stderr) instead of failing the test.
func (e *nixEnv) try(stdin string, prog string, args ...string) (string, error) {
	cmd := exec.Command(prog, args...)
	cmd.Env = append(os.Environ(), "NIX_CONFIG="+nixConfig)
	cmd.Dir = e.dir
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %v\n%s", prog, strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String()), nil
}

// key makes a key pair with `nix key generate-secret` and returns the secret key's file
// and the public key as `nix key convert-secret-to-public` prints it.
func (e *nixEnv) key(name string) (string, PublicKey) {
	e.t.Helper()
	sk := e.run("", "nix", "key", "generate-secret", "--key-name", name)
	file := e.write(name+".sk", sk, 0o600)
	pkText := e.run(sk, "nix", "key", "convert-secret-to-public")
	pk, err := ParsePublicKey(pkText)
	if err != nil {
		e.t.Fatal(err)
	}
	return file, pk
}

// write creates a file in the test directory and returns its path.
func (e *nixEnv) write(name, content string, mode os.FileMode) string {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// random returns a fresh token, so that each test run makes new store paths.
func random() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// addFile adds a small file to the store (a content-addressed path without references).
func (e *nixEnv) addFile(name string) string {
	e.t.Helper()
	p := e.write(name, "kiln cache test "+random()+"\n", 0o644)
	return e.run("", "nix", "store", "add-file", p)
}

// build builds an input-addressed path that refers to deps and to itself, with a Deriver:
// the kind of path kiln's builds produce, and one Nix trusts only if signed.
func (e *nixEnv) build(name string, deps ...string) string {
	e.t.Helper()
	var depExprs []string
	for _, d := range deps {
		depExprs = append(depExprs, fmt.Sprintf("(builtins.storePath %q)", d))
	}
	expr := fmt.Sprintf(`derivation {
		name = %q; system = builtins.currentSystem; builder = "/bin/sh";
		args = [ "-c" "echo $tag $deps > $out; echo $out >> $out" ];
		tag = %q; deps = [ %s ];
	}`, name, random(), strings.Join(depExprs, " "))
	out := e.run("", "nix", "build", "--no-link", "--json", "--impure", "--expr", expr)
	var res []struct {
		Outputs map[string]string `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 1 || res[0].Outputs["out"] == "" {
		e.t.Fatalf("nix build --json printed %q: %v", out, err)
	}
	return res[0].Outputs["out"]
}

// copyTo runs `nix copy --to file://dir?params paths…`.
func (e *nixEnv) copyTo(dir, params string, paths ...string) {
	e.t.Helper()
	e.run("", "nix", append([]string{"copy", "--to", "file://" + dir + "?" + params}, paths...)...)
}

// narinfoFile returns the path of a store path's narinfo in a file cache.
func narinfoFile(t *testing.T, dir, storePath string) string {
	t.Helper()
	hp, err := storepath.HashPart(storePath)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, hp+".narinfo")
}

// readNarInfo parses a store path's narinfo straight from a file cache.
func readNarInfo(t *testing.T, dir, storePath string) *NarInfo {
	t.Helper()
	data, err := os.ReadFile(narinfoFile(t, dir, storePath))
	if err != nil {
		t.Fatal(err)
	}
	return mustParse(t, string(data))
}

// writeNarInfo replaces a store path's narinfo in a file cache.
func writeNarInfo(t *testing.T, dir string, ni *NarInfo) {
	t.Helper()
	if err := os.WriteFile(narinfoFile(t, dir, ni.StorePath), []byte(ni.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// httpServer is a `python3 -m http.server` serving a directory on a free loopback port.
type httpServer struct {
	URL  string
	stop func()
}

// serveDir starts Python's HTTP server on dir and waits until it answers; the server is
// killed when the test ends, or earlier by stop.
func serveDir(t *testing.T, dir string) *httpServer {
	t.Helper()
	testenv.Require(t, "python3")
	for attempt := 0; attempt < 3; attempt++ {
		// Pick a free port; another process could take it before python binds it, hence
		// the retries.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		logFile, err := os.Create(filepath.Join(t.TempDir(), "http.log"))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("python3", "-m", "http.server", "--bind", "127.0.0.1", strconv.Itoa(port), "--directory", dir)
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		stop := sync.OnceFunc(func() {
			cmd.Process.Kill()
			<-exited
			logFile.Close()
		})
		t.Cleanup(stop)
		url := fmt.Sprintf("http://127.0.0.1:%d", port)
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				deadline = time.Time{} // python died (port taken?): try another port
				continue
			default:
			}
			resp, err := http.Get(url + "/nix-cache-info")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return &httpServer{URL: url, stop: stop}
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		stop()
		log, _ := os.ReadFile(logFile.Name())
		t.Logf("python http.server on port %d did not come up:\n%s", port, log)
	}
	t.Fatal("could not start python3 -m http.server")
	return nil
}

// sha256Sum is sha256 of b.
func sha256Sum(b []byte) []byte {
	h, _ := newHasher("sha256")
	h.Write(b)
	return h.Sum(nil)
}
