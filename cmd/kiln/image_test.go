package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/orchestrator/publish/publishtest"
)

// goldenDigest is the default spec's image (pinned toolchain, gzip, created 1970-01-01T00:00:01Z):
// Debian 13's gcc 14.2, binutils 2.44 and musl 1.2.5, so the same on any host with Nix. It
// changes when the recipe, the toolchain's pins, the image layout or the compressor
// changes — update it deliberately, never to make a test pass.
const goldenDigest = "sha256:9764f7a5e891459b39d703d13f37efa0706affeec80a5142af5840a9505bb0f9"

// buildImage runs kiln build with the pinned toolchain and the mirror in dir, with env added,
// and returns the --json result.
func buildImage(t *testing.T, dir string, env []string, args ...string) *built {
	t.Helper()
	m := mirror(t)
	full := append([]string{"-q", "build", "--mirror", m, "--json"}, args...)
	cmd := exec.Command(kilnBin, full...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kiln %s: %v\n%s", strings.Join(full, " "), err, tailLines(stderr.String(), 30))
	}
	var b built
	if err := json.Unmarshal(stdout.Bytes(), &b); err != nil {
		t.Fatalf("kiln build --json: %v\n%s", err, stdout.String())
	}
	return &b
}

func TestImageIsReproducibleAcrossDirsAndTMPDIR(t *testing.T) {
	d1, d2 := t.TempDir(), t.TempDir()
	a := buildImage(t, d1, []string{"TMPDIR=" + t.TempDir()}, "-o", "oci:out")
	b := buildImage(t, d2, []string{"TMPDIR=" + t.TempDir()}, "-o", "oci:"+filepath.Join(d2, "elsewhere", "img"))
	if a.Digest == "" || a.Digest != b.Digest {
		t.Fatalf("two builds of one spec gave %q and %q", a.Digest, b.Digest)
	}
	if a.Digest != goldenDigest {
		t.Errorf("default image digest %s, pinned %s", a.Digest, goldenDigest)
	}
	for _, dir := range []string{filepath.Join(d1, "out"), filepath.Join(d2, "elsewhere", "img")} {
		idx, err := layout.ImageIndexFromPath(dir)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := idx.IndexManifest()
		img, err := idx.Image(m.Manifests[0].Digest)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate.Image(img); err != nil {
			t.Errorf("%s: %v", dir, err)
		}
	}
	c := buildImage(t, d1, []string{"SOURCE_DATE_EPOCH=1700000000"}, "-o", "oci:out2")
	if c.Digest == a.Digest {
		t.Errorf("SOURCE_DATE_EPOCH did not change the image's created time")
	}
}

// TestLuaImageSize: the default spec with Lua, as zstd, within the toolchain's size target
// (README, Measured: +lua at most 970,000 B): the figure a recipe change for the default's
// speed can push over unseen, since the default's own targets do not build Lua.
func TestLuaImageSize(t *testing.T) {
	dir := t.TempDir()
	spec := initSpec(t, filepath.Join(dir, "lua.toml"), "lua = false", "lua = true")
	stdout, stderr, err := kiln(t, "-q", "build", "--mirror", mirror(t), "--json", "--compression", "zstd", "-o", "oci:"+filepath.Join(dir, "img"), spec)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var b struct {
		CompressedSize int64 `json:"compressed_size"`
	}
	if err := json.Unmarshal([]byte(stdout), &b); err != nil {
		t.Fatal(err)
	}
	t.Logf("+lua image: %d B compressed (zstd)", b.CompressedSize)
	if b.CompressedSize > 970_000 || b.CompressedSize == 0 {
		t.Errorf("+lua image %d B (zstd), target <= 970,000", b.CompressedSize)
	}
}

