package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// clockTick is USER_HZ, the unit of /proc/stat and /proc/PID/stat times (100 on Linux).
const clockTick = 100.0

type wrkResult struct {
	rate     float64 // Requests/sec
	requests int64   // "N requests in ..."
	errors   int64   // socket errors and non-2xx/3xx responses
}

var (
	reRate     = regexp.MustCompile(`(?m)^Requests/sec:\s+([0-9.]+)`)
	reRequests = regexp.MustCompile(`(?m)^\s+([0-9]+) requests in `)
	reSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	reNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

// parseWrk reads wrk's report.
func parseWrk(out string) (wrkResult, error) {
	var w wrkResult
	m := reRate.FindStringSubmatch(out)
	n := reRequests.FindStringSubmatch(out)
	if m == nil || n == nil {
		return w, fmt.Errorf("no rate in wrk's output: %q", out)
	}
	w.rate, _ = strconv.ParseFloat(m[1], 64)
	w.requests, _ = strconv.ParseInt(n[1], 10, 64)
	if s := reSocket.FindStringSubmatch(out); s != nil {
		// read errors count connections haproxy closed at the end; connect/write/timeout do not happen on a healthy run
		for _, v := range []string{s[1], s[3], s[4]} {
			x, _ := strconv.ParseInt(v, 10, 64)
			w.errors += x
		}
	}
	if s := reNon2xx.FindStringSubmatch(out); s != nil {
		x, _ := strconv.ParseInt(s[1], 10, 64)
		w.errors += x
	}
	if w.requests == 0 {
		return w, fmt.Errorf("wrk completed no request: %q", out)
	}
	return w, nil
}

// cpuBusy is the machine's CPU time in seconds spent running anything (user, nice, system)
// or taken by the hypervisor (steal), all CPUs together, from /proc/stat. Interrupt time is
// left out: loopback traffic's softirq work is the benchmark's own, charged to no process.
func cpuBusy() (float64, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	return parseStat(string(b))
}

func parseStat(s string) (float64, error) {
	line, _, _ := strings.Cut(s, "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	var total float64
	for _, i := range []int{1, 2, 3, 8} { // user nice system steal
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: %q: %w", line, err)
		}
		total += v
	}
	return total / clockTick, nil
}

// procCPU is the user+system CPU seconds the processes (all their threads) used so far.
func procCPU(pids ...int) (float64, error) {
	var total float64
	for _, pid := range pids {
		user, sys, err := procTimes(pid)
		if err != nil {
			return 0, err
		}
		total += user + sys
	}
	return total, nil
}

// procTimes is the user and the system CPU seconds one process (all its threads) used so far.
func procTimes(pid int) (user, sys float64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	if user, sys, err = parseProcStat(string(b)); err != nil {
		return 0, 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return user, sys, nil
}

func parseProcStat(s string) (user, sys float64, err error) {
	// The command name (field 2) may hold spaces and parentheses: fields count from the last ')'.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, errors.New("no command name")
	}
	f := strings.Fields(s[i+1:])
	// After the name: state(3) ... utime(14) stime(15), so utime is f[11], stime f[12].
	if len(f) < 13 {
		return 0, 0, errors.New("too few fields")
	}
	u, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, err
	}
	return u / clockTick, st / clockTick, nil
}

// vmHWM is the process's peak resident set size in KiB.
func vmHWM(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmHWM", pid)
}

// cachegrindTotal reads the instruction count from a cachegrind output file's summary line.
func cachegrindTotal(path string) (float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "summary:"); ok {
			f := strings.Fields(v)
			if len(f) == 0 {
				break
			}
			return strconv.ParseFloat(f[0], 64)
		}
	}
	return 0, fmt.Errorf("%s: no summary line", path)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// pairedRatios divides each of a binary's runs by the reference's run of the same round:
// rounds are interleaved, so the two ran minutes apart at most, and a machine whose speed
// drifts (a virtual machine's neighbours, thermal limits) moves both. The median of these
// ratios is steadier than the ratio of two medians taken over the whole benchmark.
func pairedRatios(bin, ref []sample, f func(sample) float64) []float64 {
	var v []float64
	for i := range min(len(bin), len(ref)) {
		if r := f(ref[i]); r > 0 && f(bin[i]) > 0 { // a run without the figure is left out
			v = append(v, f(bin[i])/r)
		}
	}
	return v
}

