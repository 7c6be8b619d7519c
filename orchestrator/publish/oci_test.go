package publish

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
)

func TestWriteOCI(t *testing.T) {
	img := testImage(t, "a", 0)
	base := t.TempDir()
	dir := filepath.Join(base, "new", "out") // parent created on the way
	res, err := Write(context.Background(), img, mustTarget(t, "oci:"+dir+":3.0.11"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Digest != digestOf(t, img) || res.Target != "oci:"+dir+":3.0.11" {
		t.Errorf("result %+v", res)
	}
	m, _ := img.RawManifest()
	c, _ := img.RawConfigFile()
	l, _ := img.Layers()
	ls, _ := l[0].Size()
	d, err := Describe(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	if d.CompressedSize != int64(len(m)+len(c))+ls || d.UncompressedSize <= d.CompressedSize {
		t.Errorf("sizes %d/%d; manifest %d config %d layer %d", d.CompressedSize, d.UncompressedSize, len(m), len(c), ls)
	}

	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	im, _ := idx.IndexManifest()
	if len(im.Manifests) != 1 || im.Manifests[0].Annotations[refNameAnnotation] != "3.0.11" || im.Manifests[0].Digest != res.Digest {
		t.Fatalf("index %+v", im)
	}
	back, err := idx.Image(res.Digest)
	if err != nil {
		t.Fatal(err)
	}
	mustValidate(t, back)
	if got := listDir(t, filepath.Dir(dir)); !slices.Equal(got, []string{"out"}) {
		t.Errorf("parent holds %v; want only out", got)
	}

	si := skopeoInspectOf(t, "oci:"+dir+":3.0.11")
	if si.Digest != res.Digest.String() || si.Labels["test"] != "a" || si.Os != "linux" || si.Architecture != "amd64" {
		t.Errorf("skopeo inspect: %+v; want digest %s", si, res.Digest)
	}
}

func TestWriteOCIDefaultTag(t *testing.T) {
	img := testImage(t, "a", 0)
	dir := filepath.Join(t.TempDir(), "out")
	for _, c := range []struct{ tag, want string }{{"", "latest"}, {"v1", "v1"}} {
		if _, err := Write(context.Background(), img, mustTarget(t, "oci:"+dir), WithTag(c.tag)); err != nil {
			t.Fatal(err)
		}
		idx, _ := layout.ImageIndexFromPath(dir)
		im, _ := idx.IndexManifest()
		if got := im.Manifests[0].Annotations[refNameAnnotation]; got != c.want {
			t.Errorf("Tag %q: ref.name %q, want %q", c.tag, got, c.want)
		}
	}
}

func TestWriteOCIReplacesLayout(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "out")
	a, b := testImage(t, "a", 0), testImage(t, "b", 0)
	tg := mustTarget(t, "oci:"+dir+":x")
	if _, err := Write(context.Background(), a, tg); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(context.Background(), b, tg); err != nil {
		t.Fatal(err)
	}
	idx, _ := layout.ImageIndexFromPath(dir)
	im, _ := idx.IndexManifest()
	if len(im.Manifests) != 1 || im.Manifests[0].Digest != digestOf(t, b) {
		t.Errorf("index after replace: %+v; want only %s", im.Manifests, digestOf(t, b))
	}
	blobs := listDir(t, filepath.Join(dir, "blobs", "sha256"))
	if len(blobs) != 3 {
		t.Errorf("blobs %v; want manifest, config and layer of the new image only", blobs)
	}
	if got := listDir(t, base); !slices.Equal(got, []string{"out"}) {
		t.Errorf("parent holds %v; want only out", got)
	}

	// An empty directory may be taken over too.
	empty := filepath.Join(base, "empty")
	os.Mkdir(empty, 0o755)
	if _, err := Write(context.Background(), a, mustTarget(t, "oci:"+empty)); err != nil {
		t.Errorf("writing into an empty directory: %v", err)
	}
}

func TestWriteOCIRefuses(t *testing.T) {
	img := testImage(t, "a", 0)
	base := t.TempDir()

	notLayout := filepath.Join(base, "data")
	os.Mkdir(notLayout, 0o755)
	os.WriteFile(filepath.Join(notLayout, "keep"), []byte("precious"), 0o644)
	_, err := Write(context.Background(), img, mustTarget(t, "oci:"+notLayout))
	if err == nil || !strings.Contains(err.Error(), "writing OCI layout to "+notLayout) ||
		!strings.Contains(err.Error(), "not an OCI layout") || !strings.Contains(err.Error(), "remove it or choose another output path") {
		t.Errorf("non-layout directory: error %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(notLayout, "keep")); string(b) != "precious" {
		t.Errorf("non-layout directory was touched")
	}

	file := filepath.Join(base, "file")
	os.WriteFile(file, []byte("precious"), 0o644)
	_, err = Write(context.Background(), img, mustTarget(t, "oci:"+file))
	if err == nil || !strings.Contains(err.Error(), "is not a directory") {
		t.Errorf("file target: error %v", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "precious" {
		t.Errorf("file target was touched")
	}
	if got := listDir(t, base); !slices.Equal(got, []string{"data", "file"}) {
		t.Errorf("left behind: %v", got)
	}
}

// TestWriteOCIUnwritable writes below a regular file, which fails even for
// root (ENOTDIR), and checks that nothing is left behind.
func TestWriteOCIUnwritable(t *testing.T) {
	img := testImage(t, "a", 0)
	base := t.TempDir()
	file := filepath.Join(base, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, dir := range []string{filepath.Join(file, "out"), filepath.Join(file, "deeper", "out")} {
		_, err := Write(context.Background(), img, mustTarget(t, "oci:"+dir))
		if err == nil || !strings.Contains(err.Error(), "writing OCI layout to "+dir) || !strings.Contains(err.Error(), "not a directory") {
			t.Errorf("%s: error %v", dir, err)
		}
		if got := listDir(t, base); !slices.Equal(got, []string{"file"}) {
			t.Errorf("left behind: %v", got)
		}
	}
}

func TestWriteOCICanceled(t *testing.T) {
	img := testImage(t, "a", 0)
	base := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Write(ctx, img, mustTarget(t, "oci:"+filepath.Join(base, "out")))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v; want context.Canceled", err)
	}
	if got := listDir(t, base); len(got) != 0 {
		t.Errorf("left behind: %v", got)
	}
}
