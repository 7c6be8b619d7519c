package audit

import (
	"errors"
	"fmt"
	"strings"
)

// Policy words: what a spec's build.hardening may ask the gate to enforce.
const (
	PolicyPIE      = "pie"      // position-independent executable (static or dynamic)
	PolicyRELRO    = "relro"    // at least partial RELRO
	PolicyBindNow  = "bindnow"  // full RELRO: RELRO plus immediate binding
	PolicyNX       = "nx"       // non-executable stack
	PolicyCanary   = "canary"   // stack protector in the program's own code
	PolicyStatic   = "static"   // no interpreter, no shared libraries
	PolicyStripped = "stripped" // no .symtab
)

// PolicyWords lists every valid policy word, in the order Check reports them.
var PolicyWords = []string{PolicyPIE, PolicyRELRO, PolicyBindNow, PolicyNX, PolicyCanary, PolicyStatic, PolicyStripped}

// ErrUnknownPolicy is wrapped by ValidatePolicy for a word that is not in PolicyWords.
var ErrUnknownPolicy = errors.New("unknown hardening policy word")

// Violation is one way a file (or the image) fails the audit.
type Violation struct {
	// File is the audited path; empty for image-wide findings such as the user.
	File string `json:"file,omitempty"`
	// Property is the policy word or always-on check that failed.
	Property string `json:"property"`
	// Got is what the audit found.
	Got string `json:"got"`
	// Want is what the policy requires.
	Want string `json:"want"`
}

// Error formats the violation as `file: property: got "x", want "y"`.
func (v Violation) Error() string {
	if v.File == "" {
		return fmt.Sprintf("%s: got %q, want %q", v.Property, v.Got, v.Want)
	}
	return fmt.Sprintf("%s: %s: got %q, want %q", v.File, v.Property, v.Got, v.Want)
}

// ValidatePolicy returns an error wrapping ErrUnknownPolicy when a word is not a
// policy word, so spec validation can reject a typo before any build runs.
func ValidatePolicy(words []string) error {
	var bad []string
	for _, w := range words {
		if !isPolicyWord(w) {
			bad = append(bad, fmt.Sprintf("%q", w))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("validating hardening policy: %w %s (known: %s)",
			ErrUnknownPolicy, strings.Join(bad, ", "), strings.Join(PolicyWords, ", "))
	}
	return nil
}

func isPolicyWord(w string) bool {
	for _, k := range PolicyWords {
		if w == k {
			return true
		}
	}
	return false
}

// Check returns the ways r fails policy, plus the always-on checks (no writable
// and executable segment, no text relocations, no RPATH/RUNPATH), which no
// policy can switch off because nothing legitimate in an image needs them. An
// unknown policy word is reported as a violation rather than ignored, so a gate
// fed an unvalidated policy still cannot pass by accident.
func Check(r ELFReport, policy []string) []Violation {
	var out []Violation
	add := func(prop, got, want string) {
		out = append(out, Violation{File: r.File, Property: prop, Got: got, Want: want})
	}
	if r.WX {
		add("wx", "writable and executable segment", "none")
	}
	if r.TextRel {
		add("textrel", "text relocations", "none")
	}
	if len(r.RPath) > 0 {
		add("rpath", strings.Join(r.RPath, ":"), "")
	}
	if len(r.RunPath) > 0 {
		add("runpath", strings.Join(r.RunPath, ":"), "")
	}

	seen := map[string]bool{}
	for _, w := range policy {
		if seen[w] {
			continue
		}
		seen[w] = true
		switch w {
		case PolicyPIE:
			if !r.PIE {
				add(w, r.Type, "static-pie or dynamic-pie")
			}
		case PolicyRELRO:
			if r.RELRO != RELROPartial && r.RELRO != RELROFull {
				add(w, r.RELRO, "partial or full")
			}
		case PolicyBindNow:
			if r.RELRO != RELROFull {
				add(w, r.RELRO, RELROFull)
			}
		case PolicyNX:
			if !r.NX {
				add(w, "no", "yes")
			}
		case PolicyCanary:
			if r.Canary != CanaryYes {
				add(w, r.Canary, CanaryYes)
			}
		case PolicyStatic:
			if !r.Static {
				add(w, r.Type, "static or static-pie")
			}
		case PolicyStripped:
			if !r.Stripped {
				add(w, "no", "yes")
			}
		default:
			add("policy", w, "one of "+strings.Join(PolicyWords, ", "))
		}
	}
	return out
}
