package bump

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// SpecFindings are the findings of one spec.
type SpecFindings struct {
	Spec     string    `json:"spec"`
	Findings []Finding `json:"components"`
}

// Summarize says whether anything is behind (kiln bump moves it) and whether anything
// needs a person (a branch past its end of life, a pin upstream no longer lists, a pin
// newer than upstream's newest).
func Summarize(all []SpecFindings) (behind, attention bool) {
	for _, sf := range all {
		for _, f := range sf.Findings {
			switch f.Status {
			case StatusBehind:
				behind = true
				if f.Lifecycle.EOL {
					attention = true
				}
			case StatusCurrent:
			default:
				attention = true
			}
		}
	}
	return behind, attention
}

// WriteFindings prints kiln outdated's table, then the notes.
func WriteFindings(w io.Writer, all []SpecFindings) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SPEC\tCOMPONENT\tPINNED\tBRANCH\tNEWEST ON BRANCH\tNEWEST\tSTATUS")
	var notes []string
	for _, sf := range all {
		for _, f := range sf.Findings {
			pinned := f.Version
			if f.Patches > 0 {
				pinned += fmt.Sprintf(" +%d patches", f.Patches)
			}
			if f.Default {
				pinned += " (default)"
			}
			onBranch := "-"
			if f.NewestOnBranch != nil {
				onBranch = f.NewestOnBranch.Version
				if f.NewestOnBranch.Date != "" {
					onBranch += " (" + f.NewestOnBranch.Date + ")"
				}
			}
			newest := "-"
			if f.Newest != nil {
				newest = f.Newest.Version
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", sf.Spec, f.Name, pinned, branchText(f), onBranch, newest, f.Status)
			if f.Note != "" {
				notes = append(notes, fmt.Sprintf("%s: %s: %s", sf.Spec, f.Name, f.Note))
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range notes {
		if _, err := fmt.Fprintln(w, "note:", n); err != nil {
			return err
		}
	}
	return nil
}

// branchText is "3.0 (LTS, EOL 2029-04-01)", "2.9 (EOL since 2025-03-21)" or "5.4".
func branchText(f Finding) string {
	c := f.Lifecycle
	if !c.Known {
		return f.Branch
	}
	var tags []string
	if c.LTS {
		tags = append(tags, "LTS")
	}
	switch {
	case c.EOL && c.EOLDate != "":
		tags = append(tags, "EOL since "+c.EOLDate)
	case c.EOL:
		tags = append(tags, "EOL")
	case c.EOLDate != "":
		tags = append(tags, "until "+c.EOLDate)
	}
	if len(tags) == 0 {
		return f.Branch
	}
	return f.Branch + " (" + strings.Join(tags, ", ") + ")"
}

// WriteText prints the report: the changes, then the check.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "kiln bump %s\n", r.Spec)
	if len(r.Changes) == 0 {
		b.WriteString("  nothing to bump: every pin is the newest release on its branch\n")
	}
	for _, c := range r.Changes {
		fmt.Fprintf(&b, "  %s %s → %s  [%s]", c.Name, c.From.Version, c.To.Version, c.Table)
		if c.WasDefault {
			b.WriteString(" (was kiln's default; now pinned in the spec)")
		}
		b.WriteString("\n")
		fmt.Fprintf(&b, "    url     %s\n", c.To.URL)
		fmt.Fprintf(&b, "    sha256  %s (%s)\n", c.To.SHA256, c.HashFrom)
		if len(c.Dropped) > 0 {
			fmt.Fprintf(&b, "    patches %d dropped: already in %s %s (upstream released them; patch -R takes each back out)\n", len(c.Dropped), c.Name, c.To.Version)
			for _, d := range c.Dropped {
				fmt.Fprintf(&b, "      %s %s\n", d.Key, d.Patch)
			}
		}
		switch {
		case len(c.Patches) > 0 && len(c.Dropped) > 0:
			fmt.Fprintf(&b, "    patches the other %d still apply (patch -p1, in order)\n", len(c.Patches))
		case len(c.Patches) > 0:
			fmt.Fprintf(&b, "    patches all %d still apply (patch -p1, in order)\n", len(c.Patches))
		}
		if c.Released > 0 {
			fmt.Fprintf(&b, "    patches kiln's default carried %d; all are in %s %s, so the new table needs none\n", c.Released, c.Name, c.To.Version)
		}
	}
	for _, f := range r.Unused {
		if slices.Contains(r.Removed, f) {
			fmt.Fprintf(&b, "  removed %s (no table names it now)\n", f)
		} else if !r.Written {
			fmt.Fprintf(&b, "  unused %s (no table would name it; removed when the spec is written)\n", f)
		}
	}
	for _, wn := range r.Warnings {
		fmt.Fprintf(&b, "  warning: %s\n", wn)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if r.Check != nil {
		if err := r.Check.writeText(w); err != nil {
			return err
		}
	}
	state := "not written"
	if r.Written {
		state = "written"
	}
	if len(r.Changes) == 0 {
		state = "unchanged"
	}
	_, err := fmt.Fprintf(w, "%s: %s (%.1f s)\n", r.Spec, state, r.Seconds)
	return err
}

func (c *CheckReport) writeText(w io.Writer) error {
	fmt.Fprintf(w, "check (toolchain %s): built, hardening gate passed", c.Toolchain)
	if c.After.Reproducible != nil {
		fmt.Fprintf(w, ", rebuilt from scratch: %d rounds", c.After.Rounds)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\tbefore\tafter\tchange")
	fmt.Fprintf(tw, "  version\t%s\t%s\t\n", c.Before.Version, c.After.Version)
	fmt.Fprintf(tw, "  image digest\t%s\t%s\t\n", c.Before.Digest, c.After.Digest)
	fmt.Fprintf(tw, "  compressed\t%s B\t%s B\t%s\n", thousands(c.Before.CompressedSize), thousands(c.After.CompressedSize), delta(c.Delta.Compressed, c.Before.CompressedSize))
	fmt.Fprintf(tw, "  uncompressed\t%s B\t%s B\t%s\n", thousands(c.Before.UncompressedSize), thousands(c.After.UncompressedSize), delta(c.Delta.Uncompressed, c.Before.UncompressedSize))
	if c.After.Reproducible != nil {
		v := "NO: the rebuild differs (kiln verify shows where)"
		if *c.After.Reproducible {
			v = "yes: same store paths and image digest"
		}
		fmt.Fprintf(tw, "  reproducible\t\t%s\t\n", v)
	}
	before := map[string]Verdict{}
	for _, v := range c.Before.Hardening {
		before[v.File] = v
	}
	for _, a := range c.After.Hardening {
		was := "(new file)"
		if v, ok := before[a.File]; ok {
			was = v.String()
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", a.File, was, a.String(), sameOr(was, a.String()))
	}
	return tw.Flush()
}

// String is the verdict in one line: "static-pie relro=full bindnow nx canary=yes(0.947) stripped".
func (v Verdict) String() string {
	parts := []string{v.Type, "relro=" + v.RELRO}
	if v.BindNow {
		parts = append(parts, "bindnow")
	}
	if v.NX {
		parts = append(parts, "nx")
	} else {
		parts = append(parts, "NO-nx")
	}
	parts = append(parts, fmt.Sprintf("canary=%s(%.3f)", v.Canary, v.CanaryShare))
	if v.Stripped {
		parts = append(parts, "stripped")
	}
	return strings.Join(parts, " ")
}

func sameOr(a, b string) string {
	// The canary share moves a little with the code; the verdicts are what count.
	strip := func(s string) string {
		if i := strings.Index(s, "canary="); i >= 0 {
			if j := strings.Index(s[i:], "("); j >= 0 {
				if k := strings.Index(s[i+j:], ")"); k >= 0 {
					return s[:i+j] + s[i+j+k+1:]
				}
			}
		}
		return s
	}
	if strip(a) == strip(b) {
		return "same verdicts"
	}
	return "CHANGED"
}

func delta(d, base int64) string {
	sign := "+"
	if d < 0 {
		sign = "-"
	}
	abs := d
	if abs < 0 {
		abs = -abs
	}
	s := fmt.Sprintf("%s%s B", sign, thousands(abs))
	if base > 0 {
		s += fmt.Sprintf(" (%s%.2f %%)", sign, float64(abs)*100/float64(base))
	}
	return s
}

// thousands writes n with comma separators: 989,160.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
