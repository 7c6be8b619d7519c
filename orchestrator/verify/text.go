package verify

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
)

// WriteText writes the report for people: a table of every store path's NAR hash and the
// image digest per round, then, for whatever differs, the files, ELF sections and image
// fields that differ.
func (r *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	head := []string{"STORE PATH"}
	for k := 1; k <= r.Rounds; k++ {
		head = append(head, "ROUND "+strings.ToUpper(r.roundName(k)))
	}
	head = append(head, "RESULT")
	row := func(cells ...string) { fmt.Fprintln(tw, strings.Join(cells, "\t")) }
	row(head...)
	for _, p := range r.Paths {
		cells := append([]string{p.Path}, padRounds(p.NarHashes, r.Rounds)...)
		res := verdict(p.Same)
		switch {
		case p.InImage && p.Rebuilt:
			res += " (in the image)"
		case p.InImage:
			res += " (in the image; an input, not rebuilt)"
		}
		row(append(cells, res)...)
	}
	if im := r.Image; im != nil {
		digests := make([]string, len(im.Rounds))
		for i, info := range im.Rounds {
			digests[i] = info.Digest
		}
		label := fmt.Sprintf("image (%s, created %s)", im.Compression, im.Created.Format("2006-01-02T15:04:05Z07:00"))
		row(append(append([]string{label}, padRounds(digests, r.Rounds)...), verdict(im.Same))...)
	}
	if a := r.Against; a != nil {
		row(append(append([]string{"against " + a.Ref}, padRounds([]string{a.Digest}, r.Rounds)...), verdict(a.Same))...)
	}
	tw.Flush()
	if a := r.Against; a != nil && a.ComparedBy != "manifest digest" {
		fmt.Fprintf(ew, "(against: compared by %s)\n", a.ComparedBy)
	}

	for _, p := range r.Problems {
		fmt.Fprintf(ew, "\nproblem: %s\n", p)
	}
	for _, p := range r.Paths {
		for k, h := range p.NarHashes {
			if h == "" && k > 0 {
				fmt.Fprintf(ew, "\n%s: round %s did not produce it\n", p.Path, r.roundName(k+1))
			}
		}
		for _, d := range p.Diffs {
			what := p.Path
			if p.Name != "" {
				what = p.Name + " (" + p.Path + ")"
			}
			fmt.Fprintf(ew, "\n%s: round %s differs from round 1 in %d file(s)\n", what, r.roundName(d.Round), len(d.Files))
			if d.Trees[0] != "" && len(r.Kept) > 0 {
				fmt.Fprintf(ew, "  trees: %s\n         %s\n", d.Trees[0], d.Trees[1])
			}
			for _, f := range d.Files {
				writeFileDiff(ew, f, r.roundName(d.Round))
			}
		}
	}
	if im := r.Image; im != nil {
		rounds := make([]int, 0, len(im.Diffs))
		for k := range im.Diffs {
			rounds = append(rounds, k)
		}
		sort.Ints(rounds)
		for _, k := range rounds {
			fmt.Fprintf(ew, "\nimage: round %s differs from round 1\n", r.roundName(k))
			for _, l := range im.Diffs[k] {
				fmt.Fprintf(ew, "  %s\n", l)
			}
		}
	}
	if a := r.Against; a != nil && len(a.Diffs) > 0 {
		fmt.Fprintf(ew, "\nimage: round 1 differs from %s (that image's values first)\n", a.Ref)
		for _, l := range a.Diffs {
			fmt.Fprintf(ew, "  %s\n", l)
		}
	}
	for _, k := range r.Kept {
		fmt.Fprintf(ew, "\nkept: %s\n", k)
	}
	return ew.err
}

// roundName is round k's name (1-based): "2", "fresh store".
func (r *Report) roundName(k int) string {
	if k-1 < len(r.RoundNames) {
		return r.RoundNames[k-1]
	}
	return fmt.Sprint(k)
}

