package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// target is one figure a binary should reach (-target FIGURE@LABEL>=X or <=X): the median
// ratio to the reference of a scenario's main figure (its rate, or for the proxied scenario
// its requests per CPU-second), or of the peak RSS ("rss", lower is better).
type target struct {
	figure string // a scenario key, or "rss"
	label  string // the binary's -bin label
	atMost bool   // "<=": the ratio should not exceed value; ">=": it should reach it
	value  float64
}

func (t target) String() string {
	op := "≥"
	if t.atMost {
		op = "≤"
	}
	return fmt.Sprintf("%s: %s %s %.2f×", t.label, t.figure, op, t.value)
}

// targetFlag collects repeated -target flags in order.
type targetFlag []target

func (f *targetFlag) String() string { return fmt.Sprint(*f) }

func (f *targetFlag) Set(v string) error {
	t, err := parseTarget(v)
	if err != nil {
		return err
	}
	*f = append(*f, t)
	return nil
}

// parseTarget reads FIGURE@LABEL>=X or FIGURE@LABEL<=X. The figure holds no "@", so the
// first one ends it; the label may hold anything else, so the last ">=" or "<=" ends it.
func parseTarget(v string) (target, error) {
	bad := func(why string) (target, error) {
		return target{}, fmt.Errorf("-target %q: %s (want FIGURE@LABEL>=RATIO or FIGURE@LABEL<=RATIO, FIGURE one of %s)", v, why, strings.Join(figureKeys(), ", "))
	}
	figure, rest, ok := strings.Cut(v, "@")
	if !ok {
		return bad("no @")
	}
	if !slices.Contains(figureKeys(), figure) {
		return bad(fmt.Sprintf("unknown figure %q", figure))
	}
	i := max(strings.LastIndex(rest, ">="), strings.LastIndex(rest, "<="))
	if i < 0 {
		return bad("no >= or <=")
	}
	label, num := rest[:i], rest[i+2:]
	if label == "" {
		return bad("no label")
	}
	x, err := strconv.ParseFloat(num, 64)
	if err != nil || x <= 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return bad(fmt.Sprintf("ratio %q is not a positive number", num))
	}
	return target{figure: figure, label: label, atMost: rest[i] == '<', value: x}, nil
}

// figureKeys are the figures a target may name: every scenario's key, then "rss".
func figureKeys() []string {
	var k []string
	for _, sc := range scenarios {
		k = append(k, sc.key)
	}
	return append(k, "rss")
}

// verdict judges the rounds' ratios against a target by the median's confidence interval:
// met where the whole interval is on the target's side, missed where the whole interval is
// on the other, otherwise not decided by this run (or too few rounds for an interval).
func (t target) verdict(ratios []float64) string {
	if len(ratios) == 0 {
		return "not measured"
	}
	lo, hi, ok := medianCI(ratios)
	if !ok {
		return "not decided: " + tooFewRounds(len(ratios))
	}
	good, bad := lo >= t.value, hi < t.value
	if t.atMost {
		good, bad = hi <= t.value, lo > t.value
	}
	switch {
	case good:
		return "**met**"
	case bad:
		return "**missed**"
	}
	return "not decided"
}

// targetRows is the table of the targets, each with the median and interval it was judged
// by; "" when there are none.
func (r *results) targetRows(b *bench) string {
	if len(b.targets) == 0 {
		return ""
	}
	var s strings.Builder
	s.WriteString("\n| target | median [95 % interval] | verdict |\n|---|---|---|\n")
	for _, t := range b.targets {
		ratios, measured := r.targetRatios(b, t)
		if !measured {
			fmt.Fprintf(&s, "| %s | – | not measured in this run (-scenarios) |\n", t)
			continue
		}
		fmt.Fprintf(&s, "| %s | %s | %s |\n", t, cell(ratios), t.verdict(ratios))
	}
	s.WriteString("\nA target is met where the median's whole interval is on its side, missed where the whole interval is on the other side, and otherwise not decided by this run: more rounds, or a run of fewer scenarios, narrow the interval.\n")
	return s.String()
}

// targetRatios are the rounds' ratios a target is judged by; measured is false when its
// scenario was not part of this run.
func (r *results) targetRatios(b *bench, t target) (ratios []float64, measured bool) {
	c := column(t.label, b.bins)
	for si, sc := range b.scenarios() {
		switch {
		case t.figure == "rss" && sc.rss:
			return r.ratios(si, c, hwmOf), true
		case t.figure == sc.key:
			return r.ratios(si, c, rateOf), true
		}
	}
	return nil, false
}

// checkTargets refuses a target whose label names no measured binary, before any run.
func checkTargets(targets []target, bins []binary) error {
	for _, t := range targets {
		if column(t.label, bins) < 1 { // a -bin's label: a target of the reference against itself says nothing
			return fmt.Errorf("-target %s: no -bin is labelled %q (labels: %s)", t, t.label, labelList(bins, false))
		}
	}
	return nil
}
