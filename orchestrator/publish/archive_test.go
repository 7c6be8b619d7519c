package publish

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// archiveManifest reads manifest.json from a docker archive.
func archiveManifest(t *testing.T, file string) tarball.Manifest {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("no manifest.json in %s: %v", file, err)
		}
		if h.Name == "manifest.json" {
			var m tarball.Manifest
			b, _ := io.ReadAll(tr)
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			return m
		}
	}
}

func TestWriteArchive(t *testing.T) {
	img := testImage(t, "a", 0)
	base := t.TempDir()
	file := filepath.Join(base, "haproxy.tar")
	res, err := Write(context.Background(), img, mustTarget(t, "docker-archive:"+file+":haproxy:3.0.11"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Digest != digestOf(t, img) {
		t.Errorf("result digest %s, want %s", res.Digest, digestOf(t, img))
	}
	m := archiveManifest(t, file)
	if len(m) != 1 || !slices.Equal(m[0].RepoTags, []string{"haproxy:3.0.11"}) {
		t.Errorf("manifest.json %+v", m)
	}
	tag, _ := name.NewTag("haproxy:3.0.11")
	back, err := tarball.ImageFromPath(file, &tag)
	if err != nil {
		t.Fatal(err)
	}
	mustValidate(t, back)
	wantCfg, _ := img.ConfigName()
	if got, _ := back.ConfigName(); got != wantCfg {
		t.Errorf("config digest %s, want %s", got, wantCfg)
	}
	if got := listDir(t, base); !slices.Equal(got, []string{"haproxy.tar"}) {
		t.Errorf("dir holds %v", got)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o644 {
		t.Errorf("archive mode %v", fi.Mode())
	}

	// skopeo lists a docker archive's layers by diff ID.
	si := skopeoInspectOf(t, "docker-archive:"+file)
	cf, _ := img.ConfigFile()
	if si.Labels["test"] != "a" || !slices.Equal(si.Layers, []string{cf.RootFS.DiffIDs[0].String()}) {
		t.Errorf("skopeo inspect: %+v; want layer %s", si, cf.RootFS.DiffIDs[0])
	}
}

func TestWriteArchiveTags(t *testing.T) {
	img := testImage(t, "a", 0)
	file := filepath.Join(t.TempDir(), "img.tar")
	for _, c := range []struct {
		target, tag string
		want        []string
	}{
		{"docker-archive:" + file, "kiln/haproxy:3.0.11", []string{"kiln/haproxy:3.0.11"}},
		{"docker-archive:" + file + ":haproxy:1", "ignored:2", []string{"haproxy:1"}},
		{"docker-archive:" + file, "", nil},
	} {
		if _, err := Write(context.Background(), img, mustTarget(t, c.target), WithTag(c.tag)); err != nil {
			t.Fatal(err)
		}
		if got := archiveManifest(t, file)[0].RepoTags; !slices.Equal(got, c.want) {
			t.Errorf("%s with Tag %q: RepoTags %q, want %q", c.target, c.tag, got, c.want)
		}
	}
}

func TestWriteArchiveRefuses(t *testing.T) {
	img := testImage(t, "a", 0)
	base := t.TempDir()
	file := filepath.Join(base, "notes.tar")
	os.WriteFile(file, []byte("precious"), 0o644)
	_, err := Write(context.Background(), img, mustTarget(t, "docker-archive:"+file))
	if err == nil || !strings.Contains(err.Error(), "writing docker archive to "+file) || !strings.Contains(err.Error(), "not a docker archive") {
		t.Errorf("non-archive file: error %v", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "precious" {
		t.Errorf("non-archive file was touched")
	}
	dir := filepath.Join(base, "dir")
	os.Mkdir(dir, 0o755)
	if _, err := Write(context.Background(), img, mustTarget(t, "docker-archive:"+dir)); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory target: error %v", err)
	}
	under := filepath.Join(file, "x.tar")
	if _, err := Write(context.Background(), img, mustTarget(t, "docker-archive:"+under)); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("under a file: error %v", err)
	}
	if got := listDir(t, base); !slices.Equal(got, []string{"dir", "notes.tar"}) {
		t.Errorf("left behind: %v", got)
	}
}

func TestWriteArchiveReplaces(t *testing.T) {
	a, b := testImage(t, "a", 0), testImage(t, "b", 0)
	base := t.TempDir()
	file := filepath.Join(base, "img.tar")
	if _, err := Write(context.Background(), a, mustTarget(t, "docker-archive:"+file+":x:1")); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(context.Background(), b, mustTarget(t, "docker-archive:"+file+":x:1")); err != nil {
		t.Fatal(err)
	}
	want, _ := b.ConfigName()
	if got := archiveManifest(t, file)[0].Config; !strings.Contains(got, want.Hex) {
		t.Errorf("archive config %s, want %s", got, want)
	}
	if got := listDir(t, base); !slices.Equal(got, []string{"img.tar"}) {
		t.Errorf("left behind: %v", got)
	}
}

// TestWriteArchiveDropsReferrers: writing an image over a docker archive removes the
// referrers file of the image it replaces, as writing an OCI layout drops the old layout's
// referrers, so the new image has none (rather than another image's, refused as tampering).
func TestWriteArchiveDropsReferrers(t *testing.T) {
	ctx := context.Background()
	a, b := testImage(t, "a", 0), testImage(t, "b", 0)
	for _, s := range []string{"oci:" + filepath.Join(t.TempDir(), "layout"), "docker-archive:" + filepath.Join(t.TempDir(), "img.tar")} {
		tg := mustTarget(t, s)
		if _, err := Write(ctx, a, tg); err != nil {
			t.Fatal(err)
		}
		if _, err := Attach(ctx, a, tg, testArtifacts[1:2]); err != nil {
			t.Fatal(err)
		}
		if _, err := Write(ctx, b, tg); err != nil {
			t.Fatal(err)
		}
		_, refs, err := Referrers(ctx, tg)
		if err != nil && !errors.Is(err, ErrNothingAttached) || len(refs) != 0 {
			t.Fatalf("%s: after writing another image: %d referrers, error %v; want none", s, len(refs), err)
		}
		if tg.Transport == DockerArchive {
			if got := listDir(t, filepath.Dir(tg.Path)); !slices.Equal(got, []string{"img.tar"}) {
				t.Errorf("%s: left behind: %v", s, got)
			}
		}
		if _, err := Attach(ctx, b, tg, testArtifacts[2:3]); err != nil {
			t.Fatal(err)
		}
		subject, refs, err := Referrers(ctx, tg)
		if err != nil || len(refs) != 1 || refs[0].Err != nil || subject.Digest != digestOf(t, b) {
			t.Fatalf("%s: after attaching to the new image: subject %s, %+v, error %v", s, subject.Digest, refs, err)
		}
	}
}

// unreadableLayers is an image whose layers cannot be read: writing it fails midway.
type unreadableLayers struct{ v1.Image }

func (unreadableLayers) Layers() ([]v1.Layer, error) { return nil, errors.New("layers unreadable") }

// TestWriteArchiveKeepsReferrersOnFailure: a write that fails, or is refused because a
// directory is where the referrers file belongs, leaves the old archive and its referrers
// as they were.
func TestWriteArchiveKeepsReferrersOnFailure(t *testing.T) {
	ctx := context.Background()
	a, b := testImage(t, "a", 0), testImage(t, "b", 0)
	dir := t.TempDir()
	tg := mustTarget(t, "docker-archive:"+filepath.Join(dir, "img.tar"))
	if _, err := Write(ctx, a, tg); err != nil {
		t.Fatal(err)
	}
	if _, err := Attach(ctx, a, tg, testArtifacts[1:2]); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(ctx, unreadableLayers{b}, tg); err == nil || !strings.Contains(err.Error(), "layers unreadable") {
		t.Fatalf("writing an unreadable image: error %v", err)
	}
	subject, refs, err := Referrers(ctx, tg)
	if err != nil || len(refs) != 1 || refs[0].Err != nil || subject.Digest != digestOf(t, a) {
		t.Fatalf("after a failed write: subject %s, %+v, error %v; want the old image's referrer", subject.Digest, refs, err)
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"img.tar", "img.tar.referrers.json"}) {
		t.Errorf("left behind: %v", got)
	}

	other := mustTarget(t, "docker-archive:"+filepath.Join(dir, "other.tar"))
	if _, err := Write(ctx, a, other); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(ArchiveReferrersPath(other.Path), 0o755)
	if _, err := Write(ctx, b, other); err == nil || !strings.Contains(err.Error(), ArchiveReferrersPath(other.Path)+" exists and is not a regular file") {
		t.Errorf("a directory as the referrers file: error %v", err)
	}
	if cfg, _ := a.ConfigName(); !strings.Contains(archiveManifest(t, other.Path)[0].Config, cfg.Hex) {
		t.Errorf("the refused write replaced %s", other.Path)
	}
}
