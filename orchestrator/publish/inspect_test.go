package publish

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/types"
)

func TestInspect(t *testing.T) {
	img := testImage(t, "a", 0)
	want := digestOf(t, img)
	wantCfg, _ := img.ConfigName()
	dir := t.TempDir()
	host := memRegistry(t, nil)
	targets := []string{
		"oci:" + filepath.Join(dir, "layout") + ":1.0",
		"docker-archive:" + filepath.Join(dir, "img.tar") + ":kiln/app:1.0",
		"docker://" + host + "/kiln/app:1.0",
	}
	for _, s := range targets {
		tg := mustTarget(t, s)
		res, err := Write(context.Background(), img, tg)
		if err != nil {
			t.Fatal(err)
		}
		in, err := Inspect(context.Background(), tg)
		if err != nil {
			t.Fatalf("Inspect(%s): %v", s, err)
		}
		if in.Target != s || in.ConfigDigest != wantCfg || len(in.Layers) != 1 {
			t.Errorf("%s: %+v", s, in)
		}
		if tg.Transport != DockerArchive {
			// A docker archive stores no manifest; the others keep ours.
			if in.Digest != want || in.MediaType != types.OCIManifestSchema1 || in.Layers[0].MediaType != types.OCILayer {
				t.Errorf("%s: digest %s, media types %s / %s", s, in.Digest, in.MediaType, in.Layers[0].MediaType)
			}
			d, err := Describe(context.Background(), img)
			if err != nil {
				t.Fatal(err)
			}
			if in.CompressedSize != d.CompressedSize || in.UncompressedSize != d.UncompressedSize || res.Digest != d.Digest {
				t.Errorf("%s: sizes %d/%d, the built image's %d/%d", s, in.CompressedSize, in.UncompressedSize, d.CompressedSize, d.UncompressedSize)
			}
		}
		var cfg struct {
			Config struct{ Labels map[string]string }
		}
		if err := json.Unmarshal(in.Config, &cfg); err != nil || cfg.Config.Labels["test"] != "a" {
			t.Errorf("%s: config %s (%v)", s, in.Config, err)
		}
		files := map[string]FileInfo{}
		for _, f := range in.Files {
			files[f.Path] = f
		}
		app := files[testStorePath+"/bin/app"]
		if app.Type != "file" || app.Mode != "0555" || app.UID != 0 || app.GID != 0 || app.Size != int64(len("#!/bin/sh\necho a\n")) {
			t.Errorf("%s: app entry %+v", s, app)
		}
		if l := files["/usr/bin/app"]; l.Type != "symlink" || l.LinkTarget != testStorePath+"/bin/app" || l.Mode != "0777" {
			t.Errorf("%s: symlink entry %+v", s, l)
		}
		if d := files["/nix/store"]; d.Type != "dir" || d.Mode != "0555" {
			t.Errorf("%s: /nix/store entry %+v", s, d)
		}

		var text bytes.Buffer
		if err := in.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"Digest:", in.Digest.String(), "Platform:", "linux/amd64", `Entrypoint:  ["/usr/bin/app"]`,
			"Ports:", "8080/tcp", "Label:", "test=a", "Layers:", "Files:", "-r-xr-xr-x", "0:0", testStorePath + "/bin/app",
			"/usr/bin/app -> " + testStorePath + "/bin/app"} {
			if !strings.Contains(text.String(), w) {
				t.Errorf("%s: text lacks %q:\n%s", s, w, text.String())
			}
		}
		if _, err := json.Marshal(in); err != nil {
			t.Error(err)
		}
	}
}

func TestInspectErrors(t *testing.T) {
	img := testImage(t, "a", 0)
	dir := filepath.Join(t.TempDir(), "layout")
	if _, err := Write(context.Background(), img, mustTarget(t, "oci:"+dir+":1.0")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ target, want string }{
		{"oci:" + dir + ":2.0", `no image tagged "2.0"`},
		{"oci:" + filepath.Join(dir, "nope"), "reading OCI layout"},
		{"docker-archive:" + filepath.Join(dir, "nope.tar"), "no such file"},
	} {
		_, err := Inspect(context.Background(), mustTarget(t, c.target))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "inspecting "+c.target) {
			t.Errorf("Inspect(%s): error %v; want %q", c.target, err, c.want)
		}
	}
}

