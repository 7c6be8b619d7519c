package publish

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/orchestrator/image"
	"github.com/kilnbuild/kiln/orchestrator/publish/publishtest"
)

// TestRealStorePath packages $KILN_TEST_STOREPATH (e.g. a static HAProxy)
// and writes it to all three transports, checking each with skopeo.
func TestRealStorePath(t *testing.T) {
	sp := testenv.Env(t, "KILN_TEST_STOREPATH", "a real store path such as /nix/store/<hash>-haproxy-<version>")
	host := publishtest.StartRegistry(t)
	dir := t.TempDir()
	for _, c := range []image.Compression{image.Gzip, image.Zstd} {
		start := time.Now()
		img, err := image.Build(context.Background(), image.Rootfs{
			StorePaths: []string{sp},
			Files:      []image.File{{Path: "/etc/passwd", Data: []byte("root:x:0:0::/:/sbin/nologin\n")}},
		}, image.Config{Entrypoint: []string{sp + "/bin/haproxy"}}, image.Options{Compression: c})
		if err != nil {
			t.Fatal(err)
		}
		targets := []string{
			"oci:" + filepath.Join(dir, "oci-"+string(c)) + ":test",
			"docker-archive:" + filepath.Join(dir, string(c)+".tar") + ":kiln/real:" + string(c),
			"docker://" + host + "/kiln/real:" + string(c),
		}
		for _, s := range targets {
			res, err := Write(context.Background(), img, mustTarget(t, s))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %s, %v since build start", s, res.Digest, time.Since(start).Round(time.Millisecond))
			args := []string{s}
			if strings.HasPrefix(s, "docker://") {
				args = []string{"--tls-verify=false", s}
			}
			si := skopeoInspectOf(t, args...)
			if si.Architecture != "amd64" || len(si.Layers) != 1 {
				t.Errorf("skopeo inspect %s: %+v", s, si)
			}
		}
		in, err := Inspect(context.Background(), mustTarget(t, targets[0]))
		if err != nil {
			t.Fatal(err)
		}
		var text strings.Builder
		if err := in.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		t.Logf("Inspect %s:\n%s", targets[0], text.String())
	}
}
