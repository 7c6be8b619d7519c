package main

import (
	"strings"
	"testing"
)

func TestParseComparison(t *testing.T) {
	for _, c := range []struct {
		in   string
		want comparison
	}{
		{"new vs kiln default (balanced)", comparison{"new", "kiln default (balanced)"}},
		{"kiln optimize=speed + profile vs reference", comparison{"kiln optimize=speed + profile", "reference"}},
		// A label may hold "vs" inside a word, "/" and "=".
		{"a/b=vs1 vs c", comparison{"a/b=vs1", "c"}},
	} {
		got, err := parseComparison(c.in)
		if err != nil || got != c.want {
			t.Errorf("parseComparison(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"new/old", `want "NEW vs OLD"`},
		{" vs old", "a label is empty"},
		{"new vs ", "a label is empty"},
		{"a vs b vs c", `more than one " vs "`},
		{"a vs a", "a binary against itself"},
	} {
		if _, err := parseComparison(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseComparison(%q) = %v; want an error containing %q", c.in, err, c.want)
		}
	}
}

func TestCompareVerdict(t *testing.T) {
	above := []float64{1.01, 1.02, 1.03, 1.04, 1.05, 1.06, 1.07, 1.08}
	across := []float64{0.96, 0.97, 0.98, 0.99, 1.00, 1.01, 1.02, 1.03}
	below := []float64{0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98}
	same := []float64{1, 1, 1, 1, 1, 1, 1, 1}
	for _, c := range []struct {
		ratios []float64
		lower  bool
		want   string
	}{
		{above, false, "**faster**"},
		{below, false, "**slower**"},
		{across, false, "no difference shown"},
		{same, false, "no difference shown"}, // an interval at 1.00 shows none
		{above, true, "**larger**"},
		{below, true, "**smaller**"},
		{above[:5], false, "too few rounds for an interval (5; 6 or more give one)"},
		{nil, false, "not measured"},
	} {
		if got := compareVerdict(c.ratios, c.lower); got != c.want {
			t.Errorf("compareVerdict(%v, %v) = %q, want %q", c.ratios, c.lower, got, c.want)
		}
	}
}

// A comparison pairs two binaries' runs of the same round, whichever columns they are in,
// the reference included; every figure of the run gets a row; a label no binary has is
// refused before the run.
func TestCompareRows(t *testing.T) {
	picked, err := pickScenarios("direct,pipelined")
	if err != nil {
		t.Fatal(err)
	}
	bins := []binary{{"old", "x"}, {"new", "y"}}
	var cs compareFlag
	for _, v := range []string{"new vs old", "old vs reference"} {
		if err := cs.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := checkComparisons(cs, bins); err != nil {
		t.Fatal(err)
	}
	b := &bench{bins: bins, only: picked, comparisons: cs, duration: 4e9}
	r := &results{rounds: 8, samples: make([][][]sample, len(picked))}
	for i := range picked {
		r.samples[i] = make([][]sample, 3)
		for k := range 8 {
			// The machine's speed swings by half from round to round; new is 3 % faster
			// than old in every round, and old 10 % slower than the reference.
			m := 1 + 0.5*float64(k%2)
			r.samples[i][0] = append(r.samples[i][0], sample{rate: 100 * m, perCPU: 100 * m, perUser: 100 * m, hwmKiB: 8000})
			r.samples[i][1] = append(r.samples[i][1], sample{rate: 90 * m, perCPU: 90 * m, perUser: 90 * m, hwmKiB: 4000})
			r.samples[i][2] = append(r.samples[i][2], sample{rate: 92.7 * m, perCPU: 92.7 * m, perUser: 92.7 * m, hwmKiB: 4100})
		}
	}
	out := r.table(b)
	for _, want := range []string{
		"| new against old, paired by round | median [95 % interval] | difference |",
		"| direct `http-request return` | 1.03× (1.03–1.03) [1.03–1.03] | **faster** |",
		"| peak RSS (VmHWM) after the direct run | 1.02× (1.02–1.02) [1.02–1.02] | **larger** |",
		"| 16-deep pipelining, per haproxy user CPU-second | 1.03× (1.03–1.03) [1.03–1.03] | **faster** |",
		"| old against reference, paired by round |",
		"| direct `http-request return`, per haproxy CPU-second | 0.90× (0.90–0.90) [0.90–0.90] | **slower** |",
		"| peak RSS (VmHWM) after the direct run | 0.50× (0.50–0.50) [0.50–0.50] | **smaller** |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "| direct `http-request return`, per haproxy user CPU-second |"); n != 3 {
		t.Errorf("%d rows of direct per user CPU-second, want 3 (the table's and one per comparison):\n%s", n, out)
	}
	b.comparisons = nil
	if out := r.table(b); strings.Contains(out, "paired by round") {
		t.Errorf("a run without comparisons prints one:\n%s", out)
	}
	err = checkComparisons([]comparison{{"new", "kiln default"}}, bins)
	if err == nil || !strings.Contains(err.Error(), `no binary is labelled "kiln default"`) || !strings.Contains(err.Error(), `"reference", "old", "new"`) {
		t.Errorf("checkComparisons with an unknown label: %v", err)
	}
}

// "reference" names the reference in -compare, so no -bin may take it as its label.
func TestBinLabelledReferenceRefused(t *testing.T) {
	var out, errs strings.Builder
	err := run([]string{"-ref", "/bin/true", "-bin", "reference=/bin/true"}, &out, &errs)
	if err == nil || !strings.Contains(err.Error(), `"reference" names the reference (-ref) in -compare`) {
		t.Errorf("run with a -bin labelled reference: %v", err)
	}
}

// TestSharedRatios: with -shared every binary's ratios divide by the reference run beside it,
// whose speed is that of the machine during that run, not of the round's other runs: here
// each run's speed swings independently, yet old is 0.95× and new 0.97× the reference run
// beside it every time, and the table, the targets and the comparisons say exactly that.
func TestSharedRatios(t *testing.T) {
	picked, err := pickScenarios("direct")
	if err != nil {
		t.Fatal(err)
	}
	bins := []binary{{"old", "x"}, {"new", "y"}}
	var cs compareFlag
	var ts targetFlag
	for _, v := range []string{"new vs old", "reference vs new"} {
		if err := cs.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := ts.Set("direct@new>=0.96"); err != nil {
		t.Fatal(err)
	}
	b := &bench{bins: bins, only: picked, comparisons: cs, targets: ts, duration: 4e9, shared: true}
	r := &results{rounds: 8, samples: [][][]sample{make([][]sample, 3)}, partner: [][][]sample{make([][]sample, 3)}}
	for k := range 8 {
		for c, ratio := range map[int]float64{1: 0.95, 2: 0.97} {
			m := 1 + 0.1*float64((k*c)%5) // the machine's speed during this one run
			ref := sample{rate: 100 * m, perCPU: 200 * m, perUser: 400 * m, hwmKiB: 8000}
			r.partner[0][c] = append(r.partner[0][c], ref)
			r.samples[0][c] = append(r.samples[0][c], sample{rate: ratio * ref.rate, perCPU: ratio * ref.perCPU, perUser: ratio * ref.perUser, hwmKiB: 5000})
		}
	}
	r.samples[0][0] = r.partner[0][1]
	out := r.table(b)
	for _, want := range []string{
		"| direct `http-request return` | 0.95× (0.95–0.95) [0.95–0.95] | 0.97× (0.97–0.97) [0.97–0.97] |",
		"| direct `http-request return`, per haproxy user CPU-second | 0.95× (0.95–0.95) [0.95–0.95] | 0.97× (0.97–0.97) [0.97–0.97] |",
		"| new: direct ≥ 0.96× | 0.97× (0.97–0.97) [0.97–0.97] | **met** |",
		"| new against old, paired by round |",
		"| direct `http-request return` | 1.02× (1.02–1.02) [1.02–1.02] | **faster** |",
		"| reference against new, paired by round |",
		"| direct `http-request return` | 1.03× (1.03–1.03) [1.03–1.03] | **faster** |",
		"to the reference's run at the same time, on the same core",
		"16 kept runs",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// The same runs paired by round, as if they had not shared the core, say something else.
	r.partner = nil
	if out := r.table(b); strings.Contains(out, "| direct `http-request return` | 0.95× (0.95–0.95) [0.95–0.95] | 0.97× (0.97–0.97) [0.97–0.97] |") {
		t.Errorf("without the partner runs the ratios are still exact:\n%s", out)
	}
}
