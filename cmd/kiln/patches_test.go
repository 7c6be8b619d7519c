package main

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kilnbuild/kiln/internal/files"
	"github.com/kilnbuild/kiln/nixgen/spec"
)

// debianPackaging is Debian 13's packaging of the default spec's HAProxy, whose security
// patches the default spec carries (scripts/sources.sh puts it in the mirror, by sha256).
const debianPackaging = "haproxy_3.0.11-1+deb13u3.debian.tar.xz"

// TestDefaultPatchesAreDebians: the patches the default spec applies are, byte for byte and
// in the same order, every upstream fix in Debian's series (its "0001-" files; the rest
// are Debian's own packaging: systemd units, its Makefile), so "as Debian ships them" is
// checked, not claimed, and a fix Debian carries is not left out.
func TestDefaultPatchesAreDebians(t *testing.T) {
	tarball := filepath.Join(mirror(t), debianPackaging)
	if _, err := os.Stat(tarball); err != nil {
		t.Fatalf("%v (make sources puts it there)", err)
	}
	dir := t.TempDir()
	if out, err := exec.Command("tar", "-C", dir, "-xJf", tarball, "debian/patches").CombinedOutput(); err != nil {
		t.Fatalf("unpacking %s: %v\n%s", debianPackaging, err, out)
	}
	series, err := os.ReadFile(filepath.Join(dir, "debian/patches/series"))
	if err != nil {
		t.Fatal(err)
	}
	var upstream []string
	sc := bufio.NewScanner(bytes.NewReader(series))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "0001-") {
			upstream = append(upstream, line)
		}
	}
	ours := spec.DefaultFiles()
	if len(ours) != len(upstream) || len(ours) == 0 {
		t.Fatalf("the default spec applies %d patches, Debian's series has %d upstream fixes: %q", len(ours), len(upstream), upstream)
	}
	for i, f := range ours {
		if want := "0001-" + path.Base(f.Name); want != upstream[i] {
			t.Errorf("package.patches[%d] is %s; Debian's series has %s there", i, f.Name, upstream[i])
			continue
		}
		deb, err := os.ReadFile(filepath.Join(dir, "debian/patches", upstream[i]))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(deb, f.Data) {
			t.Errorf("package.patches[%d] %s differs from Debian's %s", i, f.Name, upstream[i])
		}
	}
	// kiln init writes the same bytes the embedded default spec builds with.
	initDir := t.TempDir()
	if _, stderr, err := kiln(t, "init", filepath.Join(initDir, "kiln.toml")); err != nil {
		t.Fatalf("kiln init: %v\n%s", err, stderr)
	}
	for _, f := range ours {
		got, err := files.ReadFile(filepath.Join(initDir, filepath.FromSlash(f.Name)), 1<<20)
		if err != nil || !bytes.Equal(got, f.Data) {
			t.Errorf("kiln init wrote %s with other content (%v)", f.Name, err)
		}
	}
}

// TestDefaultBinaryRejectsForbiddenAuthority: the default build carries the fixes, not
// just their files: HAProxy 3.0.11 as released answers 200 to a request whose Host or
// authority holds a comma or a space (a request smuggling and cache poisoning vector, fixed
// by "BUG/MAJOR: http: forbid comma character in authority value" and "BUG/MEDIUM:
// h1/h2/h3: reject forbidden chars in the Host header"); the patched one answers 400.
func TestDefaultBinaryRejectsForbiddenAuthority(t *testing.T) {
	bin := haproxyBin(t, "")
	addr := freeAddr(t)
	cmd := exec.Command(bin, "-db", "-f", writeConfig(t, defaultConfig(t), addr))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGUSR1)
		cmd.Wait()
	}()
	status := func(req string) string {
		t.Helper()
		var c net.Conn
		var err error
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if c, err = net.Dial("tcp", addr); err == nil || time.Now().After(deadline) {
				break
			}
		}
		if err != nil {
			t.Fatalf("connecting to haproxy: %v\n%s", err, logs.String())
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			t.Fatalf("%q: reading the status line: %v", req, err)
		}
		return strings.TrimSpace(line)
	}
	for req, want := range map[string]string{
		"GET / HTTP/1.1\r\nHost: kiln.example\r\n\r\n":  "HTTP/1.1 200 OK",
		"GET / HTTP/1.1\r\nHost: a,b\r\n\r\n":           "HTTP/1.1 400 Bad request",
		"GET http://a,b/ HTTP/1.1\r\nHost: a,b\r\n\r\n": "HTTP/1.1 400 Bad request",
		"GET / HTTP/1.1\r\nHost: a b\r\n\r\n":           "HTTP/1.1 400 Bad request",
	} {
		if got := status(req); got != want {
			t.Errorf("%q: %s, want %s", req, got, want)
		}
	}
}
