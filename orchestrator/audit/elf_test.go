package audit

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/internal/testenv"
)

// Compiler and linker flags of the test matrix.
var (
	ssp      = []string{"-fstack-protector-strong"}
	nossp    = []string{"-fno-stack-protector"}
	mixed    = []string{"-fstack-protector-strong", "-DMIXED"}
	now      = []string{"-Wl,-z,relro,-z,now"}
	lazy     = []string{"-Wl,-z,relro,-z,lazy"}
	norelro  = []string{"-Wl,-z,norelro"}
	execstak = []string{"-Wl,-z,execstack"}
	relr     = []string{"-Wl,-z,pack-relative-relocs"} // DT_RELR: what the pinned toolchain links
)

func join(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// want is the part of an ELFReport a case pins down.
type want struct {
	typ     string
	pie     bool
	static  bool
	relro   string
	nx      bool
	canary  string
	libc    string
	fortify string
	wx      bool
	rpath   []string
	runpath []string
}

type elfCase struct {
	name    string
	tc      string
	cflags  []string
	ldflags []string
	want    want
}

const (
	glibc = LibcGlibc
	musl  = LibcMusl
	dpie  = TypeDynamicPIE
	spie  = TypeStaticPIE
)

// elfCases is the matrix: glibc and musl, dynamic, static and static-PIE, with and
// without each hardening flag. Debian's gcc defaults to PIE and -z relro (lazy).
var elfCases = []elfCase{
	// glibc, dynamic.
	{"gcc/pie/ssp/now", tcGCC, ssp, now, want{dpie, true, false, RELROFull, true, CanaryYes, glibc, FortifyNo, false, nil, nil}},
	{"gcc/pie/ssp/now/relr", tcGCC, ssp, join(now, relr), want{dpie, true, false, RELROFull, true, CanaryYes, glibc, FortifyNo, false, nil, nil}},
	{"gcc/pie/nossp/lazy", tcGCC, nossp, lazy, want{dpie, true, false, RELROPartial, true, CanaryNo, glibc, FortifyNo, false, nil, nil}},
	{"gcc/pie/mixed", tcGCC, mixed, nil, want{dpie, true, false, RELROPartial, true, CanaryPartial, glibc, FortifyNo, false, nil, nil}},
	{"gcc/nopie/ssp/now", tcGCC, join([]string{"-fno-pie"}, ssp), join([]string{"-no-pie"}, now), want{TypeDynamic, false, false, RELROFull, true, CanaryYes, glibc, FortifyNo, false, nil, nil}},
	{"gcc/pie/norelro", tcGCC, ssp, norelro, want{dpie, true, false, RELRONone, true, CanaryYes, glibc, FortifyNo, false, nil, nil}},
	{"gcc/pie/execstack", tcGCC, ssp, execstak, want{dpie, true, false, RELROPartial, false, CanaryYes, glibc, FortifyNo, false, nil, nil}},
	{"gcc/pie/fortify", tcGCC, join([]string{"-D_FORTIFY_SOURCE=2"}, ssp), now, want{dpie, true, false, RELROFull, true, CanaryYes, glibc, FortifyYes, false, nil, nil}},
	{"gcc/pie/rpath", tcGCC, ssp, []string{"-Wl,-rpath,/opt/kiln/lib", "-Wl,--disable-new-dtags"}, want{dpie, true, false, RELROPartial, true, CanaryYes, glibc, FortifyNo, false, []string{"/opt/kiln/lib"}, nil}},
	{"gcc/pie/runpath", tcGCC, ssp, []string{"-Wl,-rpath,/opt/kiln/lib", "-Wl,--enable-new-dtags"}, want{dpie, true, false, RELROPartial, true, CanaryYes, glibc, FortifyNo, false, nil, []string{"/opt/kiln/lib"}}},
	// glibc, static: libc.a brings ~110 guarded frames of its own; the program's 400
	// decide. Without -z now a static glibc binary keeps IRELATIVE slots writable.
	{"gcc/static/ssp", tcGCC, ssp, []string{"-static"}, want{TypeStatic, false, true, RELROPartial, true, CanaryYes, glibc, FortifyUnknown, false, nil, nil}},
	{"gcc/static/nossp/now", tcGCC, nossp, join([]string{"-static"}, now), want{TypeStatic, false, true, RELROFull, true, CanaryNo, glibc, FortifyUnknown, false, nil, nil}},
	{"gcc/static/norelro", tcGCC, ssp, join([]string{"-static"}, norelro), want{TypeStatic, false, true, RELRONone, true, CanaryYes, glibc, FortifyUnknown, false, nil, nil}},
	{"gcc/static-pie/ssp/now", tcGCC, ssp, join([]string{"-static-pie"}, now), want{spie, true, true, RELROFull, true, CanaryYes, glibc, FortifyUnknown, false, nil, nil}},
	{"gcc/static-pie/nossp/now", tcGCC, nossp, join([]string{"-static-pie"}, now), want{spie, true, true, RELROFull, true, CanaryNo, glibc, FortifyUnknown, false, nil, nil}},
	// musl, dynamic (musl-gcc links against /lib/ld-musl-x86_64.so.1).
	{"musl/pie/ssp/now", tcMusl, ssp, now, want{dpie, true, false, RELROFull, true, CanaryYes, musl, FortifyMusl, false, nil, nil}},
	{"musl/pie/nossp", tcMusl, nossp, nil, want{dpie, true, false, RELROPartial, true, CanaryNo, musl, FortifyMusl, false, nil, nil}},
	// musl, static (non-PIE): no dynamic section, nothing bound lazily, so RELRO is full.
	{"musl/static/ssp", tcMusl, ssp, []string{"-static"}, want{TypeStatic, false, true, RELROFull, true, CanaryYes, musl, FortifyMusl, false, nil, nil}},
	{"musl/static/nossp", tcMusl, nossp, []string{"-static"}, want{TypeStatic, false, true, RELROFull, true, CanaryNo, musl, FortifyMusl, false, nil, nil}},
	{"musl/static/mixed", tcMusl, mixed, []string{"-static"}, want{TypeStatic, false, true, RELROFull, true, CanaryPartial, musl, FortifyMusl, false, nil, nil}},
	{"musl/static/norelro", tcMusl, ssp, join([]string{"-static"}, norelro), want{TypeStatic, false, true, RELRONone, true, CanaryYes, musl, FortifyMusl, false, nil, nil}},
	{"musl/static/execstack", tcMusl, ssp, join([]string{"-static"}, execstak), want{TypeStatic, false, true, RELROFull, false, CanaryYes, musl, FortifyMusl, false, nil, nil}},
	{"musl/static/fortify", tcMusl, join([]string{"-D_FORTIFY_SOURCE=2"}, ssp), []string{"-static"}, want{TypeStatic, false, true, RELROFull, true, CanaryYes, musl, FortifyMusl, false, nil, nil}},
	// -N (omagic) puts text and data in one RWX segment.
	{"musl/static/wx", tcMusl, ssp, []string{"-static", "-Wl,-N"}, want{TypeStatic, false, true, RELRONone, true, CanaryYes, musl, FortifyMusl, true, nil, nil}},
	// musl static-PIE: what kiln ships.
	{"static-pie/ssp/now", tcStaticPIE, ssp, now, want{spie, true, true, RELROFull, true, CanaryYes, musl, FortifyMusl, false, nil, nil}},
	{"static-pie/nossp/now", tcStaticPIE, nossp, now, want{spie, true, true, RELROFull, true, CanaryNo, musl, FortifyMusl, false, nil, nil}},
	{"static-pie/mixed/now", tcStaticPIE, mixed, now, want{spie, true, true, RELROFull, true, CanaryPartial, musl, FortifyMusl, false, nil, nil}},
	{"static-pie/ssp/lazy", tcStaticPIE, ssp, lazy, want{spie, true, true, RELROPartial, true, CanaryYes, musl, FortifyMusl, false, nil, nil}},
	// Packed relative relocations (.relr.dyn, DT_RELR): kiln's default image.
	{"static-pie/ssp/now/relr", tcStaticPIE, ssp, join(now, relr), want{spie, true, true, RELROFull, true, CanaryYes, musl, FortifyMusl, false, nil, nil}},
	{"static-pie/mixed/now/relr", tcStaticPIE, mixed, join(now, relr), want{spie, true, true, RELROFull, true, CanaryPartial, musl, FortifyMusl, false, nil, nil}},
	{"static-pie/ssp/lazy/relr", tcStaticPIE, ssp, join(lazy, relr), want{spie, true, true, RELROPartial, true, CanaryYes, musl, FortifyMusl, false, nil, nil}},
	{"static-pie/ssp/norelro", tcStaticPIE, ssp, norelro, want{spie, true, true, RELRONone, true, CanaryYes, musl, FortifyMusl, false, nil, nil}},
	{"static-pie/ssp/execstack", tcStaticPIE, ssp, join(now, execstak), want{spie, true, true, RELROFull, false, CanaryYes, musl, FortifyMusl, false, nil, nil}},
}

// TestELF audits every binary of the matrix, unstripped and stripped, and expects
// the same verdicts from both: stripping must never change what kiln reports.
func TestELF(t *testing.T) {
	testenv.Require(t, "gcc", "musl-gcc", "strip")
	for _, c := range elfCases {
		for _, strip := range []bool{false, true} {
			name := c.name
			if strip {
				name += "/stripped"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				bin := buildBinary(t, c.tc, c.cflags, c.ldflags, strip)
				r, err := ELFFile(bin)
				if err != nil {
					t.Fatal(err)
				}
				checkReport(t, r, c.want, strip, c.ldflags)
				t.Logf("canary %s: %+v", r.Canary, r.CanaryStats)
			})
		}
	}
}

