package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// refLabel names the reference in a -compare (its column is "glibc reference").
const refLabel = "reference"

// comparison is one -compare NEW vs OLD: two measured binaries (-bin labels, or the
// reference) compared directly, NEW's run over OLD's run of the same round. Both ran in
// every round, so a question about two builds of kiln ("is the new one faster?") gets its
// own interval, where two columns of ratios to the reference, each with its own interval,
// cannot answer it: most of what moves a ratio from round to round is the machine, and the
// two builds share it.
type comparison struct{ new, old string }

func (c comparison) String() string { return c.new + " vs " + c.old }

// compareFlag collects repeated -compare flags in order.
type compareFlag []comparison

func (f *compareFlag) String() string { return fmt.Sprint(*f) }

func (f *compareFlag) Set(v string) error {
	c, err := parseComparison(v)
	if err != nil {
		return err
	}
	*f = append(*f, c)
	return nil
}

// parseComparison reads "NEW vs OLD"; a label may hold anything but " vs ".
func parseComparison(v string) (comparison, error) {
	n, o, ok := strings.Cut(v, " vs ")
	n, o = strings.TrimSpace(n), strings.TrimSpace(o)
	switch {
	case !ok:
		return comparison{}, fmt.Errorf(`-compare %q: want "NEW vs OLD" (two -bin labels, or %q for the reference)`, v, refLabel)
	case n == "" || o == "":
		return comparison{}, fmt.Errorf("-compare %q: a label is empty", v)
	case strings.Contains(o, " vs "):
		return comparison{}, fmt.Errorf(`-compare %q: more than one " vs "`, v)
	case n == o:
		return comparison{}, fmt.Errorf("-compare %q: a binary against itself (the A/A column, -aa, is that)", v)
	}
	return comparison{new: n, old: o}, nil
}

// column is the index of a label in results.samples' binary dimension (0 the reference,
// i+1 bins[i]), or -1.
func column(label string, bins []binary) int {
	if label == refLabel {
		return 0
	}
	if i := slices.IndexFunc(bins, func(x binary) bool { return x.label == label }); i >= 0 {
		return i + 1
	}
	return -1
}

// labelList is the labels a -target or -compare may name, quoted, for an error: the -bin
// labels, and "reference" first where the reference may be named (in -compare).
func labelList(bins []binary, withReference bool) string {
	var labels []string
	if withReference {
		labels = append(labels, strconv.Quote(refLabel))
	}
	for _, x := range bins {
		labels = append(labels, strconv.Quote(x.label))
	}
	return strings.Join(labels, ", ")
}

// tooFewRounds says why a run of n rounds has no interval of its median (medianCI).
func tooFewRounds(n int) string {
	return fmt.Sprintf("too few rounds for an interval (%d; 6 or more give one)", n)
}

// checkComparisons refuses a comparison naming a binary no -bin has, before any run.
func checkComparisons(cs []comparison, bins []binary) error {
	for _, c := range cs {
		for _, l := range []string{c.new, c.old} {
			if column(l, bins) < 0 {
				return fmt.Errorf("-compare %s: no binary is labelled %q (labels: %s)", c, l, labelList(bins, true))
			}
		}
	}
	return nil
}

// compareVerdict reads the median's interval of NEW's runs over OLD's: a difference where
// the whole interval is on one side of 1.00. lowerIsBetter is for peak RSS.
func compareVerdict(ratios []float64, lowerIsBetter bool) string {
	lo, hi, ok := medianCI(ratios)
	switch {
	case len(ratios) == 0:
		return "not measured"
	case !ok:
		return tooFewRounds(len(ratios))
	case lo > 1 && lowerIsBetter:
		return "**larger**"
	case lo > 1:
		return "**faster**"
	case hi < 1 && lowerIsBetter:
		return "**smaller**"
	case hi < 1:
		return "**slower**"
	}
	return "no difference shown"
}

// compareRows is a table per -compare: every figure of the run, NEW's over OLD's paired by
// round, with its verdict; "" when there is none.
func (r *results) compareRows(b *bench) string {
	var s strings.Builder
	for _, c := range b.comparisons {
		n, o := column(c.new, b.bins), column(c.old, b.bins)
		row := func(name string, si int, f func(sample) float64, lowerIsBetter bool) {
			ratios := r.between(si, n, o, f)
			fmt.Fprintf(&s, "| %s | %s | %s |\n", name, cell(ratios), compareVerdict(ratios, lowerIsBetter))
		}
		fmt.Fprintf(&s, "\n| %s against %s, paired by round | median [95 %% interval] | difference |\n|---|---|---|\n", c.new, c.old)
		for si, sc := range b.scenarios() {
			row(sc.label(), si, rateOf, false)
			if sc.rss {
				row("peak RSS (VmHWM) after the direct run", si, hwmOf, true)
			}
			if !sc.perCPU {
				row(sc.name+", per haproxy CPU-second", si, perCPUOf, false)
			}
			row(sc.name+", per haproxy user CPU-second", si, perUserOf, false)
		}
	}
	if s.Len() > 0 {
		s.WriteString("\nEach cell: the median of the rounds' ratios of the first binary's run to the second's in the same round (higher is faster; for peak RSS, lower is smaller). A difference is shown where the whole interval is on one side of 1.00.\n")
	}
	return s.String()
}
