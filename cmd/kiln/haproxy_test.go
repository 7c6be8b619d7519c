package main

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/nix"
)

const spec26 = "../../testdata/specs/haproxy-2.6.12.toml"

// haproxyBin builds spec and returns the path of its haproxy binary, checking the closure
// holds nothing but the package itself.
func haproxyBin(t *testing.T, specFile string) string {
	t.Helper()
	b := buildSpec(t, specFile, "--no-image")
	if len(b.Outputs) != 1 || len(b.Closure) != 1 || b.Closure[0] != b.Outputs[0] {
		t.Fatalf("closure should be the static binary's package alone: outputs %v, closure %v", b.Outputs, b.Closure)
	}
	return filepath.Join(b.Outputs[0], "bin", "haproxy")
}

func TestDefaultBinaryIsStaticPIEHardenedStripped(t *testing.T) {
	bin := haproxyBin(t, "")
	assertStaticPIEHardened(t, bin)
	// The pinned toolchain (binutils 2.44, musl 1.2.5) packs relative relocations.
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	if relr, _ := f.DynValue(elf.DynTag(36)); len(relr) == 0 { // DT_RELR
		t.Errorf("no DT_RELR: relative relocations are not packed")
	}
	f.Close()
	st, _ := os.Stat(bin)
	t.Logf("haproxy 3.0.11 binary: %d bytes", st.Size())
	if st.Size() > 2_400_000 {
		t.Errorf("binary is %d bytes, target <= 2,400,000", st.Size())
	}
	data, _ := os.ReadFile(bin)
	for _, leak := range []string{"/nix/store/", "/build/haproxy-", os.TempDir() + "/"} {
		if bytes.Contains(data, []byte(leak)) {
			t.Errorf("binary contains a build path %q", leak)
		}
	}
}

// assertStaticPIEHardened checks the ELF facts directly with debug/elf, independently of
// kiln's own audit code: ET_DYN, no PT_INTERP, no DT_NEEDED, GNU_RELRO + BIND_NOW,
// non-executable GNU_STACK, no W+X segment, DF_1_PIE, no symbol table.
func assertStaticPIEHardened(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Type != elf.ET_DYN {
		t.Errorf("ELF type %v, want ET_DYN (PIE)", f.Type)
	}
	var relro, stack bool
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			t.Errorf("has PT_INTERP: needs a dynamic loader, so it is not static")
		case elf.PT_GNU_RELRO:
			relro = true
		case elf.PT_GNU_STACK:
			stack = true
			if p.Flags&elf.PF_X != 0 {
				t.Errorf("GNU_STACK is executable")
			}
		case elf.PT_LOAD:
			if p.Flags&elf.PF_W != 0 && p.Flags&elf.PF_X != 0 {
				t.Errorf("a PT_LOAD segment is writable and executable")
			}
		}
	}
	if !relro || !stack {
		t.Errorf("GNU_RELRO present: %v, GNU_STACK present: %v; want both", relro, stack)
	}
	if needed, _ := f.ImportedLibraries(); len(needed) != 0 {
		t.Errorf("DT_NEEDED %v: not static", needed)
	}
	flags, _ := f.DynValue(elf.DT_FLAGS)
	flags1, _ := f.DynValue(elf.DT_FLAGS_1)
	bindNow := (len(flags) > 0 && flags[0]&uint64(elf.DF_BIND_NOW) != 0) || (len(flags1) > 0 && flags1[0]&uint64(elf.DF_1_NOW) != 0)
	if !bindNow {
		t.Errorf("no BIND_NOW (DT_FLAGS %v, DT_FLAGS_1 %v): RELRO is only partial", flags, flags1)
	}
	if len(flags1) == 0 || flags1[0]&uint64(elf.DF_1_PIE) == 0 {
		t.Errorf("DT_FLAGS_1 lacks PIE: %v", flags1)
	}
	if f.Section(".symtab") != nil {
		t.Errorf("has a symbol table: not stripped")
	}
}

func TestDefaultBinaryFeaturesAndConfig(t *testing.T) {
	bin := haproxyBin(t, "")
	vv, err := exec.Command(bin, "-vv").CombinedOutput()
	if err != nil {
		t.Fatalf("haproxy -vv: %v\n%s", err, vv)
	}
	for _, want := range []string{"HAProxy version 3.0.11", "+SLZ", "-ZLIB", "-LUA", "-OPENSSL", "TARGET  = linux-musl"} {
		if !bytes.Contains(vv, []byte(want)) {
			t.Errorf("haproxy -vv lacks %q:\n%s", want, vv)
		}
	}
	if bytes.Contains(vv, []byte("/nix/store")) || bytes.Contains(vv, []byte("/build")) {
		t.Errorf("haproxy -vv shows a build path:\n%s", vv)
	}
	cfg := writeConfig(t, defaultConfig(t), "")
	if out, err := exec.Command(bin, "-c", "-f", cfg).CombinedOutput(); err != nil {
		t.Fatalf("haproxy -c rejects the default config: %v\n%s", err, out)
	}
}

