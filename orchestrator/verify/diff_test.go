package verify

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/internal/treetest"
)

// section is one section of a synthetic ELF file.
type section struct {
	name string
	typ  elf.SectionType
	data []byte
	size uint64 // SHT_NOBITS only
}

// makeELF returns a minimal little-endian ELF64 x86-64 executable with the given sections
// (plus the null section and .shstrtab), enough for debug/elf to read its sections.
func makeELF(t *testing.T, entry uint64, secs ...section) []byte {
	t.Helper()
	var shstrtab bytes.Buffer
	shstrtab.WriteByte(0)
	nameOff := func(n string) uint32 {
		off := uint32(shstrtab.Len())
		shstrtab.WriteString(n)
		shstrtab.WriteByte(0)
		return off
	}
	var body bytes.Buffer
	const ehsize = 64
	hdrs := []elf.Section64{{}} // SHT_NULL
	for _, s := range secs {
		h := elf.Section64{Name: nameOff(s.name), Type: uint32(s.typ), Flags: uint64(elf.SHF_ALLOC), Addralign: 1}
		h.Off = uint64(ehsize + body.Len())
		if s.typ == elf.SHT_NOBITS {
			h.Size = s.size
		} else {
			h.Size = uint64(len(s.data))
			body.Write(s.data)
		}
		hdrs = append(hdrs, h)
	}
	shstrndx := len(hdrs)
	strHdr := elf.Section64{Name: nameOff(".shstrtab"), Type: uint32(elf.SHT_STRTAB), Addralign: 1}
	strHdr.Off = uint64(ehsize + body.Len())
	strHdr.Size = uint64(shstrtab.Len())
	body.Write(shstrtab.Bytes())
	hdrs = append(hdrs, strHdr)
	for body.Len()%8 != 0 {
		body.WriteByte(0)
	}
	eh := elf.Header64{
		Type: uint16(elf.ET_EXEC), Machine: uint16(elf.EM_X86_64), Version: uint32(elf.EV_CURRENT),
		Entry: entry, Shoff: uint64(ehsize + body.Len()), Ehsize: ehsize,
		Shentsize: 64, Shnum: uint16(len(hdrs)), Shstrndx: uint16(shstrndx),
	}
	copy(eh.Ident[:], elf.ELFMAG)
	eh.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	eh.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	eh.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	var out bytes.Buffer
	binary.Write(&out, binary.LittleEndian, eh)
	out.Write(body.Bytes())
	for _, h := range hdrs {
		binary.Write(&out, binary.LittleEndian, h)
	}
	if _, err := elf.NewFile(bytes.NewReader(out.Bytes())); err != nil {
		t.Fatalf("synthetic ELF does not parse: %v", err)
	}
	return out.Bytes()
}

