// Command loadbench measures HAProxy binaries under load against a reference binary and
// prints a markdown table of ratios (scripts/bench-load.sh builds the binaries and runs it).
//
// Each binary runs alone with nbthread 1, pinned to the first CPU; wrk and, for the proxied
// scenarios, a backend (the reference binary, the same for every variant) run pinned to the
// second. Rounds are interleaved (every scenario × every binary once per round) so slow drift
// in the machine's state hits all binaries alike; the figure of a cell is its median. A run
// during which CPU was used outside the benchmark's own processes (from /proc/stat, minus
// the CPU time of haproxy, the backend and wrk) is discarded and retried.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// binFlag collects repeated -bin label=path flags in order.
type binFlag []binary

type binary struct{ label, path string }

func (b *binFlag) String() string { return fmt.Sprint(*b) }

func (b *binFlag) Set(v string) error {
	// The label may hold "=" (optimize=speed); the path is absolute and holds none.
	i := strings.LastIndex(v, "=/")
	if i <= 0 {
		return fmt.Errorf("%q: want LABEL=/ABSOLUTE/PATH", v)
	}
	label, path := v[:i], v[i+1:]
	*b = append(*b, binary{label, path})
	return nil
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ";") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var bins binFlag
	var tunes listFlag
	var targets targetFlag
	var comparisons compareFlag
	ref := fs.String("ref", "", "the reference haproxy binary (ratios are against it; it also serves as the backend)")
	fs.Var(&bins, "bin", "LABEL=PATH of a haproxy binary to measure (repeatable)")
	fs.Var(&tunes, "tune", "a global line (tune.*) every haproxy runs with (repeatable)")
	fs.Var(&targets, "target", "FIGURE@LABEL>=RATIO or FIGURE@LABEL<=RATIO: a figure (a scenario, or rss) the binary LABEL should reach, judged by its median's interval after the table (repeatable)")
	fs.Var(&comparisons, "compare", `"NEW vs OLD": two measured binaries (-bin labels, or "reference"), NEW's runs over OLD's in the same rounds, in a table of their own after the targets (repeatable)`)
	rounds := fs.Int("rounds", 5, "interleaved rounds")
	duration := fs.Duration("duration", 10*time.Second, "length of one measured run")
	warmup := fs.Duration("warmup", time.Second, "unmeasured load before each run")
	conns := fs.Int("connections", 100, "wrk connections")
	disturb := fs.Float64("disturb", 0.05, "cores used outside the benchmark above which a run is disturbed")
	retries := fs.Int("retries", 2, "retries of a disturbed run before it is kept and counted as disturbed")
	cpus := fs.String("cpus", "0,1", "HAPROXY_CPU,LOAD_CPU")
	instr := fs.Bool("instructions", false, "also count instructions per request under valgrind (cachegrind)")
	instrShort := fs.Duration("instructions-short", 2*time.Second, "the short load of the instruction count")
	instrLong := fs.Duration("instructions-long", 6*time.Second, "the long load of the instruction count")
	only := fs.String("scenarios", "", "comma-separated scenarios to measure (direct, pipelined, proxied, gzip; default all): a long run of one or two can decide what a short run of all four cannot")
	aa := fs.Bool("aa", false, "also measure the reference as if it were one more binary: its column is what the machine's noise alone does to a ratio")
	shared := fs.Bool("shared", false, "run each binary at the same time as the reference, both on the haproxy CPU, each with its own wrk: the ratios are those of runs that shared the machine's state, not runs seconds apart (the A/A column shows how much closer to 1.00 that brings them)")
	check := fs.Bool("check", false, "check the other flags and exit without measuring (-ref and -bin not needed): for a script, before it spends minutes building the binaries")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q: every input is a flag", fs.Args())
	}
	hcpu, lcpu, ok := strings.Cut(*cpus, ",")
	if !ok {
		return fmt.Errorf("-cpus %q: want HAPROXY_CPU,LOAD_CPU", *cpus)
	}
	for _, t := range tunes {
		if !strings.HasPrefix(t, "tune.") || strings.ContainsAny(t, "\n\r") {
			return fmt.Errorf("-tune %q: want one tune.* line", t)
		}
	}
	var picked []scenario
	if *only != "" {
		var err error
		if picked, err = pickScenarios(*only); err != nil {
			return err
		}
	}
	switch {
	case *rounds < 1:
		return fmt.Errorf("-rounds %d: want at least 1", *rounds)
	case *duration <= 0 || *warmup < 0:
		return fmt.Errorf("-duration %v, -warmup %v: want a positive run and a warm-up of 0 or more", *duration, *warmup)
	case *conns < 1:
		return fmt.Errorf("-connections %d: want at least 1", *conns)
	}
	if *instr {
		if _, err := exec.LookPath("valgrind"); err != nil {
			return errors.New("-instructions needs valgrind (make setup installs it)")
		}
		if *instrLong <= *instrShort {
			return fmt.Errorf("-instructions-long %v must be longer than -instructions-short %v", *instrLong, *instrShort)
		}
	}
	if *check {
		return nil
	}
	if *ref == "" || len(bins) == 0 {
		return errors.New("need -ref and at least one -bin")
	}
	for _, x := range bins {
		if x.label == refLabel {
			return fmt.Errorf("-bin %s=%s: %q names the reference (-ref) in -compare; label this binary otherwise", x.label, x.path, refLabel)
		}
	}
	if *aa {
		bins = append(bins, binary{aaLabel, *ref})
	}
	if err := checkTargets(targets, bins); err != nil {
		return err
	}
	if err := checkComparisons(comparisons, bins); err != nil {
		return err
	}
	b := &bench{
		ref:         binary{"reference", *ref},
		bins:        bins,
		only:        picked,
		tunes:       tunes,
		targets:     targets,
		comparisons: comparisons,
		duration:    *duration,
		warmup:      *warmup,
		conns:       *conns,
		disturb:     *disturb,
		retries:     *retries,
		hcpu:        hcpu,
		lcpu:        lcpu,
		log:         stderr,
		shared:      *shared,
	}
	if *instr {
		b.instrShort, b.instrLong = *instrShort, *instrLong
	}
	res, err := b.run(*rounds)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, res.table(b))
	return nil
}
