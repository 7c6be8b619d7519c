package spec

import (
	"fmt"
	"strings"

	"github.com/kilnbuild/kiln/internal/termsafe"
)

// Error is one problem in a spec, located by file, line and key.
type Error struct {
	File string // spec file name ("<default>" for the embedded spec)
	Line int    // 1-based; 0 when unknown (e.g. a required key that is missing)
	Key  string // dotted key, with [i] for array elements: image.files[1].mode
	Msg  string // what is wrong and what to do
}

func (e *Error) Error() string {
	var b strings.Builder
	// Every part may come from the spec's bytes (a key, the decoder's quote of a bad
	// escape): none may drive a terminal or break the one-line form.
	b.WriteString(termsafe.Line(e.File))
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, ": %s", termsafe.Line(e.Key))
	}
	fmt.Fprintf(&b, ": %s", termsafe.Line(e.Msg))
	return b.String()
}

// Errors is every problem Validate found, in file order (those without a line last). It is
// one error to callers.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap lets errors.As find each *Error.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}
