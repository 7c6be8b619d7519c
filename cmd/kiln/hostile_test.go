package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/kilnbuild/kiln/internal/testenv"
)

// testToolchain is the toolchain the end-to-end tests build with.
const testToolchain = "pinned"

// uniqueSpec writes the default spec with another package version (it names the store
// path, so nix builds it afresh) into dir and returns its path.
func uniqueSpec(t *testing.T, dir, version string) string {
	t.Helper()
	return initSpec(t, filepath.Join(dir, "kiln.toml"), `version = "3.0.11"`, `version = "`+version+`"`)
}

// builderProcesses lists the processes whose environment says they build derivation name:
// a derivation's attributes are its builder's environment, inherited by make, gcc and cc1.
func builderProcesses(name string) []string {
	marker := []byte("\x00name=" + name + "\x00")
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(append([]byte{0}, env...), marker) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		out = append(out, e.Name()+": "+string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
	}
	return out
}

// startBuild starts kiln build of spec and returns once nix's builder is compiling.
func startBuild(t *testing.T, spec, drvName string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	m := mirror(t)
	cmd := exec.Command(kilnBin, "build", "--toolchain", testToolchain, "--mirror", m, "--no-result-cache", "-o", "oci:"+filepath.Join(t.TempDir(), "img"), spec)
	var stderr bytes.Buffer
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	compiling := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		once := false
		for sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
			if !once && strings.Contains(sc.Text(), ".c") && strings.Contains(sc.Text(), "cc ") {
				once = true
				close(compiling)
			}
		}
	}()
	deadline := time.After(10 * time.Minute)
	for {
		select {
		case <-compiling:
			if len(builderProcesses(drvName)) > 0 {
				return cmd, &stderr
			}
		case <-deadline:
			t.Fatalf("the build never started compiling:\n%s", tailLines(stderr.String(), 30))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestInterruptStopsTheBuild: SIGINT during a real build stops nix's sandboxed builders
// (sh, make, gcc), removes their build directory, and kiln exits 130 saying so.
func TestInterruptStopsTheBuild(t *testing.T) {
	version := fmt.Sprintf("3.0.11-sigint%d", time.Now().UnixNano()%1e6)
	drv := "haproxy-" + version
	cmd, stderr := startBuild(t, uniqueSpec(t, t.TempDir(), version), drv)
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("kiln after SIGINT: %v, want exit %d\n%s", err, exitInterrupted, tailLines(stderr.String(), 20))
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("kiln did not say it was interrupted:\n%s", tailLines(stderr.String(), 5))
	}
	t.Logf("kiln exited %v after SIGINT", time.Since(start).Round(time.Millisecond))
	if left := builderProcesses(drv); len(left) > 0 {
		t.Fatalf("builder processes still running after kiln exited:\n%s", strings.Join(left, "\n"))
	}
	// nix removes its build directory as it stops. A compiler that the kill has not
	// reached yet may still drop a temporary file there after the removal (Nix 2.8 does
	// not wait for it), so a directory holding only such files is tolerated; the unpacked
	// source tree left behind is what a build that was not stopped would leave. Nix's
	// removal also races with such a file appearing in a directory it is emptying: it then
	// gives up on the rest and says so ("error (ignored): … cannot unlink '<dir>…':
	// Directory not empty"). That is nix trying to clean up, which is what kiln must let it
	// do; a directory left with no such line is a failure.
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "nix-build-"+drv+".drv-*"))
	for _, d := range dirs {
		entries, _ := os.ReadDir(d)
		var names []string
		for _, e := range entries {
			if e.IsDir() || !strings.HasPrefix(e.Name(), "cc") {
				if !strings.Contains(stderr.String(), "cannot unlink '"+d) {
					t.Fatalf("nix's build directory was left behind with %s in it", filepath.Join(d, e.Name()))
				}
				t.Logf("%s: nix's removal raced with a builder being killed, and nix said so: %s", d, lineWith(stderr.String(), "cannot unlink"))
			}
			names = append(names, e.Name())
		}
		t.Logf("%s: left after nix's cleanup: %v", d, names)
		os.RemoveAll(d)
	}
}

