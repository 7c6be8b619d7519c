// Package audit is kiln's hardening audit: it reads ELF binaries with debug/elf and
// checks them against the spec's hardening policy, and it checks an image's root
// filesystem for things a minimal image must not carry (shells, package databases,
// setuid files, world-writable paths, root user). It runs as the build gate and as
// `kiln audit`; it must be right on stripped static-PIE musl binaries, where the
// usual checkers (checksec, hardening-check) are wrong.
package audit

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/kilnbuild/kiln/internal/files"
)

// ErrNotELF is returned (wrapped) for a file that is not an ELF object, so a caller
// walking a rootfs can skip scripts and data files with errors.Is.
var ErrNotELF = errors.New("not an ELF file")

// Binary types reported in ELFReport.Type.
const (
	TypeStaticPIE    = "static-pie"    // ET_DYN, no interpreter, no DT_NEEDED: relocates itself
	TypeStatic       = "static"        // ET_EXEC, no interpreter, no DT_NEEDED
	TypeDynamicPIE   = "dynamic-pie"   // ET_DYN executable loaded by an interpreter
	TypeDynamic      = "dynamic"       // ET_EXEC loaded by an interpreter
	TypeSharedObject = "shared-object" // a library, not an executable
	TypeRelocatable  = "relocatable"   // ET_REL: an object file
	TypeOther        = "other"         // ET_CORE and anything else
)

// RELRO levels reported in ELFReport.RELRO.
const (
	RELRONone    = "none"
	RELROPartial = "partial"
	RELROFull    = "full"
)

// Libc values reported in ELFReport.Libc.
const (
	LibcMusl    = "musl"
	LibcGlibc   = "glibc"
	LibcNone    = "none" // a static Go binary: no C library at all
	LibcUnknown = "unknown"
)

// Fortify values reported in ELFReport.Fortify.
const (
	FortifyYes     = "yes"
	FortifyNo      = "no"
	FortifyMusl    = "n/a: musl"    // musl has no _FORTIFY_SOURCE, so there is nothing to find
	FortifyNoLibc  = "n/a: no libc" // a Go binary
	FortifyUnknown = "unknown"      // e.g. static glibc: libc.a defines every __*_chk itself
)

// ELFReport is what the audit found in one ELF file.
type ELFReport struct {
	// File is the name the report was made for (a path, usually).
	File string `json:"file"`
	// Machine is the ELF machine, e.g. EM_X86_64.
	Machine string `json:"machine"`
	// Type is one of the Type* constants.
	Type string `json:"type"`
	// Static is true for an executable with no PT_INTERP and no DT_NEEDED.
	Static bool `json:"static"`
	// PIE is true for a position-independent executable, static or dynamic.
	PIE bool `json:"pie"`
	// Interp is the PT_INTERP program, if any.
	Interp string `json:"interp,omitempty"`
	// Needed lists the DT_NEEDED libraries.
	Needed []string `json:"needed,omitempty"`
	// RELRO is one of the RELRO* constants.
	RELRO string `json:"relro"`
	// BindNow is true when the dynamic section asks for immediate binding.
	BindNow bool `json:"bind_now"`
	// NX is true when a PT_GNU_STACK segment exists and is not executable.
	NX bool `json:"nx"`
	// Canary is "yes", "partial", "no" or "unknown"; see canary.go for how it is decided.
	Canary string `json:"canary"`
	// CanaryStats holds the numbers the Canary verdict was made from.
	CanaryStats CanaryStats `json:"canary_stats"`
	// Libc is one of the Libc* constants.
	Libc string `json:"libc"`
	// Fortify is one of the Fortify* constants.
	Fortify string `json:"fortify"`
	// Fortified lists the imported __*_chk functions (glibc, dynamic only).
	Fortified []string `json:"fortified,omitempty"`
	// Stripped is true when there is no .symtab.
	Stripped bool `json:"stripped"`
	// RPath lists DT_RPATH strings.
	RPath []string `json:"rpath,omitempty"`
	// RunPath lists DT_RUNPATH strings.
	RunPath []string `json:"runpath,omitempty"`
	// WX is true when a PT_LOAD segment is both writable and executable.
	WX bool `json:"wx"`
	// TextRel is true when the dynamic section has DT_TEXTREL or DF_TEXTREL.
	TextRel bool `json:"textrel"`
	// RELR is true when relative relocations are packed (DT_RELR, .relr.dyn: what
	// -z pack-relative-relocs links, and a static-PIE's own start code must apply).
	RELR bool `json:"relr"`
}

