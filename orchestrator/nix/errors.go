package nix

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// ErrNotInstalled means no nix command was found.
var ErrNotInstalled = errors.New("nix is not installed: on Debian/Ubuntu run `apt-get install nix-bin` (or `make setup`), elsewhere see https://nixos.org/download")

// Error is a failed nix invocation, carrying the last lines of its log so the cause is
// visible without re-running it.
type Error struct {
	Op       string   // what kiln was doing: "building", "querying closure"
	Args     []string // nix's arguments
	ExitCode int
	Tail     []string // last lines of nix's stderr
	// Kept lists the build directories nix kept for the failure (--keep-failed).
	Kept []string
	Err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: nix %s: %v", e.Op, strings.Join(e.Args, " "), e.Err)
	if len(e.Tail) > 0 {
		b.WriteString("\nlast lines of nix's log:\n  ")
		b.WriteString(strings.Join(e.Tail, "\n  "))
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// NetworkError reports whether nix failed because it tried to reach the network — with
// kiln's offline settings that means a source is missing from the store (seed it with
// --mirror) or the flake needs an input it cannot fetch.
func (e *Error) NetworkError() bool {
	for _, l := range e.Tail {
		if strings.Contains(l, "Couldn't resolve host name") || strings.Contains(l, "unable to download") {
			return true
		}
	}
	return false
}

// tail keeps the last n lines written to it, and passes everything on to w.
type tail struct {
	mu    sync.Mutex
	w     interface{ Write([]byte) (int, error) }
	n     int
	lines []string
	part  []byte
	// onLine, when set, sees every complete line (build activity is read from it).
	onLine func(string)
}

func newTail(w interface{ Write([]byte) (int, error) }, n int) *tail { return &tail{w: w, n: n} }

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.w != nil {
		t.w.Write(p)
	}
	t.part = append(t.part, p...)
	for {
		i := bytes.IndexByte(t.part, '\n')
		if i < 0 {
			break
		}
		t.push(string(t.part[:i]))
		t.part = t.part[i+1:]
	}
	return len(p), nil
}

func (t *tail) push(l string) {
	l = strings.TrimRight(l, "\r")
	if t.onLine != nil {
		t.onLine(l)
	}
	if strings.TrimSpace(l) == "" {
		return
	}
	t.lines = append(t.lines, l)
	if len(t.lines) > t.n {
		t.lines = t.lines[len(t.lines)-t.n:]
	}
}

// Lines returns the kept lines, including an unterminated last one.
func (t *tail) Lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := append([]string(nil), t.lines...)
	if len(bytes.TrimSpace(t.part)) > 0 {
		out = append(out, string(t.part))
	}
	if len(out) > t.n {
		out = out[len(out)-t.n:]
	}
	return out
}