func TestDefaultBinaryServesHTTP(t *testing.T) {
	serveAndGet(t, haproxyBin(t, ""), defaultConfig(t), "kiln: haproxy is up\n")
}

func TestOlderBranchSameRecipe(t *testing.T) {
	bin := haproxyBin(t, spec26)
	vv, err := exec.Command(bin, "-vv").CombinedOutput()
	if err != nil {
		t.Fatalf("haproxy -vv: %v\n%s", err, vv)
	}
	for _, want := range []string{"HAProxy version 2.6.12", "+SLZ", "-ZLIB"} {
		if !bytes.Contains(vv, []byte(want)) {
			t.Errorf("haproxy -vv lacks %q:\n%s", want, vv)
		}
	}
	cfg, err := os.ReadFile("../../testdata/specs/haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	serveAndGet(t, bin, string(cfg), "kiln: haproxy 2.6 is up\n")
}

func TestRebuildIsBitIdentical(t *testing.T) {
	first := buildSpec(t, "", "--no-image")
	again := buildSpec(t, "", "--no-image", "--rebuild")
	if first.Outputs[0] != again.Outputs[0] || first.NarHashes[first.Outputs[0]] != again.NarHashes[again.Outputs[0]] {
		t.Fatalf("rebuild differs: %v %v vs %v %v", first.Outputs, first.NarHashes, again.Outputs, again.NarHashes)
	}
}

func defaultConfig(t *testing.T) string {
	t.Helper()
	for _, f := range spec.Default().Image.Files {
		if f.Path == "/etc/haproxy/haproxy.cfg" {
			return f.Content
		}
	}
	t.Fatal("default spec has no haproxy.cfg")
	return ""
}

// writeConfig writes cfg with its ":8080" bind moved to addr (when set).
func writeConfig(t *testing.T, cfg, addr string) string {
	t.Helper()
	if addr != "" {
		if !strings.Contains(cfg, "bind :8080") {
			t.Fatalf("config has no 'bind :8080' to move:\n%s", cfg)
		}
		cfg = strings.Replace(cfg, "bind :8080", "bind "+addr, 1)
	}
	p := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// serveAndGet runs haproxy on a loopback port, checks GET / answers want, and stops it with
// SIGUSR1 (its graceful stop), checking it exits.
func serveAndGet(t *testing.T, bin, cfg, want string) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-db", "-f", writeConfig(t, cfg, addr))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	body, err := getWithRetry(ctx, "http://"+addr+"/")
	if err != nil {
		t.Fatalf("GET / from haproxy: %v\nhaproxy log:\n%s", err, logs.String())
	}
	if body != want {
		t.Errorf("GET / = %q, want %q", body, want)
	}
	cmd.Process.Signal(syscall.SIGUSR1)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Errorf("haproxy did not stop on SIGUSR1 within 10 s")
	}
}

// statusLine sends req, a raw HTTP request, to the server at addr on a connection of its
// own (dialled until it is accepted, for up to 30 s) and returns the response's status line;
// it fails the test, with logs() if given, when there is none within 10 s.
func statusLine(t *testing.T, addr, req string, logs func() string) string {
	t.Helper()
	more := func() string {
		if logs == nil {
			return ""
		}
		return "\n" + logs()
	}
	var c net.Conn
	var err error
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if c, err = net.Dial("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("connecting to %s: %v%s", addr, err, more())
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("%q: reading the status line: %v%s", req, err, more())
	}
	return strings.TrimSpace(line)
}

func getWithRetry(ctx context.Context, url string) (string, error) {
	var last error
	for {
		resp, err := http.Get(url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return string(b), fmt.Errorf("status %d", resp.StatusCode)
			}
			return string(b), nil
		}
		last = err
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%v (last error: %v)", ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// nixpkgsStandIn writes testdata/nixpkgs-standin with the pinned toolchain beside it (its
// packages wrap the pinned parts) and returns its directory.
func nixpkgsStandIn(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "standin")
	copyDir(t, "../../testdata/nixpkgs-standin", dir)
	os.MkdirAll(filepath.Join(dir, "pinned"), 0o755)
	copyFile(t, "../../flakes/toolchains/pinned.nix", filepath.Join(dir, "pinned", "pinned.nix"))
	copyDir(t, "../../flakes/toolchains/pinned", filepath.Join(dir, "pinned", "pinned"))
	return dir
}

