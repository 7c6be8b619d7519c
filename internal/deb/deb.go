// Package deb reads Debian binary packages (.deb) without dpkg: the ar container, and one
// file of its data.tar (xz, zstd, gzip or uncompressed). kiln uses it to take the static
// busybox out of the pinned busybox-static package, the one step Nix's builtins cannot do.
package deb

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// File is one regular file taken from a package's data.tar.
type File struct {
	Name string
	Mode int64
	Data []byte
}

const (
	arMagic      = "!<arch>\n"
	arHeaderSize = 60
	// maxMember bounds what is read into memory from one archive member (a .deb's
	// data.tar can be large; only the named file is kept).
	maxFile = 256 << 20
)

// ReadFile returns the regular file called name (e.g. "usr/bin/busybox") from the .deb r.
// It checks the package format (debian-binary 2.x first) and follows no links: a member
// that is a link or is missing is an error.
func ReadFile(r io.Reader, name string) (*File, error) {
	br := bufio.NewReader(r)
	magic := make([]byte, len(arMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != arMagic {
		return nil, errors.New("not a Debian package: no ar archive header")
	}
	want := path.Clean(strings.TrimPrefix(name, "/"))
	first := true
	for {
		member, size, err := nextMember(br)
		if err == io.EOF {
			return nil, errors.New("not a Debian package: no data.tar member")
		}
		if err != nil {
			return nil, err
		}
		body := io.LimitReader(br, size)
		switch {
		case first && member != "debian-binary":
			return nil, fmt.Errorf("not a Debian package: first member is %q, not debian-binary", member)
		case first:
			v, _ := io.ReadAll(io.LimitReader(body, 16))
			if !strings.HasPrefix(string(v), "2.") {
				return nil, fmt.Errorf("unsupported Debian package format %q", strings.TrimSpace(string(v)))
			}
		case strings.HasPrefix(member, "data.tar"):
			dec, err := decompressor(strings.TrimPrefix(member, "data.tar"), body)
			if err != nil {
				return nil, err
			}
			return findInTar(dec, want)
		}
		first = false
		// Skip what is left of the member and its padding to an even offset.
		if _, err := io.Copy(io.Discard, body); err != nil {
			return nil, fmt.Errorf("reading %s: %w", member, err)
		}
		if size%2 == 1 {
			if _, err := br.Discard(1); err != nil && err != io.EOF {
				return nil, fmt.Errorf("reading %s: %w", member, err)
			}
		}
	}
}

// nextMember reads one ar header: the member's name and size.
func nextMember(br *bufio.Reader) (string, int64, error) {
	var h [arHeaderSize]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return "", 0, errors.New("truncated ar header")
		}
		return "", 0, err
	}
	if string(h[58:60]) != "`\n" {
		return "", 0, errors.New("corrupt ar header")
	}
	name := strings.TrimRight(strings.TrimSpace(string(h[0:16])), "/")
	size, err := strconv.ParseInt(strings.TrimSpace(string(h[48:58])), 10, 64)
	if err != nil || size < 0 {
		return "", 0, fmt.Errorf("ar member %q: bad size %q", name, h[48:58])
	}
	return name, size, nil
}

func decompressor(ext string, r io.Reader) (io.Reader, error) {
	switch ext {
	case ".xz":
		return xz.NewReader(r)
	case ".zst":
		d, err := zstd.NewReader(r)
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	case ".gz":
		return gzip.NewReader(r)
	case "":
		return r, nil
	}
	return nil, fmt.Errorf("unsupported data.tar compression %q", ext)
}

func findInTar(r io.Reader, want string) (*File, error) {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("%s is not in the package", want)
		}
		if err != nil {
			return nil, fmt.Errorf("reading data.tar: %w", err)
		}
		if path.Clean(strings.TrimPrefix(h.Name, "./")) != want {
			continue
		}
		if h.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("%s is not a regular file in the package (tar type %q)", want, h.Typeflag)
		}
		if h.Size > maxFile {
			return nil, fmt.Errorf("%s is %d bytes, more than kiln reads (%d)", want, h.Size, maxFile)
		}
		var b bytes.Buffer
		if _, err := io.CopyN(&b, tr, h.Size); err != nil {
			return nil, fmt.Errorf("reading %s: %w", want, err)
		}
		return &File{Name: want, Mode: h.Mode, Data: b.Bytes()}, nil
	}
}