// lineWith is the first line of text containing sub.
func lineWith(text, sub string) string {
	for line := range strings.Lines(text) {
		if strings.Contains(line, sub) {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

// TestSecondInterruptEndsKilnAtOnce: a second signal does not wait for nix's cleanup.
func TestSecondInterruptEndsKilnAtOnce(t *testing.T) {
	version := fmt.Sprintf("3.0.11-sigint2x%d", time.Now().UnixNano()%1e6)
	drv := "haproxy-" + version
	cmd, _ := startBuild(t, uniqueSpec(t, t.TempDir(), version), drv)
	cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("kiln took %v to end after a second SIGINT", d)
	}
	// nix got the first signal and still stops its builders.
	deadline := time.Now().Add(60 * time.Second)
	for len(builderProcesses(drv)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("builders still running 60 s after the signals: %v", builderProcesses(drv))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// silentRegistry accepts connections and reads what it is sent, but never answers: a
// registry that hangs after a blob upload, or a proxy in front of a dead one.
func silentRegistry(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go io.Copy(io.Discard, c)
		}
	}()
	return l.Addr().String()
}

// TestRegistryThatNeverAnswers: a push to a registry that never answers fails after the
// --timeout (and its retries), not never; nothing else is written.
func TestRegistryThatNeverAnswers(t *testing.T) {
	m := mirror(t)
	buildSpec(t, "", "--no-image") // the store path exists: this test is about the push
	addr := silentRegistry(t)
	dir := t.TempDir()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kilnBin, "build", "--toolchain", testToolchain, "--mirror", m, "--no-result-cache",
		"--timeout", "2s", "--insecure", "-o", "docker://"+addr+"/kiln/haproxy:hang", "-o", "oci:"+filepath.Join(dir, "img"))
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatal("kiln hung on a registry that never answers")
	}
	if err == nil || !strings.Contains(string(out), addr) {
		t.Fatalf("push to a silent registry: %v\n%s", err, tailLines(string(out), 10))
	}
	t.Logf("failed after %v: %s", time.Since(start).Round(time.Second), tailLines(string(out), 1))
	if _, err := os.Stat(filepath.Join(dir, "img")); err == nil {
		t.Error("the oci: target after the failed push was written")
	}
}

// TestFIFOsNeverBlock: a FIFO given as the spec, or sitting in a --mirror under a source's
// name, is refused at once.
func TestFIFOsNeverBlock(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "spec.toml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	mirrorDir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(mirrorDir, "haproxy-3.0.11.tar.gz"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"build", fifo},
		{"build", "--toolchain", testToolchain, "--no-result-cache", "--mirror", mirrorDir, "-o", "oci:" + filepath.Join(dir, "img")},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, kilnBin, args...)
		out, err := cmd.CombinedOutput()
		blocked := ctx.Err() != nil
		cancel()
		if blocked {
			t.Fatalf("kiln %v blocked on a FIFO", args)
		}
		if err == nil || !strings.Contains(string(out), "not a regular file (a FIFO)") {
			t.Errorf("kiln %v: %v\n%s", args, err, tailLines(string(out), 5))
		}
	}
}

// TestTamperedLayoutIsCorrupt: a layout whose layer blob (or config) was replaced, digest
// name kept, is reported corrupt by inspect, audit and verify --against — never listed,
// passed, or called "not reproducible".
func TestTamperedLayoutIsCorrupt(t *testing.T) {
	buildSpec(t, "") // in the store: this test is about reading the image back
	m := mirror(t)
	for _, part := range []string{"layer", "config"} {
		t.Run(part, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "img")
			if _, stderr, err := kiln(t, "-q", "build", "--toolchain", testToolchain, "--mirror", m, "-o", "oci:"+dir); err != nil {
				t.Fatal(err, stderr)
			}
			p, err := layout.FromPath(dir)
			if err != nil {
				t.Fatal(err)
			}
			idx, _ := p.ImageIndex()
			im, _ := idx.IndexManifest()
			img, _ := idx.Image(im.Manifests[0].Digest)
			mf, _ := img.Manifest()
			var blob v1.Hash
			var forged []byte
			if part == "layer" {
				blob = mf.Layers[0].Digest
				forged = foreignLayer(t)
			} else {
				blob = mf.Config.Digest
				raw, _ := img.RawConfigFile()
				forged = bytes.Replace(raw, []byte(`"User":"65534:65534"`), []byte(`"User":"0:0"`), 1)
			}
			file := filepath.Join(dir, "blobs", blob.Algorithm, blob.Hex)
			os.Chmod(file, 0o644)
			if err := os.WriteFile(file, forged, 0o444); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{
				{"inspect", "oci:" + dir},
				{"audit", "oci:" + dir},
				{"verify", "--toolchain", testToolchain, "--mirror", m, "--rounds", "1", "--against", "oci:" + dir},
			} {
				stdout, stderr, err := kiln(t, args...)
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(stderr, "is corrupt") || !strings.Contains(stderr, blob.Hex[:12]) {
					t.Errorf("kiln %s: %v\nstdout %s\nstderr %s", args[0], err, tailLines(stdout, 5), tailLines(stderr, 5))
				}
				if strings.Contains(stdout, "/etc/shadow") {
					t.Errorf("kiln %s listed the forged layer's files", args[0])
				}
			}
		})
	}
}