// ELFFile audits the ELF file at path; a non-ELF file gives an error wrapping ErrNotELF.
func ELFFile(path string) (ELFReport, error) {
	f, err := files.Open(path)
	if err != nil {
		return ELFReport{}, fmt.Errorf("opening binary to audit: %w", err)
	}
	defer f.Close()
	return ELF(path, f)
}

// ELF audits the ELF object read from r, reporting it under name; a non-ELF input
// gives an error wrapping ErrNotELF.
func ELF(name string, r io.ReaderAt) (ELFReport, error) {
	var magic [4]byte
	if n, err := r.ReadAt(magic[:], 0); n < len(magic) || string(magic[:]) != elf.ELFMAG {
		if err != nil && !errors.Is(err, io.EOF) {
			return ELFReport{}, fmt.Errorf("reading %s: %w", name, err)
		}
		return ELFReport{}, fmt.Errorf("auditing %s: %w", name, ErrNotELF)
	}
	f, err := elf.NewFile(r)
	if err != nil {
		return ELFReport{}, fmt.Errorf("parsing ELF %s: %w", name, err)
	}
	rep := ELFReport{File: name, Machine: f.Machine.String()}

	dyn, err := readDynamic(f)
	if err != nil {
		return ELFReport{}, fmt.Errorf("reading dynamic section of %s: %w", name, err)
	}
	rep.Needed, rep.RPath, rep.RunPath = dyn.needed, dyn.rpath, dyn.runpath
	rep.BindNow = dyn.bindNow()
	rep.TextRel = dyn.textRel()
	rep.RELR = dyn.hasRELR

	var relro *elf.Prog
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			s, err := readProgString(p)
			if err != nil {
				return ELFReport{}, fmt.Errorf("reading PT_INTERP of %s: %w", name, err)
			}
			rep.Interp = s
		case elf.PT_GNU_RELRO:
			relro = p
		case elf.PT_GNU_STACK:
			// Without PT_GNU_STACK the kernel and glibc's loader assume an executable
			// stack, so only an explicit non-executable one counts as NX.
			rep.NX = p.Flags&elf.PF_X == 0
		case elf.PT_LOAD:
			if p.Flags&elf.PF_W != 0 && p.Flags&elf.PF_X != 0 {
				rep.WX = true
			}
		}
	}
	rep.Type, rep.PIE = binaryType(f, rep.Interp, dyn)
	rep.Static = (rep.Type == TypeStatic || rep.Type == TypeStaticPIE)
	rep.RELRO = relroLevel(f, relro, dyn, rep.BindNow)
	rep.Stripped = f.Section(".symtab") == nil

	code, err := codeRegions(f)
	if err != nil {
		return ELFReport{}, fmt.Errorf("reading code of %s: %w", name, err)
	}
	syms := readSymbols(f)
	rep.Canary, rep.CanaryStats = canary(f.Machine, code, syms)

	data, err := dataRegions(f)
	if err != nil {
		return ELFReport{}, fmt.Errorf("reading data of %s: %w", name, err)
	}
	rep.Libc = detectLibc(f, rep, data)
	rep.Fortify, rep.Fortified = fortify(rep, syms)
	return rep, nil
}

// binaryType classifies the file and says whether it is a PIE.
func binaryType(f *elf.File, interp string, dyn dynamicInfo) (string, bool) {
	noDeps := interp == "" && len(dyn.needed) == 0
	switch f.Type {
	case elf.ET_EXEC:
		if noDeps {
			return TypeStatic, false
		}
		return TypeDynamic, false
	case elf.ET_DYN:
		// DF_1_PIE is what binutils (2.26+) and lld write for -pie; older linkers leave
		// it out, so an ET_DYN with an interpreter or (static-PIE) with an entry point,
		// no SONAME and no dependencies also counts as an executable.
		pie := dyn.flags1&uint64(elf.DF_1_PIE) != 0 ||
			(dyn.soname == "" && (interp != "" || (noDeps && f.Entry != 0)))
		switch {
		case !pie:
			return TypeSharedObject, false
		case noDeps:
			return TypeStaticPIE, true
		default:
			return TypeDynamicPIE, true
		}
	case elf.ET_REL:
		return TypeRelocatable, false
	default:
		return TypeOther, false
	}
}

