package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const wrkOut = `Running 10s test @ http://127.0.0.1:4242/
  1 threads and 100 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   512.00us  101.00us   4.00ms   90.00%
    Req/Sec   190.00k     5.00k  200.00k    70.00%
  1890000 requests in 10.00s, 250.00MB read
  Socket errors: connect 0, read 100, write 0, timeout 0
Requests/sec: 189000.50
Transfer/sec:     25.00MB
`

func TestParseWrk(t *testing.T) {
	w, err := parseWrk(wrkOut)
	if err != nil {
		t.Fatal(err)
	}
	if w.rate != 189000.50 || w.requests != 1890000 || w.errors != 0 {
		t.Fatalf("got %+v", w)
	}
	bad := strings.Replace(wrkOut, "timeout 0", "timeout 3", 1) + "  Non-2xx or 3xx responses: 5\n"
	if w, _ := parseWrk(bad); w.errors != 8 {
		t.Fatalf("errors = %d, want 8 (timeouts and non-2xx; read errors are closes)", w.errors)
	}
	if _, err := parseWrk("unable to connect to 127.0.0.1:1 Connection refused"); err == nil {
		t.Fatal("a failed wrk run parsed")
	}
}

func TestParseStat(t *testing.T) {
	got, err := parseStat("cpu  180227 10 39625 63309 367 5 535 1233 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n")
	if err != nil {
		t.Fatal(err)
	}
	// user + nice + system + steal, in USER_HZ ticks; idle, iowait, irq and softirq left out.
	if want := (180227.0 + 10 + 39625 + 1233) / 100; math.Abs(got-want) > 1e-9 {
		t.Fatalf("busy = %v, want %v", got, want)
	}
	if _, err := parseStat("intr 1 2 3\n"); err == nil {
		t.Fatal("a /proc/stat without a cpu line parsed")
	}
}

func TestParseProcStat(t *testing.T) {
	// A command name with spaces and a parenthesis must not shift the fields.
	line := "4242 (ha (x) proxy) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 100 0 0"
	user, sys, err := parseProcStat(line)
	if err != nil {
		t.Fatal(err)
	}
	if user != 2.5 || sys != 0.5 {
		t.Fatalf("user %v s, system %v s, want 2.5 and 0.5 (250 and 50 ticks)", user, sys)
	}
}