func TestImageSizeAndContents(t *testing.T) {
	testenv.Require(t, "skopeo")
	dir := t.TempDir()
	b := buildImage(t, dir, nil, "-o", "oci:img")
	var full struct {
		CompressedSize   int64 `json:"compressed_size"`
		UncompressedSize int64 `json:"uncompressed_size"`
		Layers           []struct {
			MediaType string `json:"media_type"`
		} `json:"layers"`
	}
	stdout, stderr, err := kiln(t, "-q", "build", "--mirror", mirror(t), "--json", "-o", "oci:"+filepath.Join(dir, "img"))
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	json.Unmarshal([]byte(stdout), &full)
	t.Logf("default image: %d B compressed (gzip), %d B uncompressed", full.CompressedSize, full.UncompressedSize)
	if full.CompressedSize > 915_000 || full.CompressedSize == 0 {
		t.Errorf("compressed size %d, target <= 915,000", full.CompressedSize)
	}
	if full.UncompressedSize > 2_300_000 {
		t.Errorf("uncompressed size %d, target <= 2,300,000", full.UncompressedSize)
	}
	if len(full.Layers) != 1 || full.Layers[0].MediaType != "application/vnd.oci.image.layer.v1.tar+gzip" {
		t.Errorf("layers %+v, want one OCI gzip layer", full.Layers)
	}
	out, err := exec.Command("skopeo", "inspect", "oci:"+filepath.Join(dir, "img")+":3.0.11").CombinedOutput()
	if err != nil {
		t.Fatalf("skopeo inspect: %v\n%s", err, out)
	}
	var si struct {
		Digest string
		Labels map[string]string
	}
	json.Unmarshal(out, &si)
	if si.Digest != b.Digest || si.Labels["org.opencontainers.image.version"] != "3.0.11" || !strings.HasPrefix(si.Labels["org.opencontainers.image.revision"], "sha256:") {
		t.Errorf("skopeo sees digest %s labels %v; kiln printed %s", si.Digest, si.Labels, b.Digest)
	}

	// kiln inspect lists every file: the closure, passwd/group, the config — and nothing else.
	stdout, stderr, err = kiln(t, "inspect", "--json", "oci:"+filepath.Join(dir, "img"))
	if err != nil {
		t.Fatalf("kiln inspect: %v\n%s", err, stderr)
	}
	var ins struct {
		Digest string
		Files  []struct {
			Path string
			Type string
			Mode string
			UID  int
		}
	}
	if err := json.Unmarshal([]byte(stdout), &ins); err != nil {
		t.Fatalf("kiln inspect --json: %v\n%s", err, stdout)
	}
	var files []string
	for _, f := range ins.Files {
		if f.UID != 0 {
			t.Errorf("%s owned by uid %d", f.Path, f.UID)
		}
		if f.Type != "dir" {
			files = append(files, strings.TrimPrefix(f.Path, b.Outputs[0]))
		}
	}
	want := []string{"/etc/group", "/etc/haproxy/haproxy.cfg", "/etc/passwd", "/bin/haproxy"}
	if strings.Join(files, " ") != strings.Join(want, " ") {
		t.Errorf("image files %v, want exactly %v", files, want)
	}
}