func TestCompareTrees(t *testing.T) {
	text := func(s string) section { return section{name: ".text", typ: elf.SHT_PROGBITS, data: []byte(s)} }
	data := func(s string) section { return section{name: ".data", typ: elf.SHT_PROGBITS, data: []byte(s)} }
	bss := section{name: ".bss", typ: elf.SHT_NOBITS, size: 64}
	base := map[string]treetest.Node{
		"bin/tool":      {Data: "#!/bin/sh\necho 1\n", Exec: true},
		"share/doc.txt": {Data: "docs\n"},
		"lib/link":      {Symlink: "../share/doc.txt"},
	}
	with := func(changes map[string]*treetest.Node) map[string]treetest.Node {
		m := map[string]treetest.Node{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range changes {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = *v
			}
		}
		return m
	}
	elfA := string(makeELF(t, 0x1000, text("\x90\x90\xc3"), data("HAProxy version 2.6.12-nonce-1795733203006593856\x00"), bss))
	elfB := string(makeELF(t, 0x1000, text("\x90\x90\xc3"), data("HAProxy version 2.6.12-nonce-1795733258123456789\x00"), bss))
	elfExtra := string(makeELF(t, 0x1000, text("\x90\x90\xc3"), data("HAProxy version 2.6.12-nonce-1795733203006593856\x00"), bss, section{name: ".comment", typ: elf.SHT_PROGBITS, data: []byte("GCC\x00")}))
	elfEntry := string(makeELF(t, 0x2000, text("\x90\x90\xc3"), data("HAProxy version 2.6.12-nonce-1795733203006593856\x00"), bss))

	type want struct {
		path, what string
		sections   []string // names of differing ELF sections
		first      int64    // first differing byte of a non-ELF file, -1 for none
		note       bool
	}
	cases := []struct {
		name string
		a, b map[string]treetest.Node
		want []want
	}{
		{name: "identical", a: base, b: base},
		{
			name: "text content",
			a:    base,
			b:    with(map[string]*treetest.Node{"share/doc.txt": {Data: "docz\n"}}),
			want: []want{{path: "share/doc.txt", what: "content", first: 3}},
		},
		{
			name: "longer file",
			a:    base,
			b:    with(map[string]*treetest.Node{"share/doc.txt": {Data: "docs\nmore\n"}}),
			want: []want{{path: "share/doc.txt", what: "content", first: 5}},
		},
		{
			name: "exec bit",
			a:    base,
			b:    with(map[string]*treetest.Node{"bin/tool": {Data: "#!/bin/sh\necho 1\n"}}),
			want: []want{{path: "bin/tool", what: "executable bit", first: -1}},
		},
		{
			name: "only in second",
			a:    base,
			b:    with(map[string]*treetest.Node{"share/new": {Data: "x"}}),
			want: []want{{path: "share/new", what: "only in the second tree", first: -1}},
		},
		{
			name: "only in first, with its directory",
			a:    with(map[string]*treetest.Node{"etc/conf": {Data: "x"}}),
			b:    base,
			want: []want{{path: "etc", what: "only in the first tree", first: -1}, {path: "etc/conf", what: "only in the first tree", first: -1}},
		},
		{
			name: "symlink target",
			a:    base,
			b:    with(map[string]*treetest.Node{"lib/link": {Symlink: "../share/other"}}),
			want: []want{{path: "lib/link", what: "symlink target", first: -1}},
		},
		{
			name: "type",
			a:    base,
			b:    with(map[string]*treetest.Node{"share/doc.txt": {Dir: true}}),
			want: []want{{path: "share/doc.txt", what: "type", first: -1}},
		},
		{
			name: "ELF data section",
			a:    with(map[string]*treetest.Node{"bin/haproxy": {Data: elfA, Exec: true}}),
			b:    with(map[string]*treetest.Node{"bin/haproxy": {Data: elfB, Exec: true}}),
			want: []want{{path: "bin/haproxy", what: "content", sections: []string{".data"}, first: -1}},
		},
		{
			name: "ELF extra section",
			a:    with(map[string]*treetest.Node{"bin/haproxy": {Data: elfA, Exec: true}}),
			b:    with(map[string]*treetest.Node{"bin/haproxy": {Data: elfExtra, Exec: true}}),
			want: []want{{path: "bin/haproxy", what: "content", sections: []string{".shstrtab", ".comment"}, first: -1}},
		},
		{
			name: "ELF header only",
			a:    with(map[string]*treetest.Node{"bin/haproxy": {Data: elfA, Exec: true}}),
			b:    with(map[string]*treetest.Node{"bin/haproxy": {Data: elfEntry, Exec: true}}),
			want: []want{{path: "bin/haproxy", what: "content", first: 0x19, note: true}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			treetest.Write(t, a, c.a)
			treetest.Write(t, b, c.b)
			diffs, err := CompareTrees(a, b)
			if err != nil {
				t.Fatal(err)
			}
			if len(diffs) != len(c.want) {
				t.Fatalf("got %d diffs, want %d: %+v", len(diffs), len(c.want), diffs)
			}
			for i, w := range c.want {
				d := diffs[i]
				if d.Path != w.path || d.What != w.what {
					t.Errorf("diff %d = %s %q, want %s %q", i, d.Path, d.What, w.path, w.what)
				}
				var names []string
				for _, s := range d.Sections {
					names = append(names, s.Name)
				}
				if !reflect.DeepEqual(names, w.sections) {
					t.Errorf("%s: differing sections %v, want %v", d.Path, names, w.sections)
				}
				switch {
				case w.first < 0 && d.First != nil:
					t.Errorf("%s: first difference %+v, want none", d.Path, d.First)
				case w.first >= 0 && (d.First == nil || d.First.Offset != w.first):
					t.Errorf("%s: first difference %+v, want offset %d", d.Path, d.First, w.first)
				}
				if (d.Note != "") != w.note {
					t.Errorf("%s: note %q, want a note: %v", d.Path, d.Note, w.note)
				}
			}
		})
	}
}