// relroLevel decides none/partial/full. Full needs PT_GNU_RELRO plus immediate
// binding; a binary with no dynamic section has no loader doing lazy binding, so it
// is full when nothing lazily-bindable (a .got.plt past its three reserved slots)
// lies outside the RELRO range. That keeps static glibc built without -z now
// (IRELATIVE slots in a writable .got.plt) at partial, as it should be.
func relroLevel(f *elf.File, relro *elf.Prog, dyn dynamicInfo, bindNow bool) string {
	switch {
	case relro == nil:
		return RELRONone
	case bindNow:
		return RELROFull
	case dyn.present || len(f.Sections) == 0:
		return RELROPartial
	}
	gotplt := f.Section(".got.plt")
	if gotplt == nil {
		return RELROFull
	}
	reserved := uint64(3 * 8)
	if f.Class == elf.ELFCLASS32 {
		reserved = 3 * 4
	}
	inside := gotplt.Addr >= relro.Vaddr && gotplt.Addr+gotplt.Size <= relro.Vaddr+relro.Memsz
	if gotplt.Size <= reserved || inside {
		return RELROFull
	}
	return RELROPartial
}

// region is a run of bytes from the file and the address it is loaded at.
type region struct {
	addr uint64
	data []byte
}

// codeRegions returns the executable sections, or the executable PT_LOAD segments of
// a file whose section headers were removed (sstrip).
func codeRegions(f *elf.File) ([]region, error) {
	return regions(f, func(s *elf.Section) bool {
		return s.Flags&elf.SHF_EXECINSTR != 0
	}, func(p *elf.Prog) bool {
		return p.Flags&elf.PF_X != 0
	})
}

// dataRegions returns what may hold libc marker strings: allocated, non-executable
// sections (.rodata, .dynstr, ...), or every PT_LOAD when there are no sections.
func dataRegions(f *elf.File) ([]region, error) {
	return regions(f, func(s *elf.Section) bool {
		return s.Flags&elf.SHF_ALLOC != 0 && s.Flags&elf.SHF_EXECINSTR == 0
	}, func(*elf.Prog) bool { return true })
}

func regions(f *elf.File, sect func(*elf.Section) bool, prog func(*elf.Prog) bool) ([]region, error) {
	var out []region
	if len(f.Sections) > 0 {
		for _, s := range f.Sections {
			if s.Type == elf.SHT_NOBITS || s.Type == elf.SHT_NULL || !sect(s) {
				continue
			}
			b, err := s.Data()
			if err != nil {
				return nil, fmt.Errorf("reading section %s: %w", s.Name, err)
			}
			out = append(out, region{addr: s.Addr, data: b})
		}
		return out, nil
	}
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || !prog(p) {
			continue
		}
		b, err := readProg(p, math.MaxInt64)
		if err != nil {
			return nil, fmt.Errorf("reading segment at %#x: %w", p.Vaddr, err)
		}
		out = append(out, region{addr: p.Vaddr, data: b})
	}
	return out, nil
}

// readProg reads up to limit bytes of a segment. It reads rather than allocating
// Filesz up front, so a corrupt header cannot make the audit allocate more than
// the file holds.
func readProg(p *elf.Prog, limit int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(p.Open(), limit))
}

// readProgString reads a NUL-terminated string segment such as PT_INTERP.
func readProgString(p *elf.Prog) (string, error) {
	b, err := readProg(p, 4096)
	if err != nil {
		return "", err
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b), nil
}

// symbols are the names the audit needs from .symtab and .dynsym.
type symbols struct {
	hasSymtab bool
	hasDynsym bool
	// imports are undefined .dynsym names (what a dynamic binary gets from its libs).
	imports []string
	// stackChkFail is true when __stack_chk_fail(_local) is named anywhere.
	stackChkFail bool
	// stackChkFailAddrs are the addresses of defined __stack_chk_fail(_local).
	stackChkFailAddrs []uint64
}

