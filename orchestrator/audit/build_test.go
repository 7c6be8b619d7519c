package audit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The tests compile real programs; objects and binaries are shared by every test
// through buildDir, so each compiler/flag combination is built once per run.
var buildDir string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "kiln-audit-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

// nFuncs is how many array-holding functions the test program has: enough that
// its own frames outnumber libc's (glibc's libc.a brings ~170 large frames into a
// static printf program, musl ~10), as HAProxy's own code does for real.
const nFuncs = 400

// programSource is a C program with n functions that each hold a char array, so
// -fstack-protector-strong guards every one. With -DMIXED the even ones opt out
// (no_stack_protector), giving a half-protected program. The sprintf is what
// _FORTIFY_SOURCE turns into __sprintf_chk.
func programSource(n int) string {
	var b strings.Builder
	b.WriteString("#include <stdio.h>\n#include <string.h>\n")
	b.WriteString("#ifdef MIXED\n#define NOSSP __attribute__((no_stack_protector))\n#else\n#define NOSSP\n#endif\n")
	for i := 0; i < n; i++ {
		attr := ""
		if i%2 == 0 {
			attr = " NOSSP"
		}
		fmt.Fprintf(&b, "__attribute__((noinline))%s int f%d(const char *s) { char buf[64]; strncpy(buf, s, sizeof buf - 1); buf[sizeof buf - 1] = 0; return (int)strlen(buf) * %d + buf[%d]; }\n", attr, i, i, i%60)
	}
	b.WriteString("static int (*const tab[])(const char *) = {")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "f%d,", i)
	}
	b.WriteString("};\n")
	b.WriteString(`__attribute__((noinline)) int fort(const char *s) { char out[32]; sprintf(out, "<%s>", s); return (int)strlen(out); }
int main(int argc, char **argv) {
	const char *s = argc > 1 ? argv[1] : "x";
	int t = fort(s);
	for (unsigned i = 0; i < sizeof tab / sizeof tab[0]; i++) t += tab[i](s);
	printf("%d\n", t);
	return 0;
}
`)
	return b.String()
}

// libSource is a tiny library; built -fno-pic -mcmodel=large into a shared object
// with -z notext, its absolute address of g needs a text relocation.
const libSource = "int g; int get(void) { return g; }\n"

// A toolchain names how a test binary is compiled and linked.
const (
	tcGCC       = "gcc"        // Debian gcc with glibc
	tcMusl      = "musl-gcc"   // Debian's musl-gcc wrapper
	tcStaticPIE = "static-pie" // gcc with testdata/static-pie.specs: musl static-PIE
)

// compiler returns the command and the flags every step of toolchain tc needs.
func compiler(t testing.TB, tc string) (string, []string) {
	switch tc {
	case tcGCC, tcMusl:
		return tc, nil
	case tcStaticPIE:
		specs, err := filepath.Abs("testdata/static-pie.specs")
		if err != nil {
			t.Fatal(err)
		}
		return "gcc", []string{"-specs=" + specs, "-fPIE"}
	}
	t.Fatalf("unknown toolchain %q", tc)
	return "", nil
}

type once struct {
	sync.Once
	path string
	err  error
}

var (
	cacheMu sync.Mutex
	cache   = map[string]*once{}
)

// cached runs make once per key (concurrent callers wait) and returns its result.
func cached(key string, make func() (string, error)) (string, error) {
	cacheMu.Lock()
	o := cache[key]
	if o == nil {
		o = &once{}
		cache[key] = o
	}
	cacheMu.Unlock()
	o.Do(func() { o.path, o.err = make() })
	return o.path, o.err
}

// fileName turns a cache key into a short, unique, safe file name.
func fileName(key string) string {
	r := strings.NewReplacer(" ", "_", "/", "_", ",", "_", "=", "_", ".", "_")
	return r.Replace(key)
}

func run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// buildBinary compiles the test program with cflags, links it with ldflags and,
// if strip, strips it with strip --strip-all; it returns the binary's path.
func buildBinary(t testing.TB, tc string, cflags, ldflags []string, strip bool) string {
	t.Helper()
	cc, base := compiler(t, tc)
	srcPath, err := cached("src", func() (string, error) {
		p := filepath.Join(buildDir, "prog.c")
		return p, os.WriteFile(p, []byte(programSource(nFuncs)), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	objKey := tc + " " + strings.Join(cflags, " ")
	obj, err := cached("obj "+objKey, func() (string, error) {
		o := filepath.Join(buildDir, fileName(objKey)+".o")
		args := append(append(append([]string{}, base...), "-O2"), cflags...)
		return o, run(cc, append(args, "-c", srcPath, "-o", o)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	binKey := objKey + " link " + strings.Join(ldflags, " ")
	bin, err := cached("bin "+binKey, func() (string, error) {
		b := filepath.Join(buildDir, fileName(binKey))
		args := append(append(append([]string{}, base...), cflags...), ldflags...)
		return b, run(cc, append(args, obj, "-o", b)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strip {
		return bin
	}
	stripped, err := cached("strip "+binKey, func() (string, error) {
		s := bin + ".stripped"
		return s, run("strip", "--strip-all", bin, "-o", s)
	})
	if err != nil {
		t.Fatal(err)
	}
	return stripped
}

// buildTextRelLib builds a shared object with text relocations.
func buildTextRelLib(t testing.TB) string {
	t.Helper()
	p, err := cached("textrel", func() (string, error) {
		src := filepath.Join(buildDir, "lib.c")
		if err := os.WriteFile(src, []byte(libSource), 0o644); err != nil {
			return "", err
		}
		so := filepath.Join(buildDir, "libtextrel.so")
		return so, run("gcc", "-shared", "-fno-pic", "-mcmodel=large", "-Wl,-z,notext", src, "-o", so)
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
