package verify

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/kilnbuild/kiln/internal/treetest"
	"github.com/kilnbuild/kiln/orchestrator/image"
	"github.com/kilnbuild/kiln/orchestrator/publish"
)

func digest(c byte) string { return "sha256:" + strings.Repeat(string(c), 64) }

func TestCompareImages(t *testing.T) {
	cfg := func(created, title string) json.RawMessage {
		return json.RawMessage(`{"architecture":"amd64","created":"` + created + `","config":{"Labels":{"org.opencontainers.image.title":"` + title + `"},"User":"65534:65534"},"rootfs":{"type":"layers","diff_ids":["x"]}}`)
	}
	gz, zst := "application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.oci.image.layer.v1.tar+zstd"
	base := ImageInfo{Digest: digest('a'), ConfigDigest: digest('c'), Config: cfg("1970-01-01T00:00:01Z", "haproxy"),
		Layers: []LayerInfo{{Digest: digest('1'), DiffID: digest('d'), MediaType: gz}}}
	mod := func(f func(*ImageInfo)) ImageInfo {
		i := base
		i.Layers = slices.Clone(base.Layers)
		f(&i)
		return i
	}
	cases := []struct {
		name string
		a, b ImageInfo
		want []string // substrings, one per line, in order
	}{
		{name: "same", a: base, b: base},
		{
			name: "bare digest",
			a:    ImageInfo{Digest: digest('0')},
			b:    base,
			want: []string{"manifest digest: " + digest('0') + " vs " + digest('a'), "only the digest is known"},
		},
		{
			name: "compression",
			a:    base,
			b: mod(func(i *ImageInfo) {
				i.Digest = digest('b')
				i.Layers[0].Digest = digest('2')
				i.Layers[0].MediaType = zst
			}),
			want: []string{"manifest digest", "layer 0: same files, other compression (" + gz + " vs " + zst + ")"},
		},
		{
			name: "created and label",
			a:    base,
			b: mod(func(i *ImageInfo) {
				i.Digest, i.ConfigDigest = digest('b'), digest('e')
				i.Config = cfg("2024-05-01T00:00:00Z", "other")
			}),
			want: []string{"manifest digest", "config digest", `config config.Labels.org.opencontainers.image.title: "haproxy" vs "other"`, `config created: "1970-01-01T00:00:01Z" vs "2024-05-01T00:00:00Z"`},
		},
		{
			name: "files",
			a:    base,
			b: mod(func(i *ImageInfo) {
				i.Digest = digest('b')
				i.Layers[0].Digest = digest('2')
				i.Layers[0].DiffID = digest('f')
			}),
			want: []string{"manifest digest", "layer 0: files differ (diff_id " + digest('d') + " vs " + digest('f') + ")"},
		},
		{
			name: "docker archive: same content, derived digest",
			a:    mod(func(i *ImageInfo) { i.Digest = digest('9'); i.ManifestLess = true }),
			b:    base,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := CompareImages(c.a, c.b)
			if len(got) != len(c.want) {
				t.Fatalf("CompareImages =\n  %s\nwant %d lines like %q", strings.Join(got, "\n  "), len(c.want), c.want)
			}
			for i, w := range c.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("line %d = %q, want it to contain %q", i, got[i], w)
				}
			}
			if same := SameImage(c.a, c.b); same != (len(c.want) == 0) {
				t.Errorf("SameImage = %v with differences %q", same, got)
			}
		})
	}
}

// TestParseExpected reads --against forms: bare digests, and images written by publish
// (OCI layout, docker archive) from a small synthetic closure — no nix needed.
func TestParseExpected(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	treetest.Write(t, filepath.Join(root, "nix/store/0123456789abcdfghijklmnpqrsvwxyz-hello"), map[string]treetest.Node{"bin/hello": {Data: "hi", Exec: true}})
	img, err := image.Build(ctx, image.Rootfs{Root: root, StorePaths: []string{"/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hello"}},
		image.Config{Entrypoint: []string{"/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hello/bin/hello"}, Created: time.Unix(1, 0)}, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := publish.Describe(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	built := imageInfo(d)
	dir := t.TempDir()
	for _, target := range []string{"oci:" + filepath.Join(dir, "oci") + ":1.0", "docker-archive:" + filepath.Join(dir, "img.tar")} {
		tg, err := publish.ParseTarget(target)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := publish.Write(ctx, img, tg, publish.WithTag("hello:1.0")); err != nil {
			t.Fatal(err)
		}
	}

	cases := []struct {
		ref     string
		err     string
		same    bool
		noLayer bool
	}{
		{ref: built.Digest, same: true, noLayer: true},
		{ref: digest('0'), noLayer: true},
		{ref: "sha256:1234", err: "64 hex digits"},
		{ref: "sha256:" + strings.Repeat("Z", 64), err: "64 hex digits"},
		{ref: "oci:" + filepath.Join(dir, "oci") + ":1.0", same: true},
		{ref: "oci:" + filepath.Join(dir, "oci") + ":2.0", err: "no image tagged"},
		{ref: "docker-archive:" + filepath.Join(dir, "img.tar"), same: true},
		{ref: "/just/a/path", err: "no transport"},
	}
	for _, c := range cases {
		t.Run(c.ref, func(t *testing.T) {
			e, err := ParseExpected(ctx, c.ref)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.Ref != c.ref || (len(e.Image.Layers) == 0) != c.noLayer {
				t.Errorf("expected %+v", e)
			}
			if got := SameImage(e.Image, built); got != c.same {
				t.Errorf("SameImage = %v, want %v; differences %q", got, c.same, CompareImages(e.Image, built))
			}
			if _, err := v1.NewHash(e.Image.Digest); err != nil {
				t.Errorf("digest %q: %v", e.Image.Digest, err)
			}
		})
	}
}
