package record_test

import (
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/orchestrator/record"
	"github.com/kilnbuild/kiln/orchestrator/record/recordtest"
)

func TestStorePathNames(t *testing.T) {
	for path, want := range map[string][2]string{
		"/nix/store/051kdiq1w4rf0pc0sw7r1dnh8gmxbfvb-haproxy-3.0.11":    {"haproxy", "3.0.11"},
		"/nix/store/051kdiq1w4rf0pc0sw7r1dnh8gmxbfvb-pcre2-jit-10.46":   {"pcre2-jit", "10.46"},
		"/nix/store/051kdiq1w4rf0pc0sw7r1dnh8gmxbfvb-haproxy.cfg":       {"haproxy.cfg", ""},
		"/nix/store/051kdiq1w4rf0pc0sw7r1dnh8gmxbfvb-openssl-3.5.7-bin": {"openssl", "3.5.7-bin"},
	} {
		n, v := record.StorePath{Path: path}.NameVersion()
		if n != want[0] || v != want[1] {
			t.Errorf("%s: %q %q, want %q %q", path, n, v, want[0], want[1])
		}
	}
	// Nix 2.8 prints nix32, newer Nix SRI: both give the same hex.
	a, err := record.StorePath{Path: "/nix/store/x", NarHash: "sha256:1m0ld6hn6k7nmzxcwz6ha7d8kz4yn3jw3lw4g3j2y5sqhm8jxcq7"}.NarSHA256()
	if err != nil {
		t.Fatal(err)
	}
	b, err := record.StorePath{Path: "/nix/store/x", NarHash: "sha256-B7MuUYVYFy/keITTweWwnvyJ2lHQfM76r/ZMY6FpFNQ="}.NarSHA256()
	if err != nil || a != b {
		t.Errorf("nix32 %s, SRI %s (%v)", a, b, err)
	}
}

func TestCheckNamesEveryProblem(t *testing.T) {
	if err := recordtest.Full().Check(); err != nil {
		t.Fatal(err)
	}
	b := recordtest.Default()
	b.Spec.Canonical = []byte("[1]")
	b.Sources[0].SHA256 = "abc"
	b.Closure = append(b.Closure, record.StorePath{Path: "/usr/bin/x", NarHash: "sha256:1m0ld6hn6k7nmzxcwz6ha7d8kz4yn3jw3lw4g3j2y5sqhm8jxcq7"})
	b.Builder.ID = ""
	err := b.Check()
	for _, want := range []string{"spec.canonical", "sources[0]", "closure[1]", "builder.id"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check: %v; want it to name %s", err, want)
		}
	}
}
