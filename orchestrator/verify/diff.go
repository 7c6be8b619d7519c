package verify

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kilnbuild/kiln/internal/files"
)

// maxDetailSize is the largest file whose bytes are read into memory to find its first
// difference and its ELF sections; bigger files are compared by size and sha256 only.
const maxDetailSize = 256 << 20

// FileState is one file of a tree as a NAR records it.
type FileState struct {
	// Type is file, dir, symlink or missing.
	Type string `json:"type"`
	// Size is a regular file's size in bytes.
	Size int64 `json:"size,omitempty"`
	// SHA256 is a regular file's content hash, hex.
	SHA256 string `json:"sha256,omitempty"`
	// Executable is a regular file's exec bit (the only mode a NAR records).
	Executable bool `json:"executable,omitempty"`
	// Target is a symlink's target.
	Target string `json:"target,omitempty"`
}

// String describes the state in one line: "file, 2194480 bytes, sha256 …".
func (s FileState) String() string {
	switch s.Type {
	case "file":
		x := ""
		if s.Executable {
			x = ", executable"
		}
		return fmt.Sprintf("file, %d bytes%s, sha256 %s", s.Size, x, s.SHA256)
	case "symlink":
		return "symlink to " + s.Target
	}
	return s.Type
}

// FileDiff is one path that differs between two trees.
type FileDiff struct {
	// Path is relative to the store path, e.g. bin/haproxy.
	Path string `json:"path"`
	// What says how it differs: content, type, executable bit, symlink target, only in one.
	What string `json:"what"`
	// A and B are the file in the first and the second tree.
	A FileState `json:"a"`
	// B is the file in the second tree.
	B FileState `json:"b"`
	// First is where the contents first differ (non-ELF files).
	First *ByteDiff `json:"first_difference,omitempty"`
	// Sections lists the ELF sections that differ (both files ELF).
	Sections []SectionDiff `json:"elf_sections,omitempty"`
	// Note explains an ELF difference no section shows (headers, padding).
	Note string `json:"note,omitempty"`
}

// SectionDiff is one ELF section whose size or contents differ.
type SectionDiff struct {
	// Name is the section's name, e.g. .data.
	Name string `json:"name"`
	// A is the section in the first file (Size -1: absent).
	A SectionState `json:"a"`
	// B is the section in the second file.
	B SectionState `json:"b"`
	// First is where the contents first differ.
	First *ByteDiff `json:"first_difference,omitempty"`
}

// SectionState is one ELF section's size and content hash.
type SectionState struct {
	// Size is the section's size in bytes, -1 when the file has no such section.
	Size int64 `json:"size"`
	// SHA256 is the section's contents' hash, hex ("" for SHT_NOBITS or absent).
	SHA256 string `json:"sha256,omitempty"`
}

// String describes the section state in one line.
func (s SectionState) String() string {
	switch {
	case s.Size < 0:
		return "absent"
	case s.SHA256 == "":
		return fmt.Sprintf("%d bytes (no data)", s.Size)
	}
	return fmt.Sprintf("%d bytes, sha256 %s", s.Size, s.SHA256)
}

// ByteDiff is the first differing byte of two blobs, with the bytes around it.
type ByteDiff struct {
	// Offset is the first differing byte's offset in the blob (file or section).
	Offset int64 `json:"offset"`
	// A and B show the bytes around Offset, printable ASCII kept and other bytes as '.'.
	A string `json:"a"`
	// B is the second blob's bytes around Offset.
	B string `json:"b"`
}

