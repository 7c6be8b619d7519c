package publish

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// fuzzSeeds are a real docker archive and the parts of a real OCI layout.
func fuzzSeeds(f *testing.F) (archive []byte, index []byte, manifest []byte) {
	img := testImage(f, "fuzz", 0)
	dir := f.TempDir()
	ctx := context.Background()
	if _, err := Write(ctx, img, mustTarget(f, "docker-archive:"+filepath.Join(dir, "a.tar"))); err != nil {
		f.Fatal(err)
	}
	if _, err := Write(ctx, img, mustTarget(f, "oci:"+filepath.Join(dir, "oci"))); err != nil {
		f.Fatal(err)
	}
	archive, _ = os.ReadFile(filepath.Join(dir, "a.tar"))
	index, _ = os.ReadFile(filepath.Join(dir, "oci", "index.json"))
	manifest, _ = img.RawManifest()
	return archive, index, manifest
}

// FuzzOpenArchive: a docker archive of any bytes is read without a panic, and whatever
// Open accepts is internally consistent (Describe reads it).
func FuzzOpenArchive(f *testing.F) {
	archive, _, _ := fuzzSeeds(f)
	f.Add(archive)
	f.Add(archive[:len(archive)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "img.tar")
		os.WriteFile(p, data, 0o644)
		tg, _ := ParseTarget("docker-archive:" + p)
		img, err := Open(context.Background(), tg)
		if err != nil {
			return
		}
		if _, err := Describe(context.Background(), img); err != nil {
			t.Fatalf("Open accepted an image Describe cannot read: %v", err)
		}
	})
}

// FuzzOpenLayout: an OCI layout whose index.json and manifest blob hold any bytes is read
// without a panic; a manifest that is not the one its digest names is never accepted.
func FuzzOpenLayout(f *testing.F) {
	_, index, manifest := fuzzSeeds(f)
	f.Add(index, manifest)
	f.Add(index, bytes.Replace(manifest, []byte("layers"), []byte("Layers"), 1))
	img := testImage(f, "fuzz", 0)
	digest, _ := img.Digest()
	// Write (which syncs every file) runs once; each input gets a plain copy of its layout.
	template := filepath.Join(f.TempDir(), "oci")
	if _, err := Write(context.Background(), img, mustTarget(f, "oci:"+template)); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, idx, man []byte) {
		dir := filepath.Join(t.TempDir(), "oci")
		if err := os.CopyFS(dir, os.DirFS(template)); err != nil {
			t.Fatal(err)
		}
		tg, _ := ParseTarget("oci:" + dir)
		os.WriteFile(filepath.Join(dir, "index.json"), idx, 0o644)
		blob := filepath.Join(dir, "blobs", "sha256", digest.Hex)
		os.Chmod(blob, 0o644)
		os.WriteFile(blob, man, 0o644)
		got, err := Open(context.Background(), tg)
		if err != nil {
			return
		}
		if !bytes.Equal(man, mustRaw(t, got)) && bytes.Contains(idx, []byte(digest.Hex)) {
			d, _ := got.Digest()
			if d == digest {
				t.Fatalf("a manifest blob that is not %s was accepted under that digest", digest)
			}
		}
	})
}

func mustRaw(t *testing.T, img interface{ RawManifest() ([]byte, error) }) []byte {
	m, err := img.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	return m
}