// cell renders a median ratio and, over more than one round, the range of the rounds' ratios
// and, over enough rounds for one, the median's confidence interval in square brackets.
func cell(ratios []float64) string {
	if len(ratios) == 0 {
		return "n/a"
	}
	c := fmt.Sprintf("%.2f×", median(ratios))
	if len(ratios) > 1 {
		c += fmt.Sprintf(" (%.2f–%.2f)", slices.Min(ratios), slices.Max(ratios))
	}
	if lo, hi, ok := medianCI(ratios); ok {
		c += fmt.Sprintf(" [%.2f–%.2f]", lo, hi)
	}
	return c
}

// ciRank is the rank j of the sign test's confidence interval for a median of n values at
// 95 % or more: the interval runs from the j-th lowest to the j-th highest value, j the
// largest for which fewer than j of n values fall below the median with probability at most
// 2.5 % (a binomial(n, ½) count). It assumes only that the rounds' ratios are independent
// draws around one median, not that they are normally distributed. 0: n is too small (< 6)
// for any such interval.
func ciRank(n int) int {
	j := 0
	p := math.Pow(0.5, float64(n)) // P(count = 0)
	cum := 0.0
	for k := 0; k < n; k++ {
		cum += p
		if cum > 0.025 {
			break
		}
		j = k + 1
		p = p * float64(n-k) / float64(k+1) // P(count = k+1)
	}
	return j
}

