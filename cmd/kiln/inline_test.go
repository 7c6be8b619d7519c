package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/flakes"
)

// TestRequestPathInlineMatchesHAProxy: every helper request-path-inline.h marks for
// inlining is defined by the pinned HAProxy's headers with that very signature. A
// declaration that differs fails balanced builds ("conflicting types"); one whose function
// HAProxy renamed or dropped would only warn, and the inlining it measured would be gone
// without a word.
func TestRequestPathInlineMatchesHAProxy(t *testing.T) {
	header, err := flakes.FS.ReadFile("recipes/request-path-inline.h")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if out, err := exec.Command("tar", "-xzf", filepath.Join(mirror(t), "haproxy-3.0.11.tar.gz"), "-C", dir, "--wildcards", "*/include/*").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	var defs strings.Builder
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".h") {
			b, err := os.ReadFile(p)
			defs.Write(b)
			return err
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	space := regexp.MustCompile(`\s+`)
	all := space.ReplaceAllString(defs.String(), " ")
	decl := regexp.MustCompile(`(?m)^(static inline .*\))\s*__attribute__\(\(__always_inline__\)\);$`)
	found := decl.FindAllStringSubmatch(string(header), -1)
	if len(found) < 9 {
		t.Fatalf("request-path-inline.h declares %d helpers, want the 9 it was measured with:\n%s", len(found), header)
	}
	for _, m := range found {
		// The definition: the same line, then its body.
		if sig := space.ReplaceAllString(m[1], " "); !strings.Contains(all, sig+" {") {
			t.Errorf("HAProxy 3.0.11 defines no %q", sig)
		}
	}
}