// podman runs podman with this sandbox's settings (see README: running the image): its own
// storage under dir, runc, vfs, and ulimits the sandbox allows.
func podman(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	conf := filepath.Join(dir, "containers.conf")
	if _, err := os.Stat(conf); err != nil {
		os.WriteFile(conf, []byte("[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n"), 0o644)
	}
	full := append([]string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "runroot"), "--storage-driver", "vfs", "--runtime", "runc"}, args...)
	cmd := exec.Command("podman", full...)
	cmd.Env = append(os.Environ(), "CONTAINERS_CONF="+conf)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func TestImageRunsInPodman(t *testing.T) {
	testenv.Require(t, "podman", "runc")
	dir := t.TempDir()
	archive := filepath.Join(dir, "haproxy.tar")
	buildImage(t, dir, nil, "-o", "docker-archive:"+archive)
	pdir := t.TempDir()
	if out, err := podman(t, pdir, "load", "-i", archive); err != nil || !strings.Contains(out, "haproxy:3.0.11") {
		t.Fatalf("podman load: %v\n%s", err, out)
	}
	cid, err := podman(t, pdir, "run", "-d", "--network", "host", "haproxy:3.0.11")
	if err != nil {
		t.Fatalf("podman run: %v\n%s", err, cid)
	}
	cid = lastLine(cid)
	t.Cleanup(func() { podman(t, pdir, "rm", "-f", cid) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	body, err := getWithRetry(ctx, "http://127.0.0.1:8080/")
	if err != nil {
		logs, _ := podman(t, pdir, "logs", cid)
		t.Fatalf("GET / from the container: %v\n%s", err, logs)
	}
	if body != "kiln: haproxy is up\n" {
		t.Errorf("GET / = %q", body)
	}
	// The process runs as the unprivileged user, not root.
	pid, err := podman(t, pdir, "inspect", "--format", "{{.State.Pid}}", cid)
	if err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile("/proc/" + lastLine(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(status, []byte("\nUid:\t65534\t65534\t65534\t65534\n")) {
		t.Errorf("container process is not uid 65534:\n%s", status)
	}
	// podman stop sends the image's StopSignal (SIGUSR1); with nothing open, haproxy's
	// graceful stop exits 0 at once.
	stop := func(what string) string {
		t.Helper()
		start := time.Now()
		if out, err := podman(t, pdir, "stop", "-t", "10", cid); err != nil {
			t.Fatalf("podman stop (%s): %v\n%s", what, err, out)
		}
		code, _ := podman(t, pdir, "inspect", "--format", "{{.State.ExitCode}}", cid)
		logs, _ := podman(t, pdir, "logs", cid)
		took := time.Since(start).Round(time.Millisecond)
		if lastLine(code) != "0" {
			t.Errorf("%s: container exit code %s after %s, want 0 (haproxy exits by itself, not killed at the runtime's 10 s)\n%s", what, lastLine(code), took, logs)
		}
		t.Logf("%s: podman stop returned after %s", what, took)
		return logs
	}
	if logs := stop("idle"); strings.Contains(logs, "hard-stopped") {
		t.Errorf("idle: the stop waited for hard-stop-after; want a graceful exit\n%s", logs)
	}
	// A client holding a half-sent request keeps a graceful stop waiting (to `timeout
	// client`, 30 s); the default haproxy.cfg's hard-stop-after ends it at 7 s, before the
	// runtime's kill at 10 s.
	if out, err := podman(t, pdir, "start", cid); err != nil {
		t.Fatalf("podman start: %v\n%s", err, out)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel2()
	if _, err := getWithRetry(ctx2, "http://127.0.0.1:8080/"); err != nil {
		t.Fatalf("GET / after restart: %v", err)
	}
	slow, err := net.Dial("tcp", "127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := io.WriteString(slow, "GET / HTTP/1.1\r\nHost: kiln\r\n"); err != nil {
		t.Fatal(err)
	}
	// A whole request on a second connection: once it is answered, haproxy has accepted
	// the first, queued before it.
	if got := statusLine(t, "127.0.0.1:8080", "GET / HTTP/1.1\r\nHost: kiln\r\nConnection: close\r\n\r\n", nil); got != "HTTP/1.1 200 OK" {
		t.Fatalf("probe request: %s, want HTTP/1.1 200 OK", got)
	}
	if logs := stop("half-sent request"); strings.Count(logs, "hard-stopped") != 1 {
		t.Errorf("half-sent request: want one hard stop in the logs\n%s", logs)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func TestPushToRealRegistry(t *testing.T) {
	testenv.Require(t, "skopeo")
	host := publishtest.StartRegistry(t)
	ref := host + "/kiln/haproxy:3.0.11"
	b := buildImage(t, t.TempDir(), nil, "--insecure", "-o", "docker://"+ref)
	out, err := exec.Command("skopeo", "inspect", "--tls-verify=false", "docker://"+ref).CombinedOutput()
	if err != nil {
		t.Fatalf("skopeo inspect: %v\n%s", err, out)
	}
	var si struct{ Digest string }
	json.Unmarshal(out, &si)
	if si.Digest != b.Digest {
		t.Fatalf("registry has %s, kiln pushed %s", si.Digest, b.Digest)
	}
	back := filepath.Join(t.TempDir(), "back")
	if out, err := exec.Command("skopeo", "copy", "--src-tls-verify=false", "--preserve-digests", "docker://"+ref, "oci:"+back+":x").CombinedOutput(); err != nil {
		t.Fatalf("skopeo copy: %v\n%s", err, out)
	}
	stdout, stderr, err := kiln(t, "inspect", "--json", "oci:"+back)
	if err != nil || !strings.Contains(stdout, b.Digest) {
		t.Fatalf("pulled-back image: %v\n%s\n%s", err, stdout, stderr)
	}
}

// TestBadOutputsLoseNothing: every refused output is refused before or without writing,
// leaves what was there untouched and no temporary file behind.
func TestBadOutputsLoseNothing(t *testing.T) {
	m := mirror(t)
	dir := t.TempDir()
	foreign := filepath.Join(dir, "mine")
	os.MkdirAll(foreign, 0o755)
	os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("keep"), 0o644)
	regular := filepath.Join(dir, "file")
	os.WriteFile(regular, []byte("x"), 0o644)
	cases := map[string]struct{ output, want string }{
		"non-empty foreign dir": {"oci:" + foreign, foreign},
		"not writable":          {"oci:" + filepath.Join(regular, "sub"), regular},
		"unreachable registry":  {"docker://127.0.0.1:1/kiln/haproxy:x", "127.0.0.1:1"},
		"unknown transport":     {"tarball:" + filepath.Join(dir, "x"), "oci:DIR"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			stdout, stderr, err := kiln(t, "-q", "build", "--mirror", m, "--insecure", "-o", c.output)
			if err == nil {
				t.Fatalf("kiln build -o %s succeeded", c.output)
			}
			if stdout != "" || !strings.Contains(stderr, c.want) {
				t.Errorf("stdout %q, stderr %q (want it to name %q)", stdout, stderr, c.want)
			}
		})
	}
	if b, _ := os.ReadFile(filepath.Join(foreign, "notes.txt")); string(b) != "keep" {
		t.Error("foreign dir was changed")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("left behind in %s: %v", dir, names)
	}
}

func TestAuditDefaultImage(t *testing.T) {
	dir := t.TempDir()
	buildImage(t, dir, nil, "-o", "oci:"+filepath.Join(dir, "img"))
	stdout, stderr, err := kiln(t, "audit", "--json", "oci:"+filepath.Join(dir, "img"))
	if err != nil {
		t.Fatalf("kiln audit on the default image: %v\n%s\n%s", err, stdout, stderr)
	}
	var rep struct {
		ELF []struct {
			File, Type, RELRO, Canary, Fortify string
			NX, Stripped                       bool
		} `json:"elf"`
		Violations []string `json:"violations"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.ELF) != 1 || len(rep.Violations) != 0 {
		t.Fatalf("audit: %+v", rep)
	}
	e := rep.ELF[0]
	if e.Type != "static-pie" || e.RELRO != "full" || !e.NX || e.Canary != "yes" || !e.Stripped || e.Fortify != "n/a: musl" {
		t.Errorf("audit of haproxy: %+v", e)
	}
	// A dynamically linked host binary fails the default policy.
	if _, _, err := kiln(t, "audit", "/bin/ls"); err == nil {
		t.Errorf("kiln audit /bin/ls (dynamic, not fully static) passed")
	}
}
