package upstream_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kilnbuild/kiln/internal/upstream"
	"github.com/kilnbuild/kiln/internal/upstream/upstreamtest"
)

// fixedNow is the fixtures' "today": after 2.2's and 2.9's end of life, before 3.0's.
func fixedNow() time.Time { return time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) }

func newIndex(t *testing.T, site *upstreamtest.Site, opts ...upstream.Option) *upstream.Index {
	t.Helper()
	all := append(site.Options(), upstream.WithClock(fixedNow), upstream.WithBackoff(time.Millisecond, 5*time.Millisecond))
	x, err := upstream.New(append(all, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestReleasesPerProject(t *testing.T) {
	site := upstreamtest.New(t)
	x := newIndex(t, site)
	ctx := context.Background()
	tests := []struct {
		name, branch       string
		newestOnBranch     string
		newestOnBranchHash string
		newestOverall      string
		url                string
	}{
		{"haproxy", "3.0", "3.0.12", "2ef3ccf966ccab7faa1ce979b71496dc4d2031fc7b87143e1e5511f289c590db", "3.2.4",
			"https://www.haproxy.org/download/3.0/src/haproxy-3.0.12.tar.gz"},
		{"lua", "5.4", "5.4.8", "", "5.5.0", "https://www.lua.org/ftp/lua-5.4.8.tar.gz"},
		{"pcre2", "10", "10.47", "", "10.47", "https://github.com/PCRE2Project/pcre2/releases/download/pcre2-10.47/pcre2-10.47.tar.gz"},
		{"openssl", "3.5", "3.5.8", "", "3.6.1", "https://github.com/openssl/openssl/releases/download/openssl-3.5.8/openssl-3.5.8.tar.gz"},
		{"zlib", "1", "1.3.2", "", "1.3.2", "https://zlib.net/fossils/zlib-1.3.2.tar.gz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rels, err := x.Releases(ctx, tt.name, tt.branch)
			if err != nil {
				t.Fatal(err)
			}
			if len(rels) == 0 || rels[0].Version != tt.newestOnBranch {
				t.Fatalf("newest on %s = %+v, want %s", tt.branch, rels, tt.newestOnBranch)
			}
			r := rels[0]
			if r.URL != tt.url {
				t.Errorf("URL = %s, want %s", r.URL, tt.url)
			}
			if !strings.HasPrefix(r.Download, site.URL+"/") {
				t.Errorf("Download = %s: not on the test site", r.Download)
			}
			if tt.newestOnBranchHash != "" && r.SHA256 != tt.newestOnBranchHash {
				t.Errorf("SHA256 = %s, want %s", r.SHA256, tt.newestOnBranchHash)
			}
			for i := 1; i < len(rels); i++ {
				if upstream.Compare(rels[i-1].Version, rels[i].Version) <= 0 {
					t.Errorf("not newest first: %s before %s", rels[i-1].Version, rels[i].Version)
				}
				if upstream.BranchOf(rels[i].Version, upstream.Projects[tt.name].Depth) != tt.branch {
					t.Errorf("%s is not on branch %s", rels[i].Version, tt.branch)
				}
			}
			n, err := x.Newest(ctx, tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if n.Version != tt.newestOverall {
				t.Errorf("newest overall = %s, want %s", n.Version, tt.newestOverall)
			}
		})
	}
}

// Every index's published hashes are read: releases.json's sha256, Lua's checksum column,
// a GitHub asset's digest, and (no digest) a release's .sha256 asset.
func TestPublishedHashes(t *testing.T) {
	site := upstreamtest.New(t)
	x := newIndex(t, site)
	ctx := context.Background()
	find := func(name, branch, v string) upstream.Release {
		t.Helper()
		rels, err := x.Releases(ctx, name, branch)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rels {
			if r.Version == v {
				return r
			}
		}
		t.Fatalf("%s %s not listed", name, v)
		return upstream.Release{}
	}
	if r := find("haproxy", "3.0", "3.0.11"); r.SHA256 != "a133e2d550c5fd9a849b5c7ab17bb945bcdad209ca140d41f45ebf31943ae783" {
		t.Errorf("haproxy 3.0.11 sha256 %q", r.SHA256)
	}
	if r := find("lua", "5.4", "5.4.7"); r.SHA256 != "9fbf5e28ef86c69858f6d3d34eccc32e911c1a28b4120ff3e84aaa70cfbf1e30" || r.Date != "2024-06-25" {
		t.Errorf("lua 5.4.7: %+v", r)
	}
	if r := find("pcre2", "10", "10.46"); r.SHA256 != "8d28d7f2c3b970c3a4bf3776bcbb5adfc923183ce74bc8df1ebaad8c1985bd07" || r.Date != "2025-08-27" {
		t.Errorf("pcre2 10.46: %+v", r)
	}
	if r := find("pcre2", "10", "10.45"); r.SHA256 != "" || r.SHA256URL != "" {
		t.Errorf("pcre2 10.45 has no digest and no .sha256 asset, got %+v", r)
	}
	r := find("openssl", "3.5", "3.5.7")
	if r.SHA256 != "" || r.SHA256URL == "" {
		t.Fatalf("openssl 3.5.7: want no digest but a .sha256 asset, got %+v", r)
	}
	if err := x.ResolveSHA256(ctx, "openssl", &r); err != nil {
		t.Fatal(err)
	}
	if r.SHA256 != "a8c0d28a529ca480f9f36cf5792e2cd21984552a3c8e4aa11a24aa31aeac98e8" {
		t.Errorf("openssl 3.5.7 from its .sha256 asset: %s", r.SHA256)
	}
	if r := find("zlib", "1", "1.3.1"); r.SHA256 != "" || r.Date != "2024-01-22" {
		t.Errorf("zlib 1.3.1: %+v", r)
	}
}

func TestCycles(t *testing.T) {
	site := upstreamtest.New(t)
	x := newIndex(t, site)
	ctx := context.Background()
	tests := []struct {
		name, branch string
		want         upstream.Cycle
	}{
		{"haproxy", "3.0", upstream.Cycle{Branch: "3.0", Known: true, LTS: true, EOLDate: "2029-04-01"}},
		{"haproxy", "2.9", upstream.Cycle{Branch: "2.9", Known: true, EOL: true, EOLDate: "2025-03-21"}},
		// Not flagged isEol by the index, but its eolFrom is past on fixedNow.
		{"haproxy", "2.2", upstream.Cycle{Branch: "2.2", Known: true, LTS: true, EOL: true, EOLDate: "2025-04-01"}},
		{"haproxy", "1.8", upstream.Cycle{Branch: "1.8"}},
		{"openssl", "3.5", upstream.Cycle{Branch: "3.5", Known: true, LTS: true, EOLDate: "2030-04-08"}},
		{"lua", "5.4", upstream.Cycle{Branch: "5.4"}},
	}
	for _, tt := range tests {
		got, err := x.Cycle(ctx, tt.name, tt.branch)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%s %s: %+v, want %+v", tt.name, tt.branch, got, tt.want)
		}
	}
}

// Bad indexes: each gives one error of the right type that names the URL.
func TestBadIndexes(t *testing.T) {
	ctx := context.Background()
	releasesJSON := "/haproxy/3.0/src/releases.json"
	tests := []struct {
		name    string
		body    string
		status  int
		check   func(error) bool
		message string
	}{
		{"malformed JSON", `{"branch": "3.0", "releases": {`, 200, isMalformed, "malformed"},
		{"no releases object", `{"branch": "3.0", "latest_release": "3.0.1"}`, 200, isMalformed, `no "releases" object`},
		{"another branch's index", `{"branch": "3.1", "latest_release": "3.1.0", "releases": {"3.1.0": {"file": "haproxy-3.1.0.tar.gz"}}}`, 200, isMalformed, `branch "3.1"`},
		{"bad sha256", `{"branch": "3.0", "latest_release": "3.0.1", "releases": {"3.0.1": {"file": "haproxy-3.0.1.tar.gz", "sha256": "xyz"}}}`, 200, isMalformed, "not 64 hex"},
		{"not found", "", 404, isNotFound, "404"},
		{"server error", "", 503, isUnreachable, "503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site := upstreamtest.New(t)
			site.Handle(releasesJSON, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			})
			x := newIndex(t, site, upstream.WithRetryMax(1))
			_, err := x.Releases(ctx, "haproxy", "3.0")
			if err == nil || !tt.check(err) || !strings.Contains(err.Error(), tt.message) || !strings.Contains(err.Error(), site.URL+releasesJSON) {
				t.Fatalf("got %v; want a %s error naming the URL", err, tt.name)
			}
		})
	}

	t.Run("unreachable", func(t *testing.T) {
		x, err := upstream.New(upstream.WithIndexURL("lua", "http://127.0.0.1:1"), upstream.WithRetryMax(0))
		if err != nil {
			t.Fatal(err)
		}
		_, err = x.Releases(ctx, "lua", "5.4")
		if !isUnreachable(err) || !strings.Contains(err.Error(), "127.0.0.1:1") {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("slow", func(t *testing.T) {
		site := upstreamtest.New(t)
		site.Handle("/lua/", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		})
		x := newIndex(t, site, upstream.WithTimeout(300*time.Millisecond))
		start := time.Now()
		_, err := x.Releases(ctx, "lua", "5.4")
		if !isUnreachable(err) || !strings.Contains(err.Error(), "within 300ms") {
			t.Fatalf("got %v", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("the deadline did not hold: %s", d)
		}
	})

	t.Run("listing without tarballs", func(t *testing.T) {
		site := upstreamtest.New(t)
		site.Handle("/zlib/", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>maintenance</html>")) })
		_, err := newIndex(t, site).Releases(ctx, "zlib", "1")
		if !isMalformed(err) {
			t.Fatalf("got %v", err)
		}
	})

	// published_at becomes the date kiln outdated prints: anything but an RFC 3339 time
	// (escape sequences, a cut UTF-8 rune) is refused, quoted in the error.
	for _, bad := range []string{`\u001b[2J\u001b[31mX`, `2025-10-2\u00e9T16:00:00Z`, `2025-10-21`} {
		t.Run("GitHub release published_at "+bad, func(t *testing.T) {
			site := upstreamtest.New(t)
			site.Handle("/pcre2", func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`[{"tag_name": "pcre2-10.47", "published_at": "` + bad + `", "assets": [{"name": "pcre2-10.47.tar.gz",
					"browser_download_url": "https://github.com/PCRE2Project/pcre2/releases/download/pcre2-10.47/pcre2-10.47.tar.gz"}]}]`))
			})
			_, err := newIndex(t, site).Releases(ctx, "pcre2", "10")
			if !isMalformed(err) || !strings.Contains(err.Error(), "release 10.47: published_at") || !strings.Contains(err.Error(), "is not an RFC 3339 time") ||
				strings.ContainsRune(err.Error(), 0x1b) {
				t.Fatalf("got %q", err)
			}
		})
	}

	t.Run("GitHub answer that is not a list", func(t *testing.T) {
		site := upstreamtest.New(t)
		site.Handle("/pcre2", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"message": "API rate limit exceeded"}`))
		})
		_, err := newIndex(t, site).Releases(ctx, "pcre2", "10")
		if !isMalformed(err) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestIndexURLValidation(t *testing.T) {
	if _, err := upstream.New(upstream.WithIndexURL("nginx", "http://x")); err == nil || !strings.Contains(err.Error(), "haproxy") {
		t.Errorf("unknown index name: %v", err)
	}
	if _, err := upstream.New(upstream.WithIndexURL("lua", "ftp://x")); err == nil {
		t.Error("ftp:// accepted")
	}
}

func TestCompare(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"3.0.11", "3.0.12", -1}, {"3.0.12", "3.0.9", 1}, {"10.46", "10.5", 1}, {"1.3", "1.3.0", 0},
		{"1.3.1", "1.3", 1}, {"3.2-dev1", "3.1.0", -1},
	} {
		if got := upstream.Compare(tt.a, tt.b); got != tt.want {
			t.Errorf("Compare(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	if upstream.BranchOf("3.0.11", 2) != "3.0" || upstream.BranchOf("10.46", 1) != "10" {
		t.Error("BranchOf")
	}
}

func isMalformed(err error) bool {
	var e *upstream.MalformedError
	return errors.As(err, &e)
}

func isNotFound(err error) bool {
	var e *upstream.NotFoundError
	return errors.As(err, &e)
}

func isUnreachable(err error) bool {
	var e *upstream.UnreachableError
	return errors.As(err, &e)
}
