package orchestrator

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/audit"
	"github.com/kilnbuild/kiln/orchestrator/image"
)

// The spec's hardening words and the audit's policy words are one vocabulary.
func TestHardeningWordsMatchAuditPolicy(t *testing.T) {
	if strings.Join(spec.HardeningWords, " ") != strings.Join(audit.PolicyWords, " ") {
		t.Fatalf("spec.HardeningWords %v != audit.PolicyWords %v", spec.HardeningWords, audit.PolicyWords)
	}
	if err := audit.ValidatePolicy(spec.DefaultHardening); err != nil {
		t.Fatal(err)
	}
}

// TestGateNamesFileAndProperty: an unhardened binary in the closure is refused, and the
// error names the file and each missing property.
func TestGateNamesFileAndProperty(t *testing.T) {
	testenv.Require(t, "gcc")
	dir := t.TempDir()
	src := filepath.Join(dir, "m.c")
	os.WriteFile(src, []byte("#include <stdio.h>\nint main(int c,char**v){char b[64];snprintf(b,64,\"%s\",v[0]);puts(b);return 0;}\n"), 0o644)
	bin := filepath.Join(dir, "out", "bin", "weak")
	os.MkdirAll(filepath.Dir(bin), 0o755)
	if out, err := exec.Command("gcc", "-O2", "-fno-stack-protector", "-no-pie", "-Wl,-z,norelro", src, "-o", bin).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	os.WriteFile(filepath.Join(dir, "out", "README"), []byte("not ELF"), 0o644)
	rep, err := AuditTree([]string{filepath.Join(dir, "out")}, spec.DefaultHardening, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.ELF) != 1 || rep.ELF[0].File != "/out/bin/weak" {
		t.Fatalf("audited %+v, want just /out/bin/weak", rep.ELF)
	}
	msg := (&GateError{Violations: rep.Violations}).Error()
	for _, want := range []string{"/out/bin/weak: pie", "/out/bin/weak: relro", "/out/bin/weak: canary", "/out/bin/weak: static", "/out/bin/weak: stripped", "nothing was written"} {
		if !strings.Contains(msg, want) {
			t.Errorf("gate error lacks %q:\n%s", want, msg)
		}
	}
}

// TestImageAuditFindsShellSetuidAndRoot: an image filesystem with a shell, a setuid file, a
// world-writable file and a root user is refused on each count.
func TestImageAuditFindsShellSetuidAndRoot(t *testing.T) {
	rootfs := image.Rootfs{Files: []image.File{
		{Path: "/bin/sh", Mode: 0o755, Data: []byte("#!fake shell")},
		{Path: "/usr/bin/su", Mode: fs.ModeSetuid | 0o755, Data: []byte("x")},
		{Path: "/etc/open", Mode: 0o666, Data: []byte("x")},
		{Path: "/var/lib/dpkg/status", Mode: 0o644, Data: []byte("x")},
	}}
	img, err := image.Build(context.Background(), rootfs, image.Config{User: "0:0"}, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := AuditImage(img, spec.DefaultHardening)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(rep.Violations, "\n")
	for _, want := range []string{"/bin/sh", "/usr/bin/su", "/etc/open", "/var/lib/dpkg", "user"} {
		if !strings.Contains(all, want) {
			t.Errorf("image audit missed %q:\n%s", want, all)
		}
	}
	clean, err := image.Build(context.Background(), image.Rootfs{Files: []image.File{{Path: "/etc/passwd", Mode: fs.FileMode(0o444), Data: []byte("x")}}},
		image.Config{User: "65534:65534"}, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := AuditImage(clean, spec.DefaultHardening); err != nil || !rep.OK() {
		t.Fatalf("clean image: %v %v", err, rep.Violations)
	}
}

// tarLayer is a layer of the given entries (name → content; "" content and a trailing
// slash make a directory).
func tarLayer(t *testing.T, entries ...[2]string) v1.Layer {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{Name: e[0], Mode: 0o755, Typeflag: tar.TypeReg, Size: int64(len(e[1]))}
		if strings.HasSuffix(e[0], "/") {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(e[1]))
	}
	tw.Close()
	data := b.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestAuditImageAppliesWhiteouts: the image audit sees what a container sees: a shell
// removed by an upper layer's whiteout is gone, one added by an upper layer is there.
func TestAuditImageAppliesWhiteouts(t *testing.T) {
	base := tarLayer(t, [2]string{"bin/", ""}, [2]string{"bin/sh", "#!shell"}, [2]string{"etc/", ""})
	removed, err := mutate.AppendLayers(empty.Image, base, tarLayer(t, [2]string{"bin/", ""}, [2]string{"bin/.wh.sh", ""}))
	if err != nil {
		t.Fatal(err)
	}
	removed, _ = mutate.Config(removed, v1.Config{User: "65534:65534"})
	rep, err := AuditImage(removed, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range rep.Violations {
		if strings.Contains(v, "shell") {
			t.Errorf("a whited-out shell is reported: %v", rep.Violations)
		}
	}
	added, _ := mutate.AppendLayers(empty.Image, tarLayer(t, [2]string{"etc/", ""}), tarLayer(t, [2]string{"bin/", ""}, [2]string{"bin/sh", "#!shell"}))
	added, _ = mutate.Config(added, v1.Config{User: "65534:65534"})
	rep, err = AuditImage(added, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(rep.Violations, "\n"), "shell") {
		t.Errorf("an upper layer's shell is not reported: %v", rep.Violations)
	}
}