// TestNixpkgsToolchainAgainstStandIn renders the default spec for the nixpkgs toolchain, swaps
// its pinned nixpkgs input for testdata/nixpkgs-standin — same attribute paths, the pinned
// toolchain's parts inside — and has nix build it with kiln's settings: a sandbox with no
// host path, so a recipe that assumed /bin/sh or a host tool would fail here as with real
// nixpkgs. This exercises all of kiln's nixpkgs glue (flake inputs, toolchain attrs, the cc
// wrapper contract, -static-pie, nixpkgs' bash as builder and sh); it cannot exercise
// nixpkgs' real compilers, which this machine cannot fetch.
func TestNixpkgsToolchainAgainstStandIn(t *testing.T) {
	m := mirror(t)
	dir := t.TempDir()
	flake := filepath.Join(dir, "flake")
	if _, stderr, err := kiln(t, "gen", "--toolchain", "nixpkgs", "-o", flake); err != nil {
		t.Fatalf("kiln gen: %v\n%s", err, stderr)
	}
	standin := nixpkgsStandIn(t)
	// The haproxy source, and the pinned toolchain's packages the stand-in is made of.
	if _, stderr, err := kiln(t, "prefetch", "--mirror", m); err != nil {
		t.Fatalf("kiln prefetch: %v\n%s", err, stderr)
	}
	override := []string{"--no-write-lock-file", "--override-input", "nixpkgs", "path:" + standin}
	drv := nixCmd(t, append([]string{"eval", "--raw"}, append(override, "path:"+flake+"#packages.x86_64-linux.default.drvPath")...)...)
	if !strings.HasSuffix(drv, "-haproxy-3.0.11.drv") {
		t.Fatalf("evaluated drvPath %q", drv)
	}
	out := nixCmd(t, append([]string{"build", "--no-link", "--json"}, append(override, "path:"+flake+"#default")...)...)
	var res []struct{ Outputs map[string]string }
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 1 {
		t.Fatalf("nix build --json: %v: %s", err, out)
	}
	bin := filepath.Join(res[0].Outputs["out"], "bin", "haproxy")
	assertStaticPIEHardened(t, bin)
	vv, err := exec.Command(bin, "-vv").CombinedOutput()
	if err != nil || !bytes.Contains(vv, []byte("+SLZ")) {
		t.Fatalf("haproxy -vv: %v\n%s", err, vv)
	}
}

// nixCmd runs nix with kiln's own settings (a sandbox with no host path, no substituters)
// and returns stdout.
func nixCmd(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("nix", args...)
	cmd.Env = nix.Environ(os.Environ(), nix.Settings{Sandbox: true, NoBuildUsers: true})
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nix %s: %v\n%s", strings.Join(args, " "), err, tailLines(stderr.String(), 30))
	}
	return strings.TrimSpace(string(out))
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(to, 0o755)
	for _, e := range entries {
		copyFile(t, filepath.Join(from, e.Name()), filepath.Join(to, e.Name()))
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestProjectFlake: the project's own flake.nix parses, and its lib outputs evaluate with
// nixpkgs swapped for the stand-in (its kiln package needs real nixpkgs to build).
func TestProjectFlake(t *testing.T) {
	testenv.Require(t, "nix", "nix-instantiate")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("nix-instantiate", "--parse", filepath.Join(root, "flake.nix")).CombinedOutput(); err != nil {
		t.Fatalf("flake.nix does not parse: %v\n%s", err, out)
	}
	standin := nixpkgsStandIn(t)
	// A copy holding only what the flake reads, so the evaluation does not copy the whole tree.
	dir := filepath.Join(t.TempDir(), "kiln")
	os.MkdirAll(filepath.Join(dir, "flakes"), 0o755)
	copyFile(t, filepath.Join(root, "flake.nix"), filepath.Join(dir, "flake.nix"))
	recipes := nixCmd(t, "eval", "--raw", "--no-write-lock-file", "--override-input", "nixpkgs", "path:"+standin,
		"path:"+dir+"#lib.recipes")
	if !strings.HasPrefix(recipes, "/nix/store/") {
		t.Fatalf("lib.recipes = %q", recipes)
	}
}
