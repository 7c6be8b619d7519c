package audit

import (
	"bytes"
	"debug/elf"
	"testing"
)

// x86-64 encodings used to assemble synthetic code.
var (
	movFSRax = []byte{0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0} // mov %fs:0x28,%rax
	movFSRdx = []byte{0x64, 0x48, 0x8b, 0x14, 0x25, 0x28, 0, 0, 0} // mov %fs:0x28,%rdx
	movFSR8  = []byte{0x64, 0x4c, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0} // mov %fs:0x28,%r8
	subFSRax = []byte{0x64, 0x48, 0x2b, 0x04, 0x25, 0x28, 0, 0, 0} // sub %fs:0x28,%rax
	xorFSRdx = []byte{0x64, 0x48, 0x33, 0x14, 0x25, 0x28, 0, 0, 0} // xor %fs:0x28,%rdx
	cmpFSRax = []byte{0x64, 0x48, 0x3b, 0x04, 0x25, 0x28, 0, 0, 0} // cmp %fs:0x28,%rax
	movFS30  = []byte{0x64, 0x48, 0x8b, 0x04, 0x25, 0x30, 0, 0, 0} // mov %fs:0x30,%rax: not the guard
	sub88    = []byte{0x48, 0x83, 0xec, 0x58}                      // sub $0x58,%rsp
	sub40    = []byte{0x48, 0x83, 0xec, 0x28}                      // sub $0x28,%rsp: too small
	sub4096  = []byte{0x48, 0x81, 0xec, 0x00, 0x10, 0, 0}          // sub $0x1000,%rsp
	add128   = []byte{0x48, 0x83, 0xc4, 0x80}                      // add $-128,%rsp
	add88    = []byte{0x48, 0x83, 0xc4, 0x58}                      // add $0x58,%rsp: an epilogue
	probe    = []byte{0x48, 0x83, 0x0c, 0x24, 0x00}                // orq $0,(%rsp)
)

func code(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func nops(n int) []byte { return bytes.Repeat([]byte{0x90}, n) }

func TestScanGuards(t *testing.T) {
	tests := []struct {
		name                  string
		code                  []byte
		loads, checks, frames int
		guarded               int
	}{
		{"guarded frame", code(sub88, movFSRax, nops(20), subFSRax), 1, 1, 1, 1},
		{"other registers and REX.R", code(sub88, movFSRdx, nops(50), sub88, movFSR8, xorFSRdx, cmpFSRax), 2, 2, 2, 2},
		{"fs:0x30 is not the guard", code(sub88, movFS30), 0, 0, 1, 0},
		{"small frames are not counted", code(sub40, movFSRax), 1, 0, 0, 0},
		{"epilogue add is not a frame", code(add88), 0, 0, 0, 0},
		{"add $-128 is a frame", code(add128, movFSRax), 1, 0, 1, 1},
		{"imm32 frame", code(sub4096, nops(10), movFSRax), 1, 0, 1, 1},
		{"guard too far away", code(sub88, nops(guardWindow), movFSRax), 1, 0, 1, 0},
		// Stack-clash probing allocates page by page: one frame, guarded after the last step.
		{"probed frame", code(sub4096, probe, sub4096, probe, sub88, movFSRax), 1, 0, 1, 1},
		// An unguarded function followed closely by a guarded one gets no credit.
		{"neighbour's guard", code(sub88, nops(30), sub88, movFSRax), 1, 0, 2, 1},
		{"truncated guard", movFSRax[:8], 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st CanaryStats
			scanGuards(region{data: tt.code}, nil, &st)
			if st.GuardLoads != tt.loads || st.GuardChecks != tt.checks || st.Frames != tt.frames || st.GuardedFrames != tt.guarded {
				t.Errorf("loads %d checks %d frames %d guarded %d, want %d %d %d %d",
					st.GuardLoads, st.GuardChecks, st.Frames, st.GuardedFrames, tt.loads, tt.checks, tt.frames, tt.guarded)
			}
		})
	}
}

func TestScanGuardsCalls(t *testing.T) {
	// call rel32 at 0x1000 to 0x1000+5+0x10 = 0x1015.
	c := code([]byte{0xe8, 0x10, 0, 0, 0}, []byte{0xe8, 0x20, 0, 0, 0})
	var st CanaryStats
	scanGuards(region{addr: 0x1000, data: c}, []uint64{0x1015}, &st)
	if st.StackChkFailCalls != 1 {
		t.Errorf("StackChkFailCalls = %d, want 1", st.StackChkFailCalls)
	}
}

// frames builds n large frames of which g are guarded, each in its own 256 bytes.
func frames(n, g int) []byte {
	var b []byte
	for i := 0; i < n; i++ {
		f := code(sub88, nops(8))
		if i < g {
			f = code(f, movFSRax, nops(10), subFSRax)
		}
		b = append(b, f...)
		b = append(b, nops(256-len(f))...)
	}
	return b
}

func TestCanaryVerdict(t *testing.T) {
	tests := []struct {
		name string
		code []byte
		want string
	}{
		{"nothing guarded", frames(100, 0), CanaryNo},
		{"libc only", frames(100, 15), CanaryNo},
		{"weak protector", frames(100, 50), CanaryPartial},
		{"strong protector", frames(100, 95), CanaryYes},
		{"guards but no large frame", code(sub40, movFSRax), CanaryYes},
		{"no code", nil, CanaryNo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, st := canary(elf.EM_X86_64, []region{{data: tt.code}}, symbols{})
			if got != tt.want {
				t.Errorf("canary = %q (%+v), want %q", got, st, tt.want)
			}
		})
	}
}

func TestCanarySymbolsFallback(t *testing.T) {
	tests := []struct {
		name string
		syms symbols
		want string
	}{
		{"imported", symbols{hasDynsym: true, stackChkFail: true}, CanaryYes},
		{"symtab without it", symbols{hasSymtab: true}, CanaryNo},
		{"stripped static", symbols{}, CanaryUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, st := canary(elf.EM_AARCH64, nil, tt.syms)
			if got != tt.want || st.Method != MethodSymbols {
				t.Errorf("canary = %q via %q, want %q via symbols", got, st.Method, tt.want)
			}
		})
	}
}
