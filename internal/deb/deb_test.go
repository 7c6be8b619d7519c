package deb

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// dataTar is a package's file tree: ./usr/bin/tool (0755), a link to it, and a directory.
func dataTar(t *testing.T, content string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	add := func(h *tar.Header, body string) {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, body)
	}
	add(&tar.Header{Name: "./usr/", Typeflag: tar.TypeDir, Mode: 0o755}, "")
	add(&tar.Header{Name: "./usr/bin/tool", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(content))}, content)
	add(&tar.Header{Name: "./usr/bin/link", Typeflag: tar.TypeSymlink, Linkname: "tool"}, "")
	tw.Close()
	return b.Bytes()
}

func compress(t *testing.T, ext string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	var w io.WriteCloser
	var err error
	switch ext {
	case ".xz":
		w, err = xz.NewWriter(&b)
	case ".zst":
		w, err = zstd.NewWriter(&b)
	case ".gz":
		w = gzip.NewWriter(&b)
	case "":
		return data
	}
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// arFile builds an ar archive of members (name, body), odd sizes padded as ar does.
func arFile(members ...[2]string) []byte {
	var b bytes.Buffer
	b.WriteString(arMagic)
	for _, m := range members {
		fmt.Fprintf(&b, "%-16s%-12d%-6d%-6d%-8s%-10d`\n", m[0], 0, 0, 0, "100644", len(m[1]))
		b.WriteString(m[1])
		if len(m[1])%2 == 1 {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func TestReadFile(t *testing.T) {
	for _, ext := range []string{".xz", ".zst", ".gz", ""} {
		t.Run("data.tar"+ext, func(t *testing.T) {
			pkg := arFile([2]string{"debian-binary", "2.0\n"}, [2]string{"control.tar.xz", "odd"},
				[2]string{"data.tar" + ext, string(compress(t, ext, dataTar(t, "#!tool\n")))})
			f, err := ReadFile(bytes.NewReader(pkg), "/usr/bin/tool")
			if err != nil {
				t.Fatal(err)
			}
			if string(f.Data) != "#!tool\n" || f.Mode != 0o755 || f.Name != "usr/bin/tool" {
				t.Fatalf("got %+v", f)
			}
		})
	}
}

func TestReadFileErrors(t *testing.T) {
	good := string(compress(t, ".xz", dataTar(t, "x")))
	for name, c := range map[string]struct {
		pkg    []byte
		member string
		want   string
	}{
		"not ar":      {[]byte("PK\x03\x04 a zip file, not a deb"), "usr/bin/tool", "no ar archive header"},
		"no version":  {arFile([2]string{"data.tar.xz", good}), "usr/bin/tool", "first member"},
		"format 3":    {arFile([2]string{"debian-binary", "3.0\n"}, [2]string{"data.tar.xz", good}), "usr/bin/tool", "unsupported Debian package format"},
		"no data":     {arFile([2]string{"debian-binary", "2.0\n"}), "usr/bin/tool", "no data.tar"},
		"missing":     {arFile([2]string{"debian-binary", "2.0\n"}, [2]string{"data.tar.xz", good}), "usr/bin/other", "not in the package"},
		"link":        {arFile([2]string{"debian-binary", "2.0\n"}, [2]string{"data.tar.xz", good}), "usr/bin/link", "not a regular file"},
		"compression": {arFile([2]string{"debian-binary", "2.0\n"}, [2]string{"data.tar.lz4", good}), "usr/bin/tool", "unsupported data.tar compression"},
		"truncated":   {arFile([2]string{"debian-binary", "2.0\n"}, [2]string{"data.tar.xz", good})[:90], "usr/bin/tool", ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ReadFile(bytes.NewReader(c.pkg), c.member)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v; want one containing %q", err, c.want)
			}
		})
	}
}
