package main

import (
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
	// Every header of the tarball, concatenated (tar -O writes the members to stdout).
	defs, err := exec.Command("tar", "-xzOf", filepath.Join(mirror(t), "haproxy-3.0.11.tar.gz"), "--wildcards", "*/include/*.h").Output()
	if err != nil {
		t.Fatalf("tar: %v", err)
	}
	space := regexp.MustCompile(`\s+`)
	all := space.ReplaceAllString(string(defs), " ")
	decl := regexp.MustCompile(`(?m)^(static inline .*\))\s*__attribute__\(\(__always_inline__\)\);$`)
	found := decl.FindAllStringSubmatch(string(header), -1)
	if len(found) < 16 {
		t.Fatalf("request-path-inline.h declares %d helpers, want the 16 it was measured with:\n%s", len(found), header)
	}
	for _, m := range found {
		// The definition: the same line, then its body.
		if sig := space.ReplaceAllString(m[1], " "); !strings.Contains(all, sig+" {") {
			t.Errorf("HAProxy 3.0.11 defines no %q", sig)
		}
	}
}
