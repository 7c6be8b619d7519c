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
	"strconv"
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
	// Members lists the members that differ when both files are static libraries (ar
	// archives): which object, and in it which ELF sections.
	Members []MemberDiff `json:"archive_members,omitempty"`
	// Note explains an ELF difference no section shows (headers, padding).
	Note string `json:"note,omitempty"`
}

// MemberDiff is one member of an ar archive (an object of a static library) that differs.
type MemberDiff struct {
	// Name is the member's name, e.g. lapi.o (the n-th of a repeated name is name#n).
	Name string `json:"name"`
	// What says how it differs: content, or only in one archive.
	What string `json:"what"`
	// A and B are the member in the first and the second archive.
	A FileState `json:"a"`
	// B is the member in the second archive.
	B FileState `json:"b"`
	// Sections lists the ELF sections that differ (both members ELF).
	Sections []SectionDiff `json:"elf_sections,omitempty"`
	// First is where the contents first differ (no section shows it).
	First *ByteDiff `json:"first_difference,omitempty"`
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
	if ma, errA := arMembers(da); errA == nil {
		if mb, errB := arMembers(db); errB == nil {
			d.Members = compareMembers(ma, mb)
			if len(d.Members) == 0 {
				d.Note = "no member differs: the difference lies in the archive's headers or symbol table"
				d.First = firstDiff(da, db)
			}
			return nil
		}
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

// arMember is one member of an ar archive.
type arMember struct {
	name string
	data []byte
}

// arMembers splits an ar archive (a static library) into its members, in order, the
// symbol table and the long-name table left out. Long names (GNU "/123", BSD "#1/n") are
// resolved; a repeated name becomes name#2, name#3…
func arMembers(data []byte) ([]arMember, error) {
	const magic = "!<arch>\n"
	if !bytes.HasPrefix(data, []byte(magic)) {
		return nil, fmt.Errorf("not an ar archive")
	}
	var out []arMember
	var longNames []byte
	seen := map[string]int{}
	for i := len(magic); i < len(data); {
		if i+60 > len(data) {
			return nil, fmt.Errorf("truncated member header at %d", i)
		}
		h := data[i : i+60]
		if string(h[58:60]) != "`\n" {
			return nil, fmt.Errorf("bad member header at %d", i)
		}
		name := strings.TrimRight(string(h[0:16]), " ")
		var size int
		if _, err := fmt.Sscanf(strings.TrimSpace(string(h[48:58])), "%d", &size); err != nil || size < 0 || i+60+size > len(data) {
			return nil, fmt.Errorf("bad member size at %d", i)
		}
		body := data[i+60 : i+60+size]
		i += 60 + size + size%2
		switch {
		case name == "/" || name == "/SYM64/" || name == "__.SYMDEF" || name == "__.SYMDEF SORTED":
			continue
		case name == "//":
			longNames = body
			continue
		case strings.HasPrefix(name, "#1/"):
			n, err := strconv.Atoi(name[3:])
			if err != nil || n < 0 || n > len(body) {
				return nil, fmt.Errorf("bad BSD long name %q at %d", name, i)
			}
			name, body = strings.TrimRight(string(body[:n]), "\x00"), body[n:]
		case len(name) > 1 && name[0] == '/':
			off, err := strconv.Atoi(name[1:])
			if err != nil || off < 0 || off >= len(longNames) {
				return nil, fmt.Errorf("bad long-name reference %q", name)
			}
			end := bytes.IndexByte(longNames[off:], '\n')
			if end < 0 {
				end = len(longNames) - off
			}
			name = strings.TrimSuffix(string(longNames[off:off+end]), "/")
		default:
			name = strings.TrimSuffix(name, "/")
		}
		seen[name]++
		if n := seen[name]; n > 1 {
			name = fmt.Sprintf("%s#%d", name, n)
		}
		out = append(out, arMember{name: name, data: body})
	}
	return out, nil
}

// compareMembers lists the members that differ between two archives, in the first
// archive's order, then those only the second has.
func compareMembers(a, b []arMember) []MemberDiff {
	state := func(data []byte) FileState {
		sum := sha256.Sum256(data)
		return FileState{Type: "file", Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	}
	mb := map[string][]byte{}
	for _, m := range b {
		mb[m.name] = m.data
	}
	ma := map[string]bool{}
	var out []MemberDiff
	for _, m := range a {
		ma[m.name] = true
		other, ok := mb[m.name]
		if !ok {
			out = append(out, MemberDiff{Name: m.name, What: "only in the first archive", A: state(m.data), B: FileState{Type: "missing"}})
			continue
		}
		if bytes.Equal(m.data, other) {
			continue
		}
		d := MemberDiff{Name: m.name, What: "content", A: state(m.data), B: state(other)}
		ea, errA := elf.NewFile(bytes.NewReader(m.data))
		eb, errB := elf.NewFile(bytes.NewReader(other))
		if errA == nil && errB == nil {
			d.Sections = compareSections(ea, m.data, eb, other)
		}
		if len(d.Sections) == 0 {
			d.First = firstDiff(m.data, other)
		}
		out = append(out, d)
	}
	for _, m := range b {
		if !ma[m.name] {
			out = append(out, MemberDiff{Name: m.name, What: "only in the second archive", A: FileState{Type: "missing"}, B: state(m.data)})
		}
	}
	return out
}