// TestOpenReplacedLayoutManifestIsCorrupt: a layout whose manifest blob was replaced by
// another manifest (file name kept), or whose index.json gives the manifest another size,
// is a *CorruptError naming the manifest, never the image the forged manifest describes.
func TestOpenReplacedLayoutManifestIsCorrupt(t *testing.T) {
	img := testImage(t, "a", 0)
	d := digestOf(t, img)
	write := func(t *testing.T) string {
		dir := filepath.Join(t.TempDir(), "layout")
		if _, err := Write(context.Background(), img, mustTarget(t, "oci:"+dir)); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	open := func(t *testing.T, dir string) {
		t.Helper()
		got, err := Open(context.Background(), mustTarget(t, "oci:"+dir))
		var ce *CorruptError
		if got != nil {
			gd, _ := got.Digest()
			t.Fatalf("Open read image %s; want a CorruptError naming manifest %s", gd, d)
		}
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), d.Hex) {
			t.Fatalf("Open: error %v; want a CorruptError naming manifest %s", err, d)
		}
		t.Log(err)
	}
	t.Run("manifest replaced", func(t *testing.T) {
		dir := write(t)
		// Another config (another entrypoint), stored under its own digest, and a manifest
		// naming it in place of the image's manifest.
		cfg, _ := img.RawConfigFile()
		cfg = bytes.Replace(cfg, []byte(`"Entrypoint":["/usr/bin/app"]`), []byte(`"Entrypoint":["/bin/sh"]`), 1)
		if err := writeLayoutBlob(dir, cfg); err != nil {
			t.Fatal(err)
		}
		mf, _ := img.Manifest()
		mf.Config.Digest, mf.Config.Size = sha256Hash(cfg), int64(len(cfg))
		forged, _ := json.Marshal(mf)
		os.Chmod(layoutBlobPath(dir, d), 0o644)
		if err := os.WriteFile(layoutBlobPath(dir, d), forged, 0o644); err != nil {
			t.Fatal(err)
		}
		open(t, dir)
	})
	t.Run("size in index.json changed", func(t *testing.T) {
		dir := write(t)
		idx, err := readLayoutIndex(dir)
		if err != nil {
			t.Fatal(err)
		}
		idx.Manifests[0].Size++
		raw, _ := json.Marshal(idx)
		if err := os.WriteFile(filepath.Join(dir, "index.json"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		open(t, dir)
	})
}

// TestOpenReplacedArchiveConfigIsCorrupt: a docker archive whose config file (named by its
// digest in manifest.json) was replaced is a *CorruptError naming the config, with or
// without a tag to choose the image by.
func TestOpenReplacedArchiveConfigIsCorrupt(t *testing.T) {
	img := testImage(t, "a", 0)
	file := filepath.Join(t.TempDir(), "img.tar")
	if _, err := Write(context.Background(), img, mustTarget(t, "docker-archive:"+file+":app:1")); err != nil {
		t.Fatal(err)
	}
	cfgName, _ := img.ConfigName()
	in, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	tr, tw := tar.NewReader(bytes.NewReader(in)), tar.NewWriter(&out)
	replaced := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		if archiveConfigDigest(h.Name) != nil && *archiveConfigDigest(h.Name) == cfgName {
			data = bytes.Replace(data, []byte(`"Entrypoint":["/usr/bin/app"]`), []byte(`"Entrypoint":["/bin/sh"]`), 1)
			h.Size = int64(len(data))
			replaced = true
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if !replaced {
		t.Fatalf("no config file named by %s in the archive", cfgName)
	}
	if err := os.WriteFile(file, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"docker-archive:" + file, "docker-archive:" + file + ":app:1"} {
		got, err := Open(context.Background(), mustTarget(t, s))
		if got != nil {
			gc, _ := got.ConfigName()
			t.Fatalf("Open(%s) read the image with config %s; want a CorruptError naming config %s", s, gc, cfgName)
		}
		var ce *CorruptError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), cfgName.Hex) {
			t.Fatalf("Open(%s): error %v; want a CorruptError naming config %s", s, err, cfgName)
		}
		t.Log(err)
	}
}

func TestArchiveConfigDigest(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	for name, want := range map[string]string{
		"sha256:" + hex:              "sha256:" + hex,
		"blobs/sha256/" + hex:        "sha256:" + hex,
		"./blobs/sha256/" + hex:      "sha256:" + hex,
		hex + ".json":                "sha256:" + hex,
		"config.json":                "",
		"sha256:" + hex[:10]:         "",
		"blobs/sha256/" + hex + "/x": "",
	} {
		got := ""
		if h := archiveConfigDigest(name); h != nil {
			got = h.String()
		}
		if got != want {
			t.Errorf("archiveConfigDigest(%q) = %q, want %q", name, got, want)
		}
	}
}
