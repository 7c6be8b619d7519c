package audit

import (
	"debug/elf"
	"encoding/binary"
	"math"
	"sort"
)

// Canary verdicts reported in ELFReport.Canary.
const (
	CanaryYes     = "yes"
	CanaryPartial = "partial"
	CanaryNo      = "no"
	CanaryUnknown = "unknown"
)

// Canary methods reported in CanaryStats.Method.
const (
	MethodGuardScan = "x86-64 guard scan"
	MethodSymbols   = "symbols"
)

// CanaryStats holds the numbers behind a canary verdict, so a report can be argued with.
type CanaryStats struct {
	// Method says how the verdict was made: MethodGuardScan or MethodSymbols.
	Method string `json:"method"`
	// GuardLoads counts `mov %fs:0x28,%reg` sites: one per protected function prologue.
	GuardLoads int `json:"guard_loads"`
	// GuardChecks counts `sub|xor|cmp %fs:0x28,%reg` sites: the epilogue checks.
	GuardChecks int `json:"guard_checks"`
	// Frames counts stack-frame allocations of at least 64 bytes (see canary).
	Frames int `json:"frames"`
	// GuardedFrames counts those Frames followed by a guard load.
	GuardedFrames int `json:"guarded_frames"`
	// Ratio is GuardedFrames/Frames, rounded to three decimals.
	Ratio float64 `json:"ratio"`
	// StackChkFail is true when __stack_chk_fail(_local) is named in .symtab or .dynsym.
	StackChkFail bool `json:"stack_chk_fail"`
	// StackChkFailCalls counts direct calls to a defined __stack_chk_fail(_local);
	// it needs a symbol table, so it is 0 on stripped binaries.
	StackChkFailCalls int `json:"stack_chk_fail_calls"`
}

// Tuning of the x86-64 guard scan; the measurements behind them are in canary's comment.
const (
	// minFrame: a frame this large almost always holds an array or an
	// address-taken aggregate, exactly what -fstack-protector-strong instruments;
	// smaller frames are mostly register spills that no protector level guards.
	minFrame = 64
	// guardWindow: gcc and clang load the guard right after the frame is allocated
	// (a few argument moves at -O0); at 128 bytes 95% of the protected HAProxy's
	// large frames are found guarded, against 86% at 24 bytes, and widening the
	// window to 512 adds almost nothing.
	guardWindow = 128
	// mergeGap: `sub $4096,%rsp; orq $0,(%rsp)` repeated is 13 bytes a step.
	mergeGap = 16
	// yesRatio and partialRatio split "the program's own code is protected" from
	// "only libc (or a few objects) is" — see canary.
	yesRatio     = 0.75
	partialRatio = 0.30
)

// canary decides whether the binary's code is built with a stack protector.
//
// Symbols cannot do it: a stripped binary has none, and in a static binary libc
// itself calls __stack_chk_fail (Debian's musl and glibc are both built with
// -fstack-protector-strong), so the symbol is there even when the program's own
// code has no canary. That is why checksec says "no canary" for any stripped
// binary and hardening-check says "no" for every static one.
//
// So on x86-64 the code is scanned for the canary itself: each protected
// function loads the guard from %fs:0x28 in its prologue (64 REX.W 8b /r 25
// 28000000) and checks it before returning (the same with 2b sub, 33 xor or 3b
// cmp). Counting loads alone cannot tell "the program is protected" from "only
// libc is": a static musl binary whose own code was built with
// -fno-stack-protector still has libc's guard loads. The verdict therefore asks
// what share of the stack frames that -fstack-protector-strong would guard are
// guarded: every `sub $N,%rsp` (or `add $-N,%rsp`) with N >= 64 is a frame, and
// it is guarded when a guard load follows within 128 bytes (and before the next
// frame; allocations a few bytes apart, as in stack-clash probing, are one frame).
//
// Measured on this toolchain (Debian 12, gcc 12, Debian's musl 1.2.3), on
// HAProxy 3.0.11 built by kiln's recipe (musl static-PIE, -Os, LTO, stripped)
// with three protector settings, and on the test matrix's 400-function program:
//
//	                               guard loads  large frames guarded  ratio
//	haproxy -fstack-protector-strong       759             414 / 437   0.95 yes
//	haproxy -fstack-protector              180             137 / 402   0.34 partial
//	haproxy -fno-stack-protector           105              67 / 398   0.17 no
//	test, musl static-PIE, -strong         410             408 / 410   0.99 yes
//	test, musl static-PIE, half opted out  210             208 / 410   0.51 partial
//	test, musl static-PIE, none              9               8 / 410   0.02 no
//	test, glibc static, -strong            572             511 / 571   0.89 yes
//	test, glibc static, none               171             111 / 571   0.19 no
//
// The 105 loads of the unprotected HAProxy are all musl's (Debian's libc.a has
// 219 of its 238 large frames guarded; glibc's libc.a 475 of 552). Hence:
// "yes" at >= 0.75, "partial" at >= 0.30 (-fstack-protector without -strong
// guards only char arrays, or some objects were built without it), "no" below,
// and "no" when there is no guard load at all. The limit, stated honestly: the
// ratio measures all code in the file, libc included, so in a tiny program that
// is mostly libc the verdict reflects libc; in anything the size of HAProxy the
// program's own code dominates. Stripping does not change the verdict.
//
// Other machines fall back to symbols: "yes" when __stack_chk_fail is named,
// "no" when a symbol table exists without it, "unknown" otherwise.
func canary(m elf.Machine, code []region, syms symbols) (string, CanaryStats) {
	st := CanaryStats{StackChkFail: syms.stackChkFail}
	if m != elf.EM_X86_64 {
		st.Method = MethodSymbols
		switch {
		case syms.stackChkFail:
			return CanaryYes, st
		case syms.hasSymtab || syms.hasDynsym:
			return CanaryNo, st
		}
		return CanaryUnknown, st
	}
	st.Method = MethodGuardScan
	for _, r := range code {
		scanGuards(r, syms.stackChkFailAddrs, &st)
	}
	if st.Frames > 0 {
		st.Ratio = math.Round(float64(st.GuardedFrames)/float64(st.Frames)*1000) / 1000
	}
	switch {
	case st.GuardLoads == 0:
		return CanaryNo, st
	case st.Frames == 0:
		// Guarded code but no large frame to compare with: nothing left unguarded.
		return CanaryYes, st
	case st.Ratio >= yesRatio:
		return CanaryYes, st
	case st.Ratio >= partialRatio:
		return CanaryPartial, st
	}
	return CanaryNo, st
}

