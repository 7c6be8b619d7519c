package main

import (
	"bytes"
	"fmt"
	"io"

	"github.com/kilnbuild/kiln/internal/termsafe"
)

// terminalSafe escapes what could drive a terminal in text kiln prints that may carry
// names from an image or a spec (paths, labels, nix's log).
func terminalSafe(s string) string { return termsafe.String(s) }

// safeWriter passes text on line by line through terminalSafe, so an image's file names,
// labels or config cannot send escape sequences to the user's terminal.
type safeWriter struct {
	w    io.Writer
	part []byte
}

func newSafeWriter(w io.Writer) *safeWriter { return &safeWriter{w: w} }

func (s *safeWriter) Write(p []byte) (int, error) {
	s.part = append(s.part, p...)
	for {
		i := bytes.IndexByte(s.part, '\n')
		if i < 0 {
			return len(p), nil
		}
		if _, err := io.WriteString(s.w, terminalSafe(string(s.part[:i+1]))); err != nil {
			return 0, err
		}
		s.part = s.part[i+1:]
	}
}

// Flush writes an unterminated last line.
func (s *safeWriter) Flush() error {
	if len(s.part) == 0 {
		return nil
	}
	_, err := io.WriteString(s.w, terminalSafe(string(s.part)))
	s.part = nil
	return err
}

// jsonSafe escapes the runes encoding/json leaves raw that terminals act on (DEL and the
// C1 controls); in JSON they can only be inside strings, where \u00XX means the same.
func jsonSafe(b []byte) []byte {
	if !bytes.ContainsFunc(b, func(r rune) bool { return r >= 0x7f && r <= 0x9f }) {
		return b
	}
	var out bytes.Buffer
	for _, r := range string(b) {
		if r >= 0x7f && r <= 0x9f {
			fmt.Fprintf(&out, `\u%04x`, r)
			continue
		}
		out.WriteRune(r)
	}
	return out.Bytes()
}
