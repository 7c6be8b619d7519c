package publish

import (
	"context"
	"encoding/json"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/validate"
	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/orchestrator/image"
)

// testStorePath is the store path of every test image.
const testStorePath = "/nix/store/0c4a5nm7a3bbl8dnlh2dn0cb2mcqk3ka-app-1.0"

// testImage builds a small image labelled label; with big > 0 it also holds
// big bytes of incompressible data, so its layer upload takes many writes.
func testImage(t testing.TB, label string, big int) v1.Image {
	t.Helper()
	root := t.TempDir()
	sp := filepath.Join(root, testStorePath)
	if err := os.MkdirAll(filepath.Join(sp, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sp, "bin", "app"), []byte("#!/bin/sh\necho "+label+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if big > 0 {
		data := make([]byte, big)
		rand.New(rand.NewSource(int64(len(label)))).Read(data)
		if err := os.WriteFile(filepath.Join(sp, "blob"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img, err := image.Build(context.Background(), image.Rootfs{
		Root:       root,
		StorePaths: []string{testStorePath},
		Files: []image.File{
			{Path: "/etc/passwd", Data: []byte("root:x:0:0::/:/sbin/nologin\n")},
			{Path: "/usr/bin/app", Symlink: testStorePath + "/bin/app"},
		},
	}, image.Config{
		Entrypoint:   []string{"/usr/bin/app"},
		ExposedPorts: []string{"8080/tcp"},
		Labels:       map[string]string{"test": label},
	}, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func digestOf(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustValidate(t *testing.T, img v1.Image) {
	t.Helper()
	if err := validate.Image(img); err != nil {
		t.Fatalf("validate.Image: %v", err)
	}
}

func mustTarget(t testing.TB, s string) Target {
	t.Helper()
	tg, err := ParseTarget(s)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// skopeo runs skopeo with a policy that accepts anything and returns stdout.
func skopeo(t *testing.T, args ...string) []byte {
	t.Helper()
	testenv.Require(t, "skopeo")
	policy := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(policy, []byte(`{"default":[{"type":"insecureAcceptAnything"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("skopeo", append([]string{"--policy", policy}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("skopeo %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// skopeoInspect is the part of `skopeo inspect` output the tests read.
type skopeoInspect struct {
	Digest       string
	RepoTags     []string
	Labels       map[string]string
	Layers       []string
	Os           string
	Architecture string
}

func skopeoInspectOf(t *testing.T, args ...string) skopeoInspect {
	t.Helper()
	var si skopeoInspect
	out := skopeo(t, append([]string{"inspect"}, args...)...)
	if err := json.Unmarshal(out, &si); err != nil {
		t.Fatalf("skopeo inspect output: %v\n%s", err, out)
	}
	return si
}

// listDir returns the names in dir.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range des {
		names = append(names, d.Name())
	}
	return names
}
