package image

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	ddzstd "github.com/DataDog/zstd"
)

func TestZZMeasure(t *testing.T) {
	sp := storePathFromEnv(t)
	fsys := Rootfs{
		StorePaths: []string{sp},
		Files: []File{
			{Path: "/etc/passwd", Data: []byte("root:x:0:0::/:/sbin/nologin\nhaproxy:x:99:99::/:/sbin/nologin\n")},
			{Path: "/etc/group", Data: []byte("root:x:0:\nhaproxy:x:99:\n")},
			{Path: "/usr/sbin/haproxy", Symlink: sp + "/bin/haproxy"},
		},
	}
	cfg := Config{Entrypoint: []string{"/usr/sbin/haproxy"}, Cmd: []string{"-f", "/etc/haproxy/haproxy.cfg"},
		User: "99:99", StopSignal: "SIGUSR1", ExposedPorts: []string{"8080/tcp"}}
	for _, c := range []Compression{Gzip, Zstd} {
		var ds []time.Duration
		var img interface{}
		_ = img
		var size int64
		for i := 0; i < 5; i++ {
			s := time.Now()
			im, err := Build(context.Background(), fsys, cfg, Options{Compression: c})
			if err != nil {
				t.Fatal(err)
			}
			ds = append(ds, time.Since(s))
			size = imageSize(t, im)
			if i == 0 {
				ls, _ := im.Layers()
				n, _ := ls[0].Size()
				t.Logf("%s: layer %d, overhead %d", c, n, size-n)
			}
		}
		slices.Sort(ds)
		t.Logf("%s: image %d B, Build min %v median %v max %v", c, size, ds[0].Round(time.Millisecond), ds[2].Round(time.Millisecond), ds[4].Round(time.Millisecond))
	}
	entries, _ := collect(context.Background(), fsys)
	var tb bytes.Buffer
	writeTar(context.Background(), &tb, entries, DefaultMTime)
	data := tb.Bytes()
	for lvl := 15; lvl <= 22; lvl++ {
		var ds []time.Duration
		var n int
		for i := 0; i < 5; i++ {
			s := time.Now()
			out, _ := ddzstd.CompressLevel(nil, data, lvl)
			ds = append(ds, time.Since(s))
			n = len(out)
		}
		slices.Sort(ds)
		t.Logf("level %2d: layer %d B, min %d ms median %d ms", lvl, n, ds[0].Milliseconds(), ds[2].Milliseconds())
	}
}