// readSymbols collects symbol facts; a missing or broken table is just absent,
// because stripped binaries are the normal case here.
func readSymbols(f *elf.File) symbols {
	var s symbols
	isChk := func(n string) bool { return n == "__stack_chk_fail" || n == "__stack_chk_fail_local" }
	if st, err := f.Symbols(); err == nil {
		s.hasSymtab = true
		for _, sym := range st {
			if !isChk(sym.Name) {
				continue
			}
			s.stackChkFail = true
			if sym.Section != elf.SHN_UNDEF && sym.Value != 0 {
				s.stackChkFailAddrs = append(s.stackChkFailAddrs, sym.Value)
			}
		}
	}
	if ds, err := f.DynamicSymbols(); err == nil {
		s.hasDynsym = true
		for _, sym := range ds {
			if sym.Section != elf.SHN_UNDEF || sym.Name == "" {
				continue
			}
			s.imports = append(s.imports, sym.Name)
			if isChk(sym.Name) {
				s.stackChkFail = true
			}
		}
	}
	return s
}

// Markers that identify the C library in a binary's read-only data.
var (
	// glibc puts symbol versions (GLIBC_2.x) in .dynstr of every dynamic binary,
	// and its static startup carries the tunables parser and its fatal messages.
	glibcMarkers = [][]byte{[]byte("GLIBC_2."), []byte("GLIBC_PRIVATE"), []byte("GLIBC_TUNABLES"), []byte("Fatal glibc error")}
	// musl's strerror table ("No error information" is musl's text for unknown
	// errors, pulled in by stdio) and its loader name.
	muslMarkers = [][]byte{[]byte("No error information"), []byte("ld-musl-")}
)

// detectLibc names the C library. Dynamic binaries say it through PT_INTERP and
// DT_NEEDED; static ones through marker strings. A static binary with no glibc
// trace and no Go runtime is taken to be musl: it is the only libc kiln links
// statically, and guessing glibc would wrongly demand fortify symbols.
func detectLibc(f *elf.File, rep ELFReport, data []region) string {
	needs := func(prefix string) bool {
		for _, n := range rep.Needed {
			if strings.HasPrefix(n, prefix) {
				return true
			}
		}
		return false
	}
	has := func(markers [][]byte) bool {
		for _, r := range data {
			for _, m := range markers {
				if bytes.Contains(r.data, m) {
					return true
				}
			}
		}
		return false
	}
	switch {
	case strings.Contains(rep.Interp, "ld-musl"):
		return LibcMusl
	case strings.Contains(rep.Interp, "ld-linux"), needs("libc.so.6"):
		return LibcGlibc
	case has(glibcMarkers):
		return LibcGlibc
	case has(muslMarkers):
		return LibcMusl
	case f.Section(".go.buildinfo") != nil || f.Section(".note.go.buildid") != nil || f.Section(".gopclntab") != nil:
		return LibcNone
	case rep.Static:
		return LibcMusl
	}
	return LibcUnknown
}

// fortify reports _FORTIFY_SOURCE use. Only a dynamic glibc binary can be judged:
// fortified calls are imports of __*_chk. musl has no fortify at all, and a static
// glibc binary defines every __*_chk variant inside libc.a whether the program
// was fortified or not, so symbols prove nothing there.
func fortify(rep ELFReport, syms symbols) (string, []string) {
	switch rep.Libc {
	case LibcMusl:
		return FortifyMusl, nil
	case LibcNone:
		return FortifyNoLibc, nil
	case LibcGlibc:
	default:
		return FortifyUnknown, nil
	}
	if rep.Interp == "" && len(rep.Needed) == 0 {
		return FortifyUnknown, nil
	}
	if !syms.hasDynsym {
		return FortifyUnknown, nil
	}
	seen := map[string]bool{}
	var chk []string
	for _, n := range syms.imports {
		if strings.HasPrefix(n, "__") && strings.HasSuffix(n, "_chk") && !seen[n] {
			seen[n] = true
			chk = append(chk, n)
		}
	}
	sort.Strings(chk)
	if len(chk) > 0 {
		return FortifyYes, chk
	}
	return FortifyNo, nil
}