func checkReport(t *testing.T, r ELFReport, w want, strip bool, ldflags []string) {
	t.Helper()
	// Every binary linked with -z pack-relative-relocs must really have DT_RELR (else the
	// RELR cases test nothing), and no other one.
	if wantRELR := contains(ldflags, relr[0]); r.RELR != wantRELR {
		t.Errorf("RELR = %v, want %v", r.RELR, wantRELR)
	}
	got := want{r.Type, r.PIE, r.Static, r.RELRO, r.NX, r.Canary, r.Libc, r.Fortify, r.WX, r.RPath, r.RunPath}
	if !reflect.DeepEqual(got, w) {
		t.Errorf("report mismatch\n got: %+v\nwant: %+v\nstats: %+v", got, w, r.CanaryStats)
	}
	if r.Stripped != strip {
		t.Errorf("Stripped = %v, want %v", r.Stripped, strip)
	}
	if (r.Interp != "") == w.static {
		t.Errorf("Interp = %q for a static=%v binary", r.Interp, w.static)
	}
	if r.TextRel {
		t.Errorf("TextRel = true for an executable")
	}
	if r.Fortify == FortifyYes && !contains(r.Fortified, "__sprintf_chk") {
		t.Errorf("Fortified = %q, want __sprintf_chk among them", r.Fortified)
	}
	st := r.CanaryStats
	if st.Method != MethodGuardScan {
		t.Errorf("canary method = %q", st.Method)
	}
	if w.canary == CanaryYes && st.GuardLoads < nFuncs {
		t.Errorf("GuardLoads = %d, want at least the program's %d", st.GuardLoads, nFuncs)
	}
	if w.canary == CanaryYes && r.Static && !strip && st.StackChkFailCalls < nFuncs {
		t.Errorf("StackChkFailCalls = %d, want at least %d in an unstripped static binary", st.StackChkFailCalls, nFuncs)
	}
	if strip && st.StackChkFailCalls != 0 {
		t.Errorf("StackChkFailCalls = %d without a symbol table", st.StackChkFailCalls)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestELFNoSectionHeaders audits binaries whose section headers are gone (as
// sstrip leaves them): everything must come from the program headers alone.
func TestELFNoSectionHeaders(t *testing.T) {
	testenv.Require(t, "gcc", "musl-gcc", "strip")
	for _, c := range elfCases {
		if c.tc != tcStaticPIE {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			data, err := os.ReadFile(buildBinary(t, c.tc, c.cflags, c.ldflags, true))
			if err != nil {
				t.Fatal(err)
			}
			// e_shoff, e_shnum and e_shstrndx of an ELF64 header.
			clear(data[0x28:0x30])
			clear(data[0x3c:0x40])
			r, err := ELF(c.name, bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			checkReport(t, r, c.want, true, c.ldflags)
		})
	}
}

// TestELFSharedObject covers a library, and text relocations with the always-on gate.
func TestELFSharedObject(t *testing.T) {
	testenv.Require(t, "gcc")
	r, err := ELFFile(buildTextRelLib(t))
	if err != nil {
		t.Fatal(err)
	}
	if r.Type != TypeSharedObject || r.PIE || r.Static || !r.TextRel {
		t.Errorf("got type %q pie %v static %v textrel %v, want shared-object, not PIE, not static, textrel",
			r.Type, r.PIE, r.Static, r.TextRel)
	}
	vs := Check(r, nil)
	if len(vs) != 1 || vs[0].Property != "textrel" {
		t.Errorf("Check = %v, want one textrel violation", vs)
	}
}

// TestELFNotELF: scripts, empty and tiny files are ErrNotELF; a broken ELF is not.
func TestELFNotELF(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{
		"script": "#!/bin/sh\necho hi\n",
		"empty":  "",
		"tiny":   "\x7fE",
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := ELFFile(p); !errors.Is(err, ErrNotELF) {
			t.Errorf("%s: err = %v, want ErrNotELF", name, err)
		}
	}
	broken := append([]byte("\x7fELF"), bytes.Repeat([]byte{0xff}, 60)...)
	_, err := ELF("broken", bytes.NewReader(broken))
	if err == nil || errors.Is(err, ErrNotELF) {
		t.Errorf("broken ELF: err = %v, want a parse error that is not ErrNotELF", err)
	}
	if _, err := ELFFile(filepath.Join(dir, "missing")); err == nil || errors.Is(err, ErrNotELF) {
		t.Errorf("missing file: err = %v, want an open error", err)
	}
}

// TestGate runs the spec's full policy over kiln's kind of binary (musl static-PIE,
// stripped) and over the same program built without the protector.
func TestGate(t *testing.T) {
	testenv.Require(t, "gcc", "musl-gcc", "strip")
	all := []string{"pie", "relro", "bindnow", "nx", "canary", "static", "stripped"}

	good, err := ELFFile(buildBinary(t, tcStaticPIE, ssp, now, true))
	if err != nil {
		t.Fatal(err)
	}
	if vs := Check(good, all); len(vs) != 0 {
		t.Errorf("hardened static-PIE fails the gate: %v", vs)
	}

	bin := buildBinary(t, tcStaticPIE, nossp, lazy, true)
	bad, err := ELFFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, v := range Check(bad, all) {
		msgs = append(msgs, v.Error())
	}
	wantMsgs := []string{
		bin + `: bindnow: got "partial", want "full"`,
		bin + `: canary: got "no", want "yes"`,
	}
	if !reflect.DeepEqual(msgs, wantMsgs) {
		t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(wantMsgs, "\n"))
	}
}

// TestHAProxy audits a real kiln-built HAProxy when KILN_TEST_HAPROXY names one
// (e.g. /nix/store/...-haproxy-3.0.11/bin/haproxy, built with the full policy).
func TestHAProxy(t *testing.T) {
	p := testenv.Env(t, "KILN_TEST_HAPROXY", "a kiln-built HAProxy binary")
	r, err := ELFFile(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %+v", p, r.CanaryStats)
	if r.Type != TypeStaticPIE || r.Libc != LibcMusl || r.Fortify != FortifyMusl {
		t.Errorf("type %q libc %q fortify %q, want static-pie, musl, %q", r.Type, r.Libc, r.Fortify, FortifyMusl)
	}
	all := []string{"pie", "relro", "bindnow", "nx", "canary", "static", "stripped"}
	if vs := Check(r, all); len(vs) != 0 {
		t.Errorf("the kiln-built HAProxy fails the gate: %v", vs)
	}
}

// BenchmarkELF audits a static glibc binary (the biggest of the matrix, about
// 0.9 MB) and, when KILN_TEST_HAPROXY is set, the 2.2 MB HAProxy.
func BenchmarkELF(b *testing.B) {
	testenv.Require(b, "gcc", "strip")
	bins := map[string]string{"glibc-static": buildBinary(b, tcGCC, ssp, []string{"-static"}, true)}
	if p := os.Getenv("KILN_TEST_HAPROXY"); p != "" {
		bins["haproxy"] = p
	}
	for name, p := range bins {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := ELF(name, bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
