package audit

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
)

// dynamicInfo is what the audit needs from the dynamic section.
type dynamicInfo struct {
	present        bool // a PT_DYNAMIC segment exists
	needed         []string
	rpath, runpath []string
	soname         string
	flags, flags1  uint64
	hasBindNow     bool // DT_BIND_NOW
	hasTextRel     bool // DT_TEXTREL
	hasRELR        bool // DT_RELR
}

func (d dynamicInfo) bindNow() bool {
	return d.hasBindNow || d.flags&uint64(elf.DF_BIND_NOW) != 0 || d.flags1&uint64(elf.DF_1_NOW) != 0
}

func (d dynamicInfo) textRel() bool {
	return d.hasTextRel || d.flags&uint64(elf.DF_TEXTREL) != 0
}

// dtRELR is DT_RELR (36, gABI 2022): the address of the packed relative relocations.
// Go's debug/elf has no name for it (nor for DT_RELRSZ 35 and DT_RELRENT 37).
const dtRELR elf.DynTag = 36

// maxDynStr bounds the dynamic section and string table reads, so a corrupt
// header or DT_STRSZ cannot make the audit allocate gigabytes.
const maxDynStr = 64 << 20

// readDynamic parses PT_DYNAMIC through the program headers rather than the
// .dynamic section, so that it works on binaries whose section headers are gone.
func readDynamic(f *elf.File) (dynamicInfo, error) {
	var d dynamicInfo
	var seg *elf.Prog
	for _, p := range f.Progs {
		if p.Type == elf.PT_DYNAMIC {
			seg = p
			break
		}
	}
	if seg == nil {
		return d, nil
	}
	d.present = true
	raw, err := readProg(seg, maxDynStr)
	if err != nil {
		return d, fmt.Errorf("reading PT_DYNAMIC: %w", err)
	}
	entSize := 16
	if f.Class == elf.ELFCLASS32 {
		entSize = 8
	}
	word := func(b []byte) uint64 {
		if entSize == 8 {
			return uint64(f.ByteOrder.Uint32(b))
		}
		return f.ByteOrder.Uint64(b)
	}
	var strtab, strsz uint64
	var neededOff, rpathOff, runpathOff []uint64
	sonameOff := ^uint64(0)
	for i := 0; i+entSize <= len(raw); i += entSize {
		tag := elf.DynTag(word(raw[i:]))
		val := word(raw[i+entSize/2:])
		if tag == elf.DT_NULL {
			break
		}
		switch tag {
		case elf.DT_NEEDED:
			neededOff = append(neededOff, val)
		case elf.DT_RPATH:
			rpathOff = append(rpathOff, val)
		case elf.DT_RUNPATH:
			runpathOff = append(runpathOff, val)
		case elf.DT_SONAME:
			sonameOff = val
		case elf.DT_STRTAB:
			strtab = val
		case elf.DT_STRSZ:
			strsz = val
		case elf.DT_FLAGS:
			d.flags = val
		case elf.DT_FLAGS_1:
			d.flags1 = val
		case elf.DT_BIND_NOW:
			d.hasBindNow = true
		case elf.DT_TEXTREL:
			d.hasTextRel = true
		case dtRELR:
			d.hasRELR = true
		}
	}
	if len(neededOff)+len(rpathOff)+len(runpathOff) == 0 && sonameOff == ^uint64(0) {
		return d, nil
	}
	str, err := readVaddr(f, strtab, min(strsz, maxDynStr))
	if err != nil {
		return d, fmt.Errorf("reading dynamic string table: %w", err)
	}
	get := func(off uint64) string {
		if off >= uint64(len(str)) {
			return ""
		}
		s := str[off:]
		if i := bytes.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		return string(s)
	}
	for _, o := range neededOff {
		d.needed = append(d.needed, get(o))
	}
	for _, o := range rpathOff {
		d.rpath = append(d.rpath, get(o))
	}
	for _, o := range runpathOff {
		d.runpath = append(d.runpath, get(o))
	}
	if sonameOff != ^uint64(0) {
		d.soname = get(sonameOff)
	}
	return d, nil
}

// readVaddr reads up to n bytes at virtual address addr from the PT_LOAD holding it.
func readVaddr(f *elf.File, addr, n uint64) ([]byte, error) {
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || addr < p.Vaddr || addr >= p.Vaddr+p.Filesz {
			continue
		}
		n = min(n, p.Vaddr+p.Filesz-addr)
		b := make([]byte, n)
		if _, err := p.ReadAt(b, int64(addr-p.Vaddr)); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		return b, nil
	}
	return nil, fmt.Errorf("address %#x is in no loadable segment", addr)
}
