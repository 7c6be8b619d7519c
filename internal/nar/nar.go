// Package nar computes the hash of the Nix archive (NAR) serialisation of a file tree,
// which is what Nix registers for every store path, so trees Nix never registered (a
// rebuild's <out>.check, a copy) can be compared with ones it did.
package nar

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/kilnbuild/kiln/cache"
)

// Hash returns the sha256 of the Nix archive (NAR) serialisation of the file tree at
// dir, in the SRI form `nix path-info --json` prints ("sha256-<base64>"). For a store path
// it equals the narHash Nix registered, so a tree Nix never registered (a rebuild's
// <out>.check) can be compared with one it did.
func Hash(dir string) (string, error) {
	h := sha256.New()
	w := bufio.NewWriterSize(h, 64<<10)
	if err := writeNAR(w, dir); err != nil {
		return "", fmt.Errorf("hashing %s: %w", dir, err)
	}
	if err := w.Flush(); err != nil {
		return "", fmt.Errorf("hashing %s: %w", dir, err)
	}
	return "sha256-" + base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}

// writeNAR writes the NAR of path to w: "nix-archive-1" and the path's node. Like Nix it
// records only file types, the owner-exec bit, contents and symlink targets.
func writeNAR(w io.Writer, path string) error {
	n := &narWriter{w: w}
	n.str("nix-archive-1")
	n.node(path)
	return n.err
}

// narWriter writes NAR tokens, keeping the first error.
type narWriter struct {
	w   io.Writer
	err error
}

var narPad [8]byte

// str writes one NAR string: its length as a little-endian uint64, the bytes, zero padding to 8.
func (n *narWriter) str(s string) {
	n.len(uint64(len(s)))
	n.write([]byte(s))
	n.pad(uint64(len(s)))
}

func (n *narWriter) len(l uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], l)
	n.write(b[:])
}

func (n *narWriter) pad(l uint64) {
	if r := l % 8; r != 0 {
		n.write(narPad[:8-r])
	}
}

func (n *narWriter) write(b []byte) {
	if n.err == nil {
		_, n.err = n.w.Write(b)
	}
}

// node writes the ( type … ) node of path.
func (n *narWriter) node(path string) {
	if n.err != nil {
		return
	}
	fi, err := os.Lstat(path)
	if err != nil {
		n.err = err
		return
	}
	n.str("(")
	n.str("type")
	switch t := fi.Mode().Type(); {
	case t.IsRegular():
		n.str("regular")
		if fi.Mode()&0o100 != 0 {
			n.str("executable")
			n.str("")
		}
		n.str("contents")
		n.contents(path, fi.Size())
	case t == fs.ModeSymlink:
		target, err := os.Readlink(path)
		if err != nil {
			n.err = err
			return
		}
		n.str("symlink")
		n.str("target")
		n.str(target)
	case t == fs.ModeDir:
		n.str("directory")
		entries, err := os.ReadDir(path)
		if err != nil {
			n.err = err
			return
		}
		names := make([]string, len(entries))
		for i, e := range entries {
			names[i] = e.Name()
		}
		sort.Strings(names) // byte order, as Nix sorts
		for _, name := range names {
			n.str("entry")
			n.str("(")
			n.str("name")
			n.str(name)
			n.str("node")
			n.node(filepath.Join(path, name))
			n.str(")")
		}
	default:
		n.err = fmt.Errorf("%s: unsupported file type %s (a NAR holds only files, directories and symlinks)", path, t)
		return
	}
	n.str(")")
}

// contents writes a regular file's contents as one NAR string of size bytes.
func (n *narWriter) contents(path string, size int64) {
	if n.err != nil {
		return
	}
	f, err := os.Open(path)
	if err != nil {
		n.err = err
		return
	}
	defer f.Close()
	n.len(uint64(size))
	if n.err != nil {
		return
	}
	copied, err := io.Copy(n.w, io.LimitReader(f, size))
	if err == nil && copied != size {
		err = fmt.Errorf("%s changed while it was read (%d of %d bytes)", path, copied, size)
	}
	if err != nil {
		n.err = err
		return
	}
	n.pad(uint64(size))
}

// SameHash compares two NAR hashes in any of the spellings Nix prints (SRI, base16,
// nix-base32).
func SameHash(a, b string) bool {
	if a == b {
		return a != ""
	}
	ha, errA := cache.ParseHash(a)
	hb, errB := cache.ParseHash(b)
	return errA == nil && errB == nil && ha.Equal(hb)
}