// scanGuards adds one code region's guard loads, checks, frames and calls to
// __stack_chk_fail to st, in one pass over the bytes.
func scanGuards(r region, chkFail []uint64, st *CanaryStats) {
	b := r.data
	var loads, frames []int
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case 0x64: // %fs segment override
			if op, ok := fsGuard(b, i); ok {
				if op == 0x8b {
					loads = append(loads, i)
				} else {
					st.GuardChecks++
				}
				i += 8
			}
		case 0x48: // REX.W
			if frameAlloc(b, i) {
				frames = append(frames, i)
			}
		case 0xe8: // call rel32
			if len(chkFail) > 0 && i+5 <= len(b) {
				target := r.addr + uint64(i) + 5 + uint64(int64(int32(binary.LittleEndian.Uint32(b[i+1:]))))
				for _, a := range chkFail {
					if a == target {
						st.StackChkFailCalls++
						break
					}
				}
			}
		}
	}
	st.GuardLoads += len(loads)

	// Allocations closer than mergeGap are one frame (stack-clash probing allocates
	// page by page); a frame is guarded when a guard load lies after its first
	// allocation, within guardWindow of its last and before the next frame starts,
	// so a neighbouring function's guard is never credited to it.
	for j := 0; j < len(frames); {
		first, last := frames[j], frames[j]
		for j++; j < len(frames) && frames[j]-last < mergeGap; j++ {
			last = frames[j]
		}
		end := last + guardWindow
		if j < len(frames) {
			end = min(end, frames[j])
		}
		st.Frames++
		k := sort.SearchInts(loads, first)
		if k < len(loads) && loads[k] < end {
			st.GuardedFrames++
		}
	}
}

// fsGuard matches an access to the stack guard at %fs:0x28 at b[i]:
// 64 (fs) REX.W opcode modrm(mod=00,rm=100) sib(0x25: disp32, no base) 28 00 00 00.
// It returns the opcode: 8b mov (load), 2b sub, 33 xor, 3b cmp (checks).
func fsGuard(b []byte, i int) (byte, bool) {
	if i+9 > len(b) || b[i+1]&0xf8 != 0x48 || b[i+3]&0xc7 != 0x04 ||
		b[i+4] != 0x25 || b[i+5] != 0x28 || b[i+6] != 0 || b[i+7] != 0 || b[i+8] != 0 {
		return 0, false
	}
	switch op := b[i+2]; op {
	case 0x8b, 0x2b, 0x33, 0x3b:
		return op, true
	}
	return 0, false
}

// frameAlloc matches an allocation of at least minFrame bytes of stack at b[i]:
// 48 83 ec ib (sub $imm8,%rsp), 48 81 ec id (sub $imm32,%rsp), or the add forms
// with a negative immediate (gcc writes `add $-128,%rsp` because -128 fits imm8).
func frameAlloc(b []byte, i int) bool {
	if i+4 > len(b) {
		return false
	}
	var n int64
	switch {
	case b[i+1] == 0x83 && (b[i+2] == 0xec || b[i+2] == 0xc4):
		n = int64(int8(b[i+3]))
	case b[i+1] == 0x81 && (b[i+2] == 0xec || b[i+2] == 0xc4) && i+7 <= len(b):
		n = int64(int32(binary.LittleEndian.Uint32(b[i+3:])))
	default:
		return false
	}
	if b[i+2] == 0xc4 {
		n = -n
	}
	return n >= minFrame
}
