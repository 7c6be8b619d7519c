package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/internal/testenv"
)

// `make bench-load` runs on a fresh machine and prints its table: the script builds the
// glibc reference from the pinned tarball (cached for later runs), builds kiln's default
// image's haproxy, runs every scenario against real haproxy processes under wrk and prints
// one row per figure. One short round, no instruction count: this checks that the benchmark
// works and what its table holds, not the figures (those are the README's, from `make
// bench-load` on a quiet machine).
func TestBenchLoadPrintsTable(t *testing.T) {
	m := mirror(t)
	testenv.Require(t, "wrk", "taskset", "make", "gcc")
	cmd := exec.Command("bash", "../../scripts/bench-load.sh", kilnBin, m)
	cmd.Env = append(os.Environ(), "ROUNDS=1", "DURATION=1s", "INSTRUCTIONS=0", "VARIANTS=default", "RETRIES=0", "AA=1",
		"COMPARE=kiln default (balanced) vs reference")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bench-load.sh: %v\n%s", err, tailLines(stderr.String(), 30))
	}
	if strings.Contains(stderr.String(), "wrote ") {
		t.Errorf("kiln init's \"wrote\" lines reached bench-load's output:\n%s", tailLines(stderr.String(), 30))
	}
	out := stdout.String()
	header := "| scenario (haproxy nbthread 1, pinned) | kiln default (balanced) | glibc reference again (A/A) | glibc reference |"
	if !strings.Contains(out, header) {
		t.Fatalf("no table header %q in:\n%s", header, out)
	}
	ratio := regexp.MustCompile(`^\d+\.\d\d×$`)
	ref := regexp.MustCompile(`^1\.00 \(([\d,]+) (req/s|req per CPU-s|req per user CPU-s|KiB)\)$`)
	for _, row := range []string{
		"direct `http-request return`",
		"16-deep pipelining",
		"proxied, per haproxy CPU-second",
		"gzip of a 64 KiB body",
		"peak RSS (VmHWM) after the direct run",
		"gzip of a 64 KiB body, per haproxy CPU-second",
		"direct `http-request return`, per haproxy user CPU-second",
		"proxied, per haproxy user CPU-second",
	} {
		var cells []string
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "| "+row+" |") && cells == nil { // the main table's row, not a comparison's
				cells = strings.Split(strings.Trim(strings.TrimPrefix(l, "| "+row+" |"), " |"), " | ")
			}
		}
		if len(cells) != 3 {
			t.Errorf("row %q: cells %q, want kiln's, the A/A and the reference's", row, cells)
			continue
		}
		for _, c := range cells[:2] {
			if !ratio.MatchString(c) {
				t.Errorf("row %q: cell %q is not a ratio", row, c)
			}
		}
		sub := ref.FindStringSubmatch(cells[2])
		if sub == nil {
			t.Errorf("row %q: reference cell %q", row, cells[2])
			continue
		}
		if n, err := strconv.Atoi(strings.ReplaceAll(sub[1], ",", "")); err != nil || n <= 0 {
			t.Errorf("row %q: the reference measured %q", row, sub[1])
		}
	}
	for _, want := range []string{"1 rounds × 1 s", "The A/A column is the reference measured again", "Every haproxy ran with: tune.memory.hot-size 8388608."} {
		if !strings.Contains(out, want) {
			t.Errorf("the table's notes lack %q:\n%s", want, out)
		}
	}
	// The default's targets follow, judged; one round gives no interval to judge them by.
	for _, target := range []string{"direct ≥ 0.95×", "pipelined ≥ 0.95×", "gzip ≥ 1.00×", "rss ≤ 0.70×"} {
		row := regexp.MustCompile(`(?m)^\| kiln default \(balanced\): ` + regexp.QuoteMeta(target) + ` \| \d+\.\d\d× \| not decided: too few rounds for an interval \(1; 6 or more give one\) \|$`)
		if !row.MatchString(out) {
			t.Errorf("no judged target %q in:\n%s", target, out)
		}
	}
	if strings.Contains(out, "optimize=speed:") {
		t.Errorf("targets of a variant not measured:\n%s", out)
	}
	// COMPARE: the default against the reference run by run, every figure a row; one round
	// gives no interval.
	cmpHeader := "| kiln default (balanced) against reference, paired by round | median [95 % interval] | difference |\n"
	_, compared, ok := strings.Cut(out, cmpHeader)
	if !ok {
		t.Fatalf("no comparison %q in:\n%s", cmpHeader, out)
	}
	for _, row := range []string{"gzip of a 64 KiB body", "peak RSS (VmHWM) after the direct run", "16-deep pipelining, per haproxy user CPU-second"} {
		re := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(row) + ` \| \d+\.\d\d× \| too few rounds for an interval \(1; 6 or more give one\) \|$`)
		if !re.MatchString(compared) {
			t.Errorf("no compared row %q in:\n%s", row, compared)
		}
	}
}