// foreignLayer is a gzip tar layer carrying /etc/shadow.
func foreignLayer(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755)
	os.WriteFile(filepath.Join(dir, "etc", "shadow"), []byte("root:$6$forged:19000:0:99999:7:::\n"), 0o600)
	out, err := exec.Command("tar", "-C", dir, "-czf", "-", "etc").Output()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEditedResultEntryIsDiscarded: an entry of the result cache edited by hand (a store
// path added to its closure) is not used: kiln warns, builds, and ships the real image.
func TestEditedResultEntryIsDiscarded(t *testing.T) {
	results := t.TempDir()
	dir := t.TempDir()
	first := buildImage(t, dir, nil, "--result-cache", results, "-o", "oci:a")
	entries, _ := filepath.Glob(filepath.Join(results, "*.json"))
	if len(entries) != 1 {
		t.Fatalf("result cache holds %v", entries)
	}
	var st struct {
		Entry map[string]any `json:"entry"`
		MAC   string         `json:"mac"`
	}
	data, _ := os.ReadFile(entries[0])
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	// An extra path in the closure would ship whatever it holds in the image.
	extra := buildSpec(t, "../../testdata/specs/haproxy-2.6.12.toml", "--no-image").Outputs[0]
	st.Entry["closure"] = append(st.Entry["closure"].([]any), extra)
	data, _ = json.Marshal(st)
	os.WriteFile(entries[0], data, 0o644)

	cmd := exec.Command(kilnBin, "build", "--toolchain", testToolchain, "--mirror", mirror(t), "--result-cache", results, "--json", "-o", "oci:b")
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("build after the edit: %v\n%s", err, stderr.String())
	}
	var b cacheBuild
	json.Unmarshal(stdout.Bytes(), &b)
	if b.ResultCache != "miss" || b.Digest != first.Digest || !strings.Contains(stderr.String(), "result cache entry discarded") {
		t.Fatalf("result cache %q, digest %s (first %s)\n%s", b.ResultCache, b.Digest, first.Digest, stderr.String())
	}
	for _, p := range b.Closure {
		if p == extra {
			t.Fatal("the planted store path is in the image")
		}
	}
}

// TestOutputsValidatedBeforeWriting: a layout directory that also holds the user's files
// is refused before anything is built or written, and the user's files are kept; with
// several -o, one bad target means none is written.
func TestOutputsValidatedBeforeWriting(t *testing.T) {
	m := mirror(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	mine := filepath.Join(dir, "mine")
	if _, stderr, err := kiln(t, "-q", "build", "--toolchain", testToolchain, "--mirror", m, "-o", "oci:"+mine); err != nil {
		t.Fatal(err, stderr)
	}
	os.WriteFile(filepath.Join(mine, "NOTES.md"), []byte("mine"), 0o644)
	_, stderr, err := kiln(t, "build", "--toolchain", testToolchain, "--mirror", m, "--no-result-cache", "-o", "oci:"+good, "-o", "oci:"+mine)
	if err == nil || !strings.Contains(stderr, "NOTES.md") {
		t.Fatalf("a layout holding the user's file: %v\n%s", err, tailLines(stderr, 5))
	}
	if strings.Contains(stderr, "building") {
		t.Error("kiln built before refusing the target")
	}
	if data, _ := os.ReadFile(filepath.Join(mine, "NOTES.md")); string(data) != "mine" {
		t.Error("the user's file was deleted")
	}
	if _, err := os.Stat(good); err == nil {
		t.Error("the first target was written although the second was refused")
	}
}

// TestSeparateStoreNeverTouchesTheRealOne: kiln build --store DIR with no mirror takes the
// sources from /nix/store instead of letting nix fetch them into DIR (which on Nix 2.8
// leaves the real store's copy an empty file), and refuses when they are nowhere; the real
// store verifies clean afterwards.
func TestSeparateStoreNeverTouchesTheRealOne(t *testing.T) {
	mirror(t)
	testenv.Require(t, "nix-store")
	buildSpec(t, "", "--no-image") // the default source is in /nix/store
	store := filepath.Join(t.TempDir(), "store")
	out, stderr, err := kiln(t, "build", "--toolchain", testToolchain, "--store", store, "--no-result-cache", "--no-image")
	if err != nil {
		t.Fatalf("build in a separate store without --mirror: %v\n%s", err, tailLines(stderr, 20))
	}
	if !strings.Contains(stderr, "copied sources from /nix/store") || !strings.HasPrefix(out, "/nix/store/") {
		t.Errorf("stdout %q\n%s", out, tailLines(stderr, 10))
	}

	// A source that is nowhere: refused before nix runs.
	dir := t.TempDir()
	spec := uniqueSpec(t, dir, "3.0.11")
	data, _ := os.ReadFile(spec)
	data = bytes.Replace(data, []byte("a133e2d550c5fd9a849b5c7ab17bb945bcdad209ca140d41f45ebf31943ae783"), []byte(strings.Repeat("e", 64)), 1)
	os.WriteFile(spec, data, 0o644)
	_, stderr, err = kiln(t, "build", "--toolchain", testToolchain, "--store", filepath.Join(t.TempDir(), "store2"), "--no-result-cache", "--no-image", spec)
	if err == nil || !strings.Contains(stderr, "neither there, nor in --mirror, nor in /nix/store") {
		t.Fatalf("a source that is nowhere: %v\n%s", err, tailLines(stderr, 10))
	}

	verify := exec.Command("nix-store", "--verify", "--check-contents")
	verify.Env = append(os.Environ(), "NIX_CONFIG=build-users-group =")
	if out, err := verify.CombinedOutput(); err != nil || strings.Contains(string(out), "was modified") {
		t.Fatalf("nix-store --verify --check-contents: %v\n%s", err, tailLines(string(out), 20))
	}
}