// CompareTrees lists, sorted by path, every file that differs between the trees at a and
// b (a store path and its rebuild), by what a NAR records: type, exec bit, contents,
// symlink target. Differing ELF files are compared section by section.
func CompareTrees(a, b string) ([]FileDiff, error) {
	ta, err := scanTree(a)
	if err != nil {
		return nil, fmt.Errorf("comparing %s: %w", a, err)
	}
	tb, err := scanTree(b)
	if err != nil {
		return nil, fmt.Errorf("comparing %s: %w", b, err)
	}
	names := make([]string, 0, len(ta)+len(tb))
	for n := range ta {
		names = append(names, n)
	}
	for n := range tb {
		if _, ok := ta[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	missing := FileState{Type: "missing"}
	var diffs []FileDiff
	for _, n := range names {
		sa, okA := ta[n]
		sb, okB := tb[n]
		if !okA {
			sa = missing
		}
		if !okB {
			sb = missing
		}
		what := differs(sa, sb)
		if what == "" {
			continue
		}
		d := FileDiff{Path: n, What: what, A: sa, B: sb}
		if what == "content" {
			if err := detail(&d, filepath.Join(a, n), filepath.Join(b, n)); err != nil {
				return nil, fmt.Errorf("comparing %s: %w", n, err)
			}
		}
		diffs = append(diffs, d)
	}
	return diffs, nil
}

// differs says how two states differ, "" when they do not.
func differs(a, b FileState) string {
	switch {
	case a == b:
		return ""
	case a.Type == "missing":
		return "only in the second tree"
	case b.Type == "missing":
		return "only in the first tree"
	case a.Type != b.Type:
		return "type"
	case a.Type == "symlink":
		return "symlink target"
	case a.Size != b.Size || a.SHA256 != b.SHA256:
		if a.Executable != b.Executable {
			return "content and executable bit"
		}
		return "content"
	}
	return "executable bit"
}

// scanTree describes every path under root (root itself as ".").
func scanTree(root string) (map[string]FileState, error) {
	out := map[string]FileState{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch t := d.Type(); {
		case t == fs.ModeDir:
			out[rel] = FileState{Type: "dir"}
		case t == fs.ModeSymlink:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out[rel] = FileState{Type: "symlink", Target: target}
		case t.IsRegular():
			fi, err := d.Info()
			if err != nil {
				return err
			}
			sum, err := files.SHA256(p)
			if err != nil {
				return err
			}
			out[rel] = FileState{Type: "file", Size: fi.Size(), SHA256: sum, Executable: fi.Mode()&0o100 != 0}
		default:
			return fmt.Errorf("%s: unsupported file type %s", p, t)
		}
		return nil
	})
	return out, err
}

// detail fills in where two regular files' contents differ: their ELF sections when both
// are ELF, else the first differing byte.
func detail(d *FileDiff, a, b string) error {
	if d.A.Size > maxDetailSize || d.B.Size > maxDetailSize {
		d.Note = fmt.Sprintf("larger than %d MiB: compared by sha256 only", maxDetailSize>>20)
		return nil
	}
	da, err := os.ReadFile(a)
	if err != nil {
		return err
	}
	db, err := os.ReadFile(b)
	if err != nil {
		return err
	}
	ea, errA := elf.NewFile(bytes.NewReader(da))
	eb, errB := elf.NewFile(bytes.NewReader(db))
	if errA != nil || errB != nil {
		d.First = firstDiff(da, db)
		return nil
	}
	d.Sections = compareSections(ea, da, eb, db)
	if len(d.Sections) == 0 {
		d.Note = "no section differs: the difference lies in the ELF or program headers, or between sections"
		d.First = firstDiff(da, db)
	}
	return nil
}

// compareSections lists the sections that differ in size or contents, in the first
// file's section order, then those only the second file has. Sections are matched by
// name (the n-th section of a name with the n-th of that name in the other file).
func compareSections(a *elf.File, rawA []byte, b *elf.File, rawB []byte) []SectionDiff {
	type sec struct {
		st   SectionState
		data []byte
	}
	index := func(f *elf.File, raw []byte) (map[string]sec, []string) {
		m := map[string]sec{}
		var order []string
		seen := map[string]int{}
		for _, s := range f.Sections {
			if s.Type == elf.SHT_NULL {
				continue
			}
			key := s.Name
			if n := seen[s.Name]; n > 0 {
				key = fmt.Sprintf("%s#%d", s.Name, n+1)
			}
			seen[s.Name]++
			st := SectionState{Size: int64(s.Size)}
			var data []byte
			if s.Type != elf.SHT_NOBITS {
				d, err := s.Data()
				if err != nil && s.Offset <= uint64(len(raw)) {
					// Undecodable (e.g. a corrupt compressed section): the bytes the file holds.
					d = raw[s.Offset:min(s.Offset+s.FileSize, uint64(len(raw)))]
				}
				sum := sha256.Sum256(d)
				st.SHA256, data = hex.EncodeToString(sum[:]), d
			}
			m[key] = sec{st, data}
			order = append(order, key)
		}
		return m, order
	}
	ma, oa := index(a, rawA)
	mb, ob := index(b, rawB)
	absent := sec{st: SectionState{Size: -1}}
	var out []SectionDiff
	add := func(name string) {
		sa, okA := ma[name]
		sb, okB := mb[name]
		if !okA {
			sa = absent
		}
		if !okB {
			sb = absent
		}
		if sa.st == sb.st {
			return
		}
		d := SectionDiff{Name: name, A: sa.st, B: sb.st}
		if sa.data != nil && sb.data != nil {
			d.First = firstDiff(sa.data, sb.data)
		}
		out = append(out, d)
	}
	for _, n := range oa {
		add(n)
	}
	for _, n := range ob {
		if _, ok := ma[n]; !ok {
			add(n)
		}
	}
	return out
}

// contextBytes is how many bytes a ByteDiff shows on each side of the first difference.
const contextBytes = 24

// firstDiff finds the first differing byte of a and b (or where the shorter one ends);
// nil when they are equal.
func firstDiff(a, b []byte) *ByteDiff {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	if i == len(a) && i == len(b) {
		return nil
	}
	return &ByteDiff{Offset: int64(i), A: around(a, i), B: around(b, i)}
}

// around shows data[i-contextBytes : i+contextBytes] with non-printable bytes as '.'.
func around(data []byte, i int) string {
	lo, hi := max(i-contextBytes, 0), min(i+contextBytes, len(data))
	if lo > hi {
		lo = hi
	}
	var b strings.Builder
	if lo > 0 {
		b.WriteString("…")
	}
	for _, c := range data[lo:hi] {
		if c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
		} else {
			b.WriteByte('.')
		}
	}
	if hi < len(data) {
		b.WriteString("…")
	}
	return b.String()
}
