package flakes

import (
	"regexp"
	"strings"
	"testing"
)

// TestPins: every package of every set is pinned with a version, a store-path-safe name,
// a sha256, and a snapshot URL that is its sha1; the bootstrap names a pinned package.
func TestPins(t *testing.T) {
	p, err := PinnedToolchain()
	if err != nil {
		t.Fatal(err)
	}
	sha256RE, sha1RE := regexp.MustCompile("^[0-9a-f]{64}$"), regexp.MustCompile("^[0-9a-f]{40}$")
	storeName := regexp.MustCompile(`^[A-Za-z0-9+._?=-]+\.deb$`)
	for set, names := range p.Sets {
		if strings.HasSuffix(set, "_drop") {
			continue
		}
		for _, n := range names {
			if _, ok := p.Deb[n]; !ok {
				t.Errorf("set %s: package %s is not pinned", set, n)
			}
		}
	}
	for _, n := range p.Packages() {
		d := p.Deb[n]
		if d.Version == "" || !storeName.MatchString(d.Name) || !sha256RE.MatchString(d.SHA256) ||
			!sha1RE.MatchString(d.SHA1) || d.URL != "https://snapshot.debian.org/file/"+d.SHA1 ||
			!strings.HasPrefix(d.Pool, "pool/") || d.Size <= 0 {
			t.Errorf("package %s: incomplete or malformed pin %+v", n, d)
		}
	}
	if !strings.HasPrefix(p.Bootstrap.NarHash, "sha256-") || p.Bootstrap.Member == "" {
		t.Errorf("bootstrap: %+v", p.Bootstrap)
	}
	for _, set := range []string{"glibc", "patchelf", "cc", "tools", "perl"} {
		if len(p.Sets[set]) == 0 {
			t.Errorf("set %s is empty", set)
		}
	}
}
