package main

import (
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	for _, c := range []struct {
		in   string
		want target
	}{
		{"direct@kiln default (balanced)>=0.95", target{"direct", "kiln default (balanced)", false, 0.95}},
		{"rss@kiln optimize=speed + profile<=0.7", target{"rss", "kiln optimize=speed + profile", true, 0.7}},
		// The label ends at the last operator and may hold "@", "=" and ">".
		{"gzip@a@b=>c>=1", target{"gzip", "a@b=>c", false, 1}},
	} {
		got, err := parseTarget(c.in)
		if err != nil || got != c.want {
			t.Errorf("parseTarget(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"direct>=0.95", "no @"},
		{"fast@default>=1", `unknown figure "fast"`},
		{"Direct@default>=1", `unknown figure "Direct"`},
		{"direct@default=1", "no >= or <="},
		{"direct@>=1", "no label"},
		{"direct@default>=", "not a positive number"},
		{"direct@default>=-1", "not a positive number"},
		{"direct@default>=NaN", "not a positive number"},
		{"direct@default>=0.95x", "not a positive number"},
	} {
		_, err := parseTarget(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "direct, pipelined, proxied, gzip, rss") {
			t.Errorf("parseTarget(%q) = %v; want an error containing %q and the figures", c.in, err, c.want)
		}
	}
}

// A verdict is the median's interval against the target: eight rounds give the lowest to
// the highest ratio as the interval, five give none.
func TestTargetVerdict(t *testing.T) {
	above := []float64{0.96, 0.97, 0.99, 1.00, 1.01, 1.02, 1.03, 1.10}
	across := []float64{0.90, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98, 1.00}
	below := []float64{0.80, 0.85, 0.88, 0.90, 0.91, 0.92, 0.93, 0.94}
	atLeast := target{figure: "direct", label: "d", value: 0.95}
	atMost := target{figure: "rss", label: "d", atMost: true, value: 0.95}
	for _, c := range []struct {
		t      target
		ratios []float64
		want   string
	}{
		{atLeast, above, "**met**"},
		{atLeast, across, "not decided"},
		{atLeast, below, "**missed**"},
		{atLeast, []float64{0.95, 0.95, 0.95, 0.95, 0.95, 0.95}, "**met**"}, // at the target is met
		{atMost, below, "**met**"},
		{atMost, across, "not decided"},
		{atMost, above, "**missed**"},
		{atLeast, above[:5], "not decided: too few rounds for an interval (5;"},
		{atLeast, nil, "not measured"},
	} {
		if got := c.t.verdict(c.ratios); got != c.want && !strings.HasPrefix(got, c.want) {
			t.Errorf("%s on %v: %q, want %q", c.t, c.ratios, got, c.want)
		}
	}
}

// The targets follow the table, each with the cell it was judged by; a target whose scenario
// this run did not measure says so rather than judging nothing; a label no -bin has is
// refused before the run.
func TestTargetRows(t *testing.T) {
	picked, err := pickScenarios("direct,pipelined")
	if err != nil {
		t.Fatal(err)
	}
	var targets targetFlag
	for _, v := range []string{"direct@default>=0.95", "pipelined@default>=0.95", "rss@default<=0.7", "gzip@default>=1"} {
		if err := targets.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	bins := []binary{{"default", "x"}}
	b := &bench{bins: bins, only: picked, targets: targets, duration: 4e9}
	r := &results{rounds: 8, samples: make([][][]sample, len(picked))}
	for i := range picked {
		r.samples[i] = [][]sample{nil, nil}
		for k := range 8 {
			f := float64(90 + 2*k) // direct and pipelined 0.90–1.04
			if i == 1 {
				f = float64(80 + k) // pipelined 0.80–0.87
			}
			r.samples[i][0] = append(r.samples[i][0], sample{rate: 100, perCPU: 100, perUser: 100, hwmKiB: 8000})
			r.samples[i][1] = append(r.samples[i][1], sample{rate: f, perCPU: f, perUser: f, hwmKiB: 4000})
		}
	}
	out := r.table(b)
	for _, want := range []string{
		"| default: direct ≥ 0.95× | 0.97× (0.90–1.04) [0.90–1.04] | not decided |",
		"| default: pipelined ≥ 0.95× | 0.83× (0.80–0.87) [0.80–0.87] | **missed** |",
		"| default: rss ≤ 0.70× | 0.50× (0.50–0.50) [0.50–0.50] | **met** |",
		"| default: gzip ≥ 1.00× | – | not measured in this run (-scenarios) |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	b.targets = nil
	if out := r.table(b); strings.Contains(out, "| target |") {
		t.Errorf("a run without targets prints a targets table:\n%s", out)
	}
	if err := checkTargets(targets, []binary{{"kiln default", "x"}}); err == nil || !strings.Contains(err.Error(), `no -bin is labelled "default"`) || !strings.Contains(err.Error(), `(labels: "kiln default")`) {
		t.Errorf("checkTargets with an unknown label: %v", err)
	}
	if err := checkTargets(targets, bins); err != nil {
		t.Errorf("checkTargets: %v", err)
	}
}
