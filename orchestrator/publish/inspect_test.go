package publish

import (
	"bytes"
	"context"
	"encoding/json"
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