// TestBenchLoadShared: SHARED=1 runs each binary at the same time as a run of the reference
// on the one haproxy CPU (loadbench -shared), for the direct scenario and for the proxied
// one, whose two haproxies share the backend too; each cell is a ratio to the reference run
// beside it. The reference is the one the table test built (the same cache).
func TestBenchLoadShared(t *testing.T) {
	m := mirror(t)
	testenv.Require(t, "wrk", "taskset", "make", "gcc")
	cmd := exec.Command("bash", "../../scripts/bench-load.sh", kilnBin, m)
	cmd.Env = append(os.Environ(), "ROUNDS=1", "DURATION=1s", "INSTRUCTIONS=0", "VARIANTS=default", "RETRIES=0", "AA=1",
		"SHARED=1", "SCENARIOS=direct,proxied", "COMPARE=kiln default (balanced) vs glibc reference again (A/A)")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bench-load.sh: %v\n%s", err, tailLines(stderr.String(), 30))
	}
	out := stdout.String()
	for _, row := range []string{"direct `http-request return`", "proxied, per haproxy CPU-second", "peak RSS (VmHWM) after the direct run"} {
		re := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(row) + ` \| \d+\.\d\d× \| \d+\.\d\d× \| 1\.00 \([\d,]+ [^)]+\) \|$`)
		if !re.MatchString(out) {
			t.Errorf("no row %q of two ratios and the reference's figure in:\n%s", row, out)
		}
	}
	for _, want := range []string{
		"to the reference's run at the same time, on the same core",
		"4 kept runs", // two binaries beside the reference, two scenarios, one round
		"| kiln default (balanced) against glibc reference again (A/A), paired by round |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	// Every measured run was one of two at once: the log names the reference's run beside it.
	if n := strings.Count(stderr.String(), "(at the same time as "); n != 4 {
		t.Errorf("%d reference runs beside another, want 4:\n%s", n, tailLines(stderr.String(), 30))
	}
}

// A typo in bench-load's knobs fails at once, with the name it did not know, before the
// reference or any variant is built (minutes on a fresh machine): the reference's cache
// directory is never created.
func TestBenchLoadRefusesBadKnobsFirst(t *testing.T) {
	m := mirror(t)
	testenv.Require(t, "wrk", "taskset", "make", "gcc")
	for _, c := range []struct{ env, want string }{
		{"SCENARIOS=direct,fast", `"fast"`},
		{"VARIANTS=default fast", "unknown variant fast"},
		{"ROUNDS=0", "-rounds 0"},
		{"COMPARE=kiln default (balanced)/reference", `want "NEW vs OLD"`},
		{"COMPARE=new vs kiln default (balanced)", `nothing measured is labelled "new"`},
	} {
		cache := t.TempDir()
		cmd := exec.Command("bash", "../../scripts/bench-load.sh", kilnBin, m)
		cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache, "INSTRUCTIONS=0", c.env)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%s: %v, stderr %q; want exit status 2 naming %q", c.env, err, stderr.String(), c.want)
		}
		if _, err := os.Stat(filepath.Join(cache, "kiln")); !os.IsNotExist(err) {
			t.Errorf("%s: the reference's cache was touched (%v): the check came after a build", c.env, err)
		}
	}
}

// The scripts run kiln init quietly, but never silently: init_spec (scripts/spec-variant.sh)
// hides what a successful command says and shows all of it, with its failure, when it fails.
func TestInitSpecQuietUnlessItFails(t *testing.T) {
	for _, c := range []struct {
		name, cmd, stdout, stderr string
		ok                        bool
	}{
		{"success", `echo "wrote kiln.toml" >&2; echo done`, "after\n", "", true},
		// set -e stops the script at a failed init_spec: nothing after it runs.
		{"failure", `echo "kiln: spec.toml:3: unknown key" >&2; exit 3`, "", "kiln: spec.toml:3: unknown key\n", false},
	} {
		script := `set -e; . ../../scripts/spec-variant.sh; init_spec sh -c '` + c.cmd + `'; echo after`
		cmd := exec.Command("bash", "-c", script)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if (err == nil) != c.ok || stderr.String() != c.stderr {
			t.Errorf("%s: %v, stderr %q; want ok=%v and stderr %q", c.name, err, stderr.String(), c.ok, c.stderr)
		}
		if stdout.String() != c.stdout {
			t.Errorf("%s: stdout %q, want %q", c.name, stdout.String(), c.stdout)
		}
	}
}