func TestMedianAndTable(t *testing.T) {
	if m := median([]float64{5, 1, 3}); m != 3 {
		t.Fatalf("median = %v", m)
	}
	if m := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Fatalf("median = %v", m)
	}
	b := &bench{bins: []binary{{"default", "x"}}, duration: 10e9, tunes: []string{"tune.memory.hot-size 8388608"}}
	r := &results{rounds: 1, samples: make([][][]sample, len(scenarios))}
	for i := range scenarios {
		r.samples[i] = [][]sample{{{rate: 200000, perCPU: 210000, perUser: 700000, hwmKiB: 8000}}, {{rate: 190000, perCPU: 231000, perUser: 560000, hwmKiB: 4000, disturbed: true, outside: 0.3}}}
	}
	out := r.table(b)
	for _, want := range []string{"| direct `http-request return` | 0.95× | 1.00 (200,000 req/s) |", "| 0.50× | 1.00 (8,000 KiB) |", "| 16-deep pipelining, per haproxy CPU-second | 1.10× | 1.00 (210,000 req per CPU-s) |",
		"| proxied, per haproxy CPU-second | 0.95× | 1.00 (200,000 req per CPU-s) |",
		"| proxied, per haproxy user CPU-second | 0.80× | 1.00 (700,000 req per user CPU-s) |", "4 kept although disturbed", "tune.memory.hot-size 8388608"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// The A/A column (the reference measured again) gets its own line under the table saying
// what it is for; a table without one does not.
func TestAAColumnIsExplained(t *testing.T) {
	r := &results{rounds: 1, samples: make([][][]sample, len(scenarios))}
	for i := range scenarios {
		r.samples[i] = [][]sample{{{rate: 100, perCPU: 100, hwmKiB: 8000}}, {{rate: 90, perCPU: 90, hwmKiB: 4000}}, {{rate: 104, perCPU: 104, hwmKiB: 8000}}}
	}
	b := &bench{bins: []binary{{"default", "x"}, {aaLabel, "ref"}}, duration: 1e9}
	out := r.table(b)
	for _, want := range []string{"| 0.90× | 1.04× | 1.00 (100 req/s) |", "The A/A column is the reference measured again"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	for i := range r.samples {
		r.samples[i] = r.samples[i][:2]
	}
	b.bins = b.bins[:1]
	if out := r.table(b); strings.Contains(out, "A/A") {
		t.Errorf("a table without the A/A column explains one:\n%s", out)
	}
}

// A machine that slows down between rounds moves the reference and the binary alike: the
// cell is the median of the per-round ratios (here 0.90 in every round), not the ratio of
// the medians (0.95 / 1.00 would say something no round measured), with the range beside it.
func TestPairedRatios(t *testing.T) {
	ref := []sample{{rate: 100}, {rate: 200}, {rate: 150}}
	bin := []sample{{rate: 90}, {rate: 180}, {rate: 135}}
	if got := cell(pairedRatios(bin, ref, rateOf)); got != "0.90× (0.90–0.90)" {
		t.Errorf("steady ratio: %q", got)
	}
	bin = []sample{{rate: 80}, {rate: 200}, {rate: 165}}
	if got := cell(pairedRatios(bin, ref, rateOf)); got != "1.00× (0.80–1.10)" {
		t.Errorf("ratios 0.80, 1.00, 1.10: %q", got)
	}
	if got := cell(pairedRatios(bin[:1], ref, rateOf)); got != "0.80×" {
		t.Errorf("one round: %q", got)
	}
	if got := cell(pairedRatios(bin, []sample{{rate: 0}}, rateOf)); got != "n/a" {
		t.Errorf("no reference: %q", got)
	}
}

func TestBinFlag(t *testing.T) {
	var b binFlag
	if err := b.Set("kiln optimize=speed (-O2)=/nix/store/x-haproxy/bin/haproxy"); err != nil {
		t.Fatal(err)
	}
	if b[0].label != "kiln optimize=speed (-O2)" || b[0].path != "/nix/store/x-haproxy/bin/haproxy" {
		t.Fatalf("got %+v", b[0])
	}
	for _, bad := range []string{"default", "default=relative/haproxy", "=/abs"} {
		if err := b.Set(bad); err == nil {
			t.Errorf("-bin %q accepted", bad)
		}
	}
}

func TestCachegrindTotalAndInstructionRows(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cachegrind.out")
	os.WriteFile(p, []byte("desc: I1 cache: ...\ncmd: haproxy -f x\nevents: Ir\nfl=x.c\n1 5\nsummary: 450016778\n"), 0o644)
	if n, err := cachegrindTotal(p); err != nil || n != 450016778 {
		t.Fatalf("cachegrindTotal = %v, %v", n, err)
	}
	os.WriteFile(p, []byte("events: Ir\n"), 0o644)
	if _, err := cachegrindTotal(p); err == nil {
		t.Fatal("a file without a summary line was read")
	}
	b := &bench{bins: []binary{{"default", "x"}}, duration: 10e9, instrShort: 2e9, instrLong: 6e9}
	r := &results{rounds: 1, samples: make([][][]sample, len(scenarios)), instr: make([][]float64, len(scenarios))}
	for i := range scenarios {
		r.samples[i] = [][]sample{{{rate: 1, perCPU: 1, hwmKiB: 1}}, {{rate: 1, perCPU: 1, hwmKiB: 1}}}
		r.instr[i] = []float64{14000, 16000}
	}
	out := r.table(b)
	for _, want := range []string{"| direct `http-request return`, instructions per request | 0.88× (16,000) | 1.00 (14,000) |", "| proxied, instructions per request |", "between a 2s and a 6s load"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// The median's confidence interval is the sign test's: the ranks are those of the binomial
// tables (n = 6: the extremes, at 96.9 %; n = 20: the 6th from each end), and five rounds
// are too few for a 95 % interval at all.
func TestMedianCI(t *testing.T) {
	for n, want := range map[int]int{1: 0, 5: 0, 6: 1, 9: 2, 10: 2, 16: 4, 20: 6, 36: 12} {
		if got := ciRank(n); got != want {
			t.Errorf("ciRank(%d) = %d, want %d", n, got, want)
		}
	}
	v := []float64{0.99, 0.91, 0.97, 0.93, 0.96, 0.92, 1.02, 0.94, 0.96, 0.90}
	lo, hi, ok := medianCI(v)
	if !ok || lo != 0.91 || hi != 0.99 {
		t.Errorf("medianCI of 10 values = %v, %v, %v; want 0.91, 0.99 (2nd lowest, 2nd highest)", lo, hi, ok)
	}
	if _, _, ok := medianCI(v[:5]); ok {
		t.Error("five values gave a 95 % interval")
	}
	if got := cell(v); got != "0.95× (0.90–1.02) [0.91–0.99]" {
		t.Errorf("cell = %q", got)
	}
}

// -scenarios picks scenarios by key, in the table's order; a table of some scenarios has
// only their rows (no RSS row without the direct run) and, over six rounds or more, says
// what its square brackets are.
func TestPickScenarios(t *testing.T) {
	got, err := pickScenarios("gzip, pipelined")
	if err != nil || len(got) != 2 || got[0].key != "pipelined" || got[1].key != "gzip" {
		t.Fatalf("pickScenarios = %+v, %v", got, err)
	}
	for _, bad := range []string{"pipelined,fast", ",", "direct,Direct"} {
		if _, err := pickScenarios(bad); err == nil {
			t.Errorf("-scenarios %q accepted", bad)
		}
	}
	if _, err := pickScenarios("pipelined,fast"); err == nil || !strings.Contains(err.Error(), `"fast"`) || !strings.Contains(err.Error(), "direct, pipelined, proxied, gzip") {
		t.Errorf("error does not name the unknown scenario and the known ones: %v", err)
	}
	b := &bench{bins: []binary{{"default", "x"}}, only: got, duration: 4e9}
	r := &results{rounds: 6, samples: make([][][]sample, len(got))}
	for i := range got {
		r.samples[i] = [][]sample{nil, nil}
		for k := range 6 {
			f := float64(90 + k)
			r.samples[i][0] = append(r.samples[i][0], sample{rate: 100, perCPU: 100, perUser: 100, hwmKiB: 8000})
			r.samples[i][1] = append(r.samples[i][1], sample{rate: f, perCPU: f, perUser: f, hwmKiB: 4000})
		}
	}
	out := r.table(b)
	for _, want := range []string{"| 16-deep pipelining | 0.93× (0.90–0.95) [0.90–0.95] |", "| gzip of a 64 KiB body, per haproxy user CPU-second |",
		"from the lowest to the highest of the 6 rounds' ratios"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"direct", "proxied", "RSS"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("table of pipelined and gzip has %q:\n%s", unwanted, out)
		}
	}
}

// -check is what bench-load.sh runs before its builds: a bad flag fails in a second, not
// after minutes of builds, and loadbench stays the one place that knows its scenarios.
func TestCheckFlags(t *testing.T) {
	var stderr strings.Builder
	for _, ok := range [][]string{
		{"-check"},
		{"-check", "-scenarios", "direct,pipelined", "-rounds", "20", "-duration", "4s", "-tune", "tune.memory.hot-size 8388608"},
	} {
		if err := run(ok, &strings.Builder{}, &stderr); err != nil {
			t.Errorf("run(%q) = %v; want nil (no -ref or -bin needed)", ok, err)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-check", "-scenarios", "direct,fast"}, `"fast"`},
		{[]string{"-check", "-rounds", "0"}, "-rounds 0"},
		{[]string{"-check", "-duration", "0s"}, "-duration 0s"},
		{[]string{"-check", "-connections", "0"}, "-connections 0"},
		{[]string{"-check", "-tune", "nbthread 2"}, "want one tune.* line"},
		{[]string{"-check", "-cpus", "0"}, "HAPROXY_CPU,LOAD_CPU"},
		{[]string{"-check", "direct"}, "unexpected arguments"},
		{[]string{"-rounds", "3"}, "need -ref"},
		{[]string{"-check", "-target", "fast@default>=1"}, `unknown figure "fast"`},
		{[]string{"-ref", "/r", "-bin", "default=/x", "-target", "direct@kiln default>=1"}, `no -bin is labelled "kiln default"`},
	} {
		err := run(c.args, &strings.Builder{}, &stderr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("run(%q) = %v; want an error containing %q", c.args, err, c.want)
		}
	}
}
