package audit

import (
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/internal/testenv"
)

// verdicts maps a property (pie, canary, relro, nx) to a value in kiln's words:
// yes/no, or none/partial/full for relro.
type verdicts map[string]string

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func kilnVerdicts(r ELFReport) verdicts {
	return verdicts{"pie": yesNo(r.PIE), "canary": r.Canary, "relro": r.RELRO, "nx": yesNo(r.NX)}
}

// checksecVerdicts runs Debian's checksec (checksec.sh 2.x) in JSON mode.
func checksecVerdicts(t *testing.T, bin string) verdicts {
	out, err := exec.Command("checksec", "--output=json", "--file="+bin).Output()
	if err != nil {
		t.Fatalf("checksec %s: %v", bin, err)
	}
	var all map[string]map[string]string
	if err := json.Unmarshal(out, &all); err != nil {
		t.Fatalf("checksec output %q: %v", out, err)
	}
	c, ok := all[bin]
	if !ok {
		t.Fatalf("checksec output has no entry for %s: %s", bin, out)
	}
	relro := map[string]string{"full": RELROFull, "partial": RELROPartial, "no": RELRONone}[c["relro"]]
	return verdicts{"pie": yesNo(c["pie"] == "yes"), "canary": c["canary"], "relro": relro, "nx": c["nx"]}
}

// hardeningCheckVerdicts runs devscripts' hardening-check and reads its text
// report; it exits non-zero whenever a check fails, so only the output counts.
func hardeningCheckVerdicts(t *testing.T, bin string) verdicts {
	out, err := exec.Command("hardening-check", bin).Output()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("hardening-check %s: %v", bin, err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(l), ": ")
		if ok {
			lines[k] = strings.HasPrefix(v, "yes")
		}
	}
	relro := RELRONone
	switch {
	case lines["Read-only relocations"] && lines["Immediate binding"]:
		relro = RELROFull
	case lines["Read-only relocations"]:
		relro = RELROPartial
	}
	return verdicts{"pie": yesNo(lines["Position Independent Executable"]), "canary": yesNo(lines["Stack protected"]), "relro": relro}
}

// TestIndependentCheckers compares kiln with checksec and hardening-check where
// Debian has them (apt-get install checksec devscripts). They agree on ordinary
// dynamic binaries; on musl static-PIE they are wrong and kiln must differ:
// hardening-check calls it "no, regular shared library" and finds no stack
// protector in any static binary, and checksec finds "no canary" once the
// symbol table is stripped. TestELF pins kiln's values to the build flags.
func TestIndependentCheckers(t *testing.T) {
	// Both checkers are installed by `make test` (scripts/setup.sh): each is compared.
	testenv.Require(t, "gcc", "musl-gcc", "strip", "checksec", "hardening-check")
	tools := map[string]func(*testing.T, string) verdicts{
		"checksec":        checksecVerdicts,
		"hardening-check": hardeningCheckVerdicts,
	}
	tests := []struct {
		name    string
		tc      string
		cflags  []string
		ldflags []string
		strip   bool
		differ  map[string][]string // tool → properties where the tool is wrong
	}{
		{"gcc/pie/ssp/now", tcGCC, ssp, now, false, nil},
		{"gcc/pie/ssp/now/stripped", tcGCC, ssp, now, true, nil},
		{"gcc/pie/nossp/lazy", tcGCC, nossp, lazy, false, nil},
		{"gcc/nopie/ssp", tcGCC, join([]string{"-fno-pie"}, ssp), []string{"-no-pie"}, false, nil},
		{"gcc/pie/norelro", tcGCC, ssp, norelro, false, nil},
		{"gcc/pie/execstack", tcGCC, ssp, execstak, false, nil},
		{"static-pie/ssp/now", tcStaticPIE, ssp, now, false, map[string][]string{
			"hardening-check": {"pie", "canary"},
		}},
		{"static-pie/ssp/now/stripped", tcStaticPIE, ssp, now, true, map[string][]string{
			"checksec":        {"canary"},
			"hardening-check": {"pie", "canary"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bin := buildBinary(t, tt.tc, tt.cflags, tt.ldflags, tt.strip)
			r, err := ELFFile(bin)
			if err != nil {
				t.Fatal(err)
			}
			kiln := kilnVerdicts(r)
			for tool, run := range tools {
				theirs := run(t, bin)
				for prop, v := range theirs {
					wrong := contains(tt.differ[tool], prop)
					switch {
					case !wrong && v != kiln[prop]:
						t.Errorf("%s says %s %q, kiln %q", tool, prop, v, kiln[prop])
					case wrong && v == kiln[prop]:
						t.Errorf("%s says %s %q like kiln; expected it to be wrong here", tool, prop, v)
					case wrong:
						t.Logf("%s says %s %q, kiln (right) %q", tool, prop, v, kiln[prop])
					}
				}
			}
		})
	}
}