// TestCompareTreesELFSectionDetail checks what a differing section reports: sizes,
// hashes, and the bytes around the first difference, which show the nonce.
func TestCompareTreesELFSectionDetail(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	mk := func(nonce string) string {
		return string(makeELF(t, 0x1000,
			section{name: ".rodata", typ: elf.SHT_PROGBITS, data: []byte("constant\x00")},
			section{name: ".data", typ: elf.SHT_PROGBITS, data: []byte("\x00\x01HAProxy version 2.6.12-nonce-" + nonce + "\x00")}))
	}
	treetest.Write(t, a, map[string]treetest.Node{"bin/haproxy": {Data: mk("1795733203006593856"), Exec: true}})
	treetest.Write(t, b, map[string]treetest.Node{"bin/haproxy": {Data: mk("1795733258123456789"), Exec: true}})
	diffs, err := CompareTrees(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 1 || len(diffs[0].Sections) != 1 {
		t.Fatalf("diffs = %+v", diffs)
	}
	d := diffs[0]
	if d.A.Size != d.B.Size || d.A.SHA256 == d.B.SHA256 || len(d.A.SHA256) != 64 || !d.A.Executable {
		t.Errorf("file states %+v / %+v", d.A, d.B)
	}
	s := d.Sections[0]
	if s.Name != ".data" || s.A.Size != s.B.Size || s.A.SHA256 == s.B.SHA256 {
		t.Errorf("section %+v", s)
	}
	if s.First == nil || s.First.Offset != int64(len("\x00\x01HAProxy version 2.6.12-nonce-17957332")) {
		t.Fatalf("first difference %+v", s.First)
	}
	if !strings.Contains(s.First.A, "nonce-17957332030") || !strings.Contains(s.First.B, "nonce-17957332581") {
		t.Errorf("context %q / %q does not show the nonces", s.First.A, s.First.B)
	}
}

func TestFirstDiff(t *testing.T) {
	long := strings.Repeat("x", 100)
	cases := []struct {
		a, b   string
		offset int64
		ctxA   string
		ctxB   string
	}{
		{a: "same", b: "same", offset: -1},
		{a: "abc", b: "abd", offset: 2, ctxA: "abc", ctxB: "abd"},
		{a: "ab", b: "abc", offset: 2, ctxA: "ab", ctxB: "abc"},
		{a: "a\x00\xffb", b: "a\x00\xffc", offset: 3, ctxA: "a..b", ctxB: "a..c"},
		{a: long + "A" + long, b: long + "B" + long, offset: 100, ctxA: "…" + strings.Repeat("x", 24) + "A" + strings.Repeat("x", 23) + "…", ctxB: "…" + strings.Repeat("x", 24) + "B" + strings.Repeat("x", 23) + "…"},
	}
	for _, c := range cases {
		d := firstDiff([]byte(c.a), []byte(c.b))
		if c.offset < 0 {
			if d != nil {
				t.Errorf("firstDiff(%q, %q) = %+v, want nil", c.a, c.b, d)
			}
			continue
		}
		if d == nil || d.Offset != c.offset || d.A != c.ctxA || d.B != c.ctxB {
			t.Errorf("firstDiff(%q, %q) = %+v, want offset %d, %q / %q", c.a, c.b, d, c.offset, c.ctxA, c.ctxB)
		}
	}
}

// TestCompareStaticLibraries: two static libraries that differ in one object name that
// object and its differing ELF section.
func TestCompareStaticLibraries(t *testing.T) {
	testenv.Require(t, "gcc", "ar")
	dir := t.TempDir()
	build := func(out, nonce string) {
		for name, src := range map[string]string{
			"same.c":  "int same(void) { return 1; }\n",
			"nonce.c": "const char nonce[] = \"built " + nonce + "\";\nint get(void) { return nonce[0]; }\n",
			"a_very_long_object_file_name_for_gnu_ar.c": "int longname(void) { return 2; }\n",
		} {
			os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644)
			obj := filepath.Join(dir, strings.TrimSuffix(name, ".c")+".o")
			if out, err := exec.Command("gcc", "-c", "-O2", filepath.Join(dir, name), "-o", obj).CombinedOutput(); err != nil {
				t.Fatalf("gcc: %v\n%s", err, out)
			}
		}
		os.Remove(out)
		args := []string{"rcD", out}
		for _, o := range []string{"same.o", "nonce.o", "a_very_long_object_file_name_for_gnu_ar.o"} {
			args = append(args, filepath.Join(dir, o))
		}
		if out, err := exec.Command("ar", args...).CombinedOutput(); err != nil {
			t.Fatalf("ar: %v\n%s", err, out)
		}
	}
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	os.MkdirAll(filepath.Join(a, "lib"), 0o755)
	os.MkdirAll(filepath.Join(b, "lib"), 0o755)
	build(filepath.Join(a, "lib", "liblua.a"), "1795733203")
	build(filepath.Join(b, "lib", "liblua.a"), "1795733258")
	diffs, err := CompareTrees(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 1 || diffs[0].Path != "lib/liblua.a" || len(diffs[0].Members) != 1 {
		t.Fatalf("diffs %+v", diffs)
	}
	m := diffs[0].Members[0]
	if m.Name != "nonce.o" || len(m.Sections) == 0 || !strings.HasPrefix(m.Sections[0].Name, ".rodata") {
		t.Fatalf("member %+v, want nonce.o with its .rodata", m)
	}
}

// arHeader builds one 60-byte ar member header.
func arHeader(name string, size int) string {
	return fmt.Sprintf("%-16s%-12s%-6s%-6s%-8s%-10d`\n", name, "0", "0", "0", "644", size)
}

// A member name "/-1" (GNU long-name reference with a negative offset) or "#1/-3" (BSD
// long name with a negative length) in a file that differs between rounds must not crash
// kiln verify: arMembers should return an error (the file is then compared byte by byte).
func TestArMembersRefusesNegativeNames(t *testing.T) {
	for _, name := range []string{"/-1", "#1/-3"} {
		t.Run(name, func(t *testing.T) {
			data := []byte("!<arch>\n" + arHeader("//", 4) + "a.o\n" + arHeader(name, 4) + "ELF!")
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("arMembers panicked on member name %q: %v", name, r)
				}
			}()
			if _, err := arMembers(data); err == nil {
				t.Fatalf("arMembers accepted member name %q", name)
			}
		})
	}
}

// The same through CompareTrees, on two trees whose lib.a differ: a report, not a panic.
func TestCompareTreesHostileArchive(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for i, d := range []string{a, b} {
		os.MkdirAll(d, 0o755)
		body := fmt.Sprintf("ELF%d", i)
		os.WriteFile(filepath.Join(d, "lib.a"), []byte("!<arch>\n"+arHeader("/-1", 4)+body), 0o644)
	}
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("CompareTrees panicked: %v", r)
		}
	}()
	if _, err := CompareTrees(a, b); err != nil {
		t.Logf("CompareTrees: %v", err)
	}
}