// medianCI is the 95 % confidence interval of v's median (ciRank); ok is false when v is
// too short for one.
func medianCI(v []float64) (lo, hi float64, ok bool) {
	j := ciRank(len(v))
	if j == 0 {
		return 0, 0, false
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[j-1], s[len(s)-j], true
}

func rateOf(x sample) float64    { return x.rate }
func perCPUOf(x sample) float64  { return x.perCPU }
func perUserOf(x sample) float64 { return x.perUser }
func hwmOf(x sample) float64     { return float64(x.hwmKiB) }

// values is f of every sample.
func values(s []sample, f func(sample) float64) []float64 {
	v := make([]float64, len(s))
	for i, x := range s {
		v[i] = f(x)
	}
	return v
}

// table renders, for every binary, the median of its runs' ratios to the reference's run of
// the same round (higher is faster; for RSS, lower is smaller) with their range, and the
// reference's own median figure in its column.
func (r *results) table(b *bench) string {
	var s strings.Builder
	s.WriteString("| scenario (haproxy nbthread 1, pinned) |")
	for _, bin := range b.bins {
		fmt.Fprintf(&s, " %s |", bin.label)
	}
	s.WriteString(" glibc reference |\n|---|")
	s.WriteString(strings.Repeat("---|", len(b.bins)+1))
	s.WriteString("\n")
	var outside []float64
	disturbed, kept := 0, 0
	var rssRow string
	for si, sc := range b.scenarios() {
		unit := "req/s"
		if sc.perCPU {
			unit = "req per CPU-s"
		}
		s.WriteString(r.ratioRow(b, si, sc.label(), rateOf, unit))
		if sc.rss {
			rssRow = r.ratioRow(b, si, "peak RSS (VmHWM) after the direct run", hwmOf, "KiB")
		}
		for c, cell := range r.samples[si] {
			if c == 0 && r.partner != nil {
				continue // with -shared, the reference's column repeats runs of the first binary's
			}
			for _, x := range cell {
				outside = append(outside, x.outside)
				kept++
				if x.disturbed {
					disturbed++
				}
			}
		}
	}
	s.WriteString(rssRow)
	// The same runs per haproxy CPU-second: on a machine where other load takes CPU from
	// haproxy, this is the figure that load disturbs least (it still pollutes caches).
	for si, sc := range b.scenarios() {
		if !sc.perCPU {
			s.WriteString(r.ratioRow(b, si, sc.name+", per haproxy CPU-second", perCPUOf, "req per CPU-s"))
		}
	}
	// The same runs per second of haproxy's user CPU time alone: its own code, without the
	// kernel's TCP path, which is most of a small request's time and moves most between runs.
	for si, sc := range b.scenarios() {
		s.WriteString(r.ratioRow(b, si, sc.name+", per haproxy user CPU-second", perUserOf, "req per user CPU-s"))
	}
	// Instructions per request: the reference's count over the binary's, so that higher is
	// better here too.
	for si, sc := range b.scenarios() {
		if r.instr == nil {
			break
		}
		fmt.Fprintf(&s, "| %s, instructions per request |", sc.name)
		ref := r.instr[si][0]
		for bi := range b.bins {
			if n := r.instr[si][bi+1]; n > 0 {
				fmt.Fprintf(&s, " %.2f× (%s) |", ref/n, thousands(n))
			} else {
				s.WriteString(" n/a |")
			}
		}
		fmt.Fprintf(&s, " 1.00 (%s) |\n", thousands(ref))
	}
	paired := "to the reference's run in the same round"
	if r.partner != nil {
		paired = "to the reference's run at the same time, on the same core (-shared: each binary and a reference, each with its own wrk, shared the haproxy CPU for the whole run; the reference's column gives its runs beside the first binary)"
	}
	fmt.Fprintf(&s, "\n%d rounds × %d s; each cell the median of the rounds' ratios %s (in brackets: the lowest and highest); %d kept runs; %d runs discarded as disturbed, %d kept although disturbed (retries exhausted); median CPU used outside the benchmark during a kept run: %.2f cores.\n",
		r.rounds, int(b.duration.Seconds()), paired, kept, r.discarded, disturbed, median(outside))
	if j := ciRank(r.rounds); j > 0 {
		rank := ""
		if j > 1 {
			rank = ordinal(j) + " "
		}
		fmt.Fprintf(&s, "In square brackets: a 95 %% confidence interval of that median (the sign test's: from the %slowest to the %shighest of the %d rounds' ratios). A target is met where the interval's low end is at or above it, missed where its high end is below it, and not decided by this run otherwise.\n",
			rank, rank, r.rounds)
	}
	if slices.ContainsFunc(b.bins, func(x binary) bool { return x.label == aaLabel }) {
		s.WriteString("The A/A column is the reference measured again as if it were one more binary: its distance from 1.00 is this machine's noise alone, the margin any other column's ratio must clear to mean a difference.\n")
	}
	if r.instr != nil {
		fmt.Fprintf(&s, "Instructions per request: valgrind's cachegrind, the difference between a %v and a %v load of each binary (the reference's count over the binary's: higher is fewer).\n", b.instrShort, b.instrLong)
	}
	if len(b.tunes) > 0 {
		fmt.Fprintf(&s, "Every haproxy ran with: %s.\n", strings.Join(b.tunes, "; "))
	}
	s.WriteString(r.targetRows(b))
	s.WriteString(r.compareRows(b))
	return s.String()
}

// ratioRow is one row of the table: every binary's cell of figure f in scenario si, then the
// reference's own median of it with its unit.
func (r *results) ratioRow(b *bench, si int, name string, f func(sample) float64, unit string) string {
	row := fmt.Sprintf("| %s |", name)
	for bi := range b.bins {
		row += fmt.Sprintf(" %s |", cell(r.ratios(si, bi+1, f)))
	}
	return row + fmt.Sprintf(" 1.00 (%s %s) |\n", thousands(median(values(r.samples[si][0], f))), unit)
}

// ratios are, round by round, figure f of binary column c over the reference run it is
// paired with: the reference's run of the same round, or with -shared its run at the same
// time as that binary's.
func (r *results) ratios(si, c int, f func(sample) float64) []float64 {
	ref := r.samples[si][0]
	if r.partner != nil && c > 0 {
		ref = r.partner[si][c]
	}
	return pairedRatios(r.samples[si][c], ref, f)
}

// between are, round by round, figure f of column n over that of column o. With -shared the
// two never ran at the same time, each beside a run of the reference: the ratio is then that
// of their ratios to those runs (the reference's own, column 0, is 1).
func (r *results) between(si, n, o int, f func(sample) float64) []float64 {
	if r.partner == nil {
		return pairedRatios(r.samples[si][n], r.samples[si][o], f)
	}
	rel := func(c, i int) float64 { // 0: the round has no such figure
		if c == 0 {
			return 1
		}
		if x, ref := f(r.samples[si][c][i]), f(r.partner[si][c][i]); x > 0 && ref > 0 {
			return x / ref
		}
		return 0
	}
	var v []float64
	for i := range len(r.samples[si][max(n, o)]) { // every binary has a run in every round
		if a, b := rel(n, i), rel(o, i); a > 0 && b > 0 {
			v = append(v, a/b)
		}
	}
	return v
}

func thousands(v float64) string {
	n := strconv.FormatInt(int64(v+0.5), 10)
	var out []byte
	for i := range n {
		if i > 0 && (len(n)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, n[i])
	}
	return string(out)
}

// ordinal writes 1 as "1st", 2 as "2nd", 12 as "12th".
func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}