// writeFileDiff writes one differing file of round k.
func writeFileDiff(w io.Writer, f FileDiff, k string) {
	what := f.What
	switch what {
	case "only in the first tree":
		what = "only in round 1"
	case "only in the second tree":
		what = "only in round " + k
	default:
		what += " differs"
	}
	fmt.Fprintf(w, "  %s: %s\n", f.Path, what)
	fmt.Fprintf(w, "    round 1: %s\n", f.A)
	fmt.Fprintf(w, "    round %s: %s\n", k, f.B)
	writeSections(w, "    ", f.Sections, k)
	for _, m := range f.Members {
		fmt.Fprintf(w, "    archive member %s: %s\n", m.Name, m.What)
		fmt.Fprintf(w, "      round 1: %s\n", m.A)
		fmt.Fprintf(w, "      round %s: %s\n", k, m.B)
		writeSections(w, "      ", m.Sections, k)
		if len(m.Sections) == 0 {
			writeByteDiff(w, "      ", m.First)
		}
	}
	if f.Note != "" {
		fmt.Fprintf(w, "    %s\n", f.Note)
	}
	if len(f.Sections) == 0 && len(f.Members) == 0 {
		writeByteDiff(w, "    ", f.First)
	}
}

// writeSections writes the ELF sections that differ.
func writeSections(w io.Writer, indent string, secs []SectionDiff, k string) {
	if len(secs) == 0 {
		return
	}
	fmt.Fprintf(w, "%sELF sections that differ:\n", indent)
	for _, s := range secs {
		fmt.Fprintf(w, "%s  %s\n", indent, s.Name)
		fmt.Fprintf(w, "%s    round 1: %s\n", indent, s.A)
		fmt.Fprintf(w, "%s    round %s: %s\n", indent, k, s.B)
		writeByteDiff(w, indent+"    ", s.First)
	}
}

func writeByteDiff(w io.Writer, indent string, d *ByteDiff) {
	if d == nil {
		return
	}
	fmt.Fprintf(w, "%sfirst difference at offset %#x:\n%s  %q\n%s  %q\n", indent, d.Offset, indent, d.A, indent, d.B)
}

// Summary says in one line what differs, for an error message; "" when nothing does.
func (r *Report) Summary() string {
	var parts []string
	for _, p := range r.Paths {
		if p.Same {
			continue
		}
		var files []string
		for _, d := range p.Diffs {
			for _, f := range d.Files {
				s := f.Path
				if len(f.Sections) > 0 {
					s += " (ELF sections " + sectionNames(f.Sections) + ")"
				}
				for _, m := range f.Members {
					s += " (member " + m.Name
					if len(m.Sections) > 0 {
						s += ": ELF sections " + sectionNames(m.Sections)
					}
					s += ")"
				}
				if !slices.Contains(files, s) {
					files = append(files, s)
				}
			}
		}
		what := p.Path
		if p.Name != "" {
			what = p.Name + " (" + p.Path + ")"
		}
		if len(files) == 0 {
			parts = append(parts, what+" differs between rounds")
		} else {
			parts = append(parts, what+" differs between rounds: "+strings.Join(files, ", "))
		}
	}
	if r.Image != nil && !r.Image.Same {
		parts = append(parts, "the image digest differs between rounds")
	}
	if a := r.Against; a != nil && !a.Same {
		got := ""
		if r.Image != nil && len(r.Image.Rounds) > 0 {
			got = r.Image.Rounds[0].Digest
		}
		parts = append(parts, fmt.Sprintf("the image (%s) is not --against %s (%s)", got, a.Ref, a.Digest))
	}
	parts = append(parts, r.Problems...)
	return strings.Join(parts, "; ")
}

func sectionNames(secs []SectionDiff) string {
	names := make([]string, len(secs))
	for i, sec := range secs {
		names[i] = sec.Name
	}
	return strings.Join(names, " ")
}

func padRounds(vals []string, n int) []string {
	out := make([]string, n)
	for i := range out {
		if i < len(vals) && vals[i] != "" {
			out[i] = vals[i]
		} else {
			out[i] = "-"
		}
	}
	return out
}

func verdict(same bool) string {
	if same {
		return "same"
	}
	return "DIFFERENT"
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
