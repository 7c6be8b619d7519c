package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/nixgen/spec"
)

// kilnBin is the kiln binary the end-to-end tests run, built once by TestMain.
var kilnBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kiln-e2e-")
	if err != nil {
		panic(err)
	}
	kilnBin = filepath.Join(dir, "kiln")
	if out, err := exec.Command("go", "build", "-o", kilnBin, ".").CombinedOutput(); err != nil {
		panic(string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// kiln runs the kiln binary and returns stdout; stderr is kept for failures.
func kiln(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(kilnBin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// initSpec writes kiln init's spec to path with each old, new pair of replace applied once,
// and fails the test when the spec lacks an old: a fixture that silently stayed the default
// spec would test the default instead.
func initSpec(t *testing.T, path string, replace ...string) string {
	t.Helper()
	if len(replace)%2 != 0 {
		t.Fatalf("initSpec: replacements come in old, new pairs: %q", replace)
	}
	if _, stderr, err := kiln(t, "init", path); err != nil {
		t.Fatalf("kiln init: %v\n%s", err, stderr)
	}
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(replace); i += 2 {
		if !bytes.Contains(doc, []byte(replace[i])) {
			t.Fatalf("kiln init's spec has no %q to replace", replace[i])
		}
		doc = bytes.Replace(doc, []byte(replace[i]), []byte(replace[i+1]), 1)
	}
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// withDefaultFiles writes the files the default spec names (HAProxy's security patches)
// into dir, as kiln init does beside the spec it writes: for a test that copies that spec
// somewhere else.
func withDefaultFiles(t *testing.T, dir string) {
	t.Helper()
	if err := spec.WriteDefaultFiles(dir); err != nil {
		t.Fatal(err)
	}
}

// mirror is the directory of source tarballs `make test` fills (scripts/sources.sh).
func mirror(t *testing.T) string {
	t.Helper()
	testenv.Short(t)
	testenv.Require(t, "nix")
	return testenv.Env(t, "KILN_MIRROR", "the directory of pinned source tarballs and packages (make sources)")
}

// built is one `kiln build --json` result, shared by every test that needs that build, so
// each spec is built once per test run (nix would reuse the store path anyway, but even
// evaluating costs seconds).
type built struct {
	Outputs   []string          `json:"outputs"`
	Closure   []string          `json:"closure"`
	NarHashes map[string]string `json:"nar_hashes"`
	Digest    string            `json:"digest"`
}

var (
	buildMu   sync.Mutex
	buildMemo = map[string]*built{}
)

// buildSpec runs kiln build --json for spec ("" = the default) with the pinned toolchain and
// the mirror, plus extra args, once per distinct argument list.
func buildSpec(t *testing.T, spec string, extra ...string) *built {
	t.Helper()
	m := mirror(t)
	args := []string{"build", "--mirror", m, "--json"}
	args = append(args, extra...)
	if spec != "" {
		args = append(args, spec)
	}
	key := strings.Join(args, "\x00")
	buildMu.Lock()
	defer buildMu.Unlock()
	if b, ok := buildMemo[key]; ok {
		return b
	}
	stdout, stderr, err := kiln(t, args...)
	if err != nil {
		t.Fatalf("kiln %s: %v\n%s", strings.Join(args, " "), err, tailLines(stderr, 40))
	}
	var b built
	if err := json.Unmarshal([]byte(stdout), &b); err != nil {
		t.Fatalf("kiln build --json printed something else: %v\n%s", err, stdout)
	}
	buildMemo[key] = &b
	return &b
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
