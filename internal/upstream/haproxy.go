package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// haproxyIndex is a branch's releases.json, as haproxy's scripts/make-releases-json
// writes it into haproxy.org/download/<branch>/src/:
//
//	{
//	  "branch": "3.0",
//	  "latest_release": "3.0.11",
//	  "releases": {
//	    "3.0.11": {"file": "haproxy-3.0.11.tar.gz", "md5": "…", "sha256": "…"},
//	    …
//	  }
//	}
//
// md5 and sha256 are present only when the .md5/.sha256 files are next to the tarball;
// development versions are listed too ("3.1-dev5": "devel/haproxy-3.1-dev5.tar.gz").
// There are no dates.
type haproxyIndex struct {
	Branch   string                    `json:"branch"`
	Latest   string                    `json:"latest_release"`
	Releases map[string]haproxyRelease `json:"releases"`
}

type haproxyRelease struct {
	File   string `json:"file"`
	MD5    string `json:"md5"`
	SHA256 string `json:"sha256"`
}

var (
	sha256RE      = regexp.MustCompile(`^[0-9a-f]{64}$`)
	anySHA256RE   = regexp.MustCompile(`\b[0-9a-fA-F]{64}\b`)
	haproxyBranch = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)
)

// haproxyReleases reads one branch's releases.json.
func (x *Index) haproxyReleases(ctx context.Context, branch string) ([]Release, error) {
	if !haproxyBranch.MatchString(branch) {
		return nil, fmt.Errorf("haproxy branch %q: want MAJOR.MINOR such as 3.0", branch)
	}
	return cached(x, "haproxy/"+branch, func() ([]Release, error) {
		rel := "/" + branch + "/src/"
		u := x.bases["haproxy"] + rel + "releases.json"
		what := "haproxy's releases.json for branch " + branch
		body, err := x.f.get(ctx, what, u, "application/json")
		if err != nil {
			return nil, err
		}
		var idx haproxyIndex
		if err := json.Unmarshal(body, &idx); err != nil {
			return nil, &MalformedError{What: what, URL: u, Err: err}
		}
		bad := func(format string, args ...any) error {
			return &MalformedError{What: what, URL: u, Err: fmt.Errorf(format, args...)}
		}
		switch {
		case idx.Releases == nil:
			return nil, bad(`no "releases" object`)
		case idx.Branch != branch:
			return nil, bad("it is the index of branch %q", idx.Branch)
		case idx.Latest != "" && idx.Releases[idx.Latest] == (haproxyRelease{}):
			return nil, bad("latest_release %q is not among its releases", idx.Latest)
		}
		var out []Release
		for v, r := range idx.Releases {
			if !IsRelease(v) {
				continue // a -dev or -rc version
			}
			if r.File != "haproxy-"+v+".tar.gz" {
				return nil, bad("release %s names file %q, not haproxy-%s.tar.gz", v, r.File, v)
			}
			if r.SHA256 != "" && !sha256RE.MatchString(r.SHA256) {
				return nil, bad("release %s has sha256 %q, not 64 hex digits", v, r.SHA256)
			}
			out = append(out, Release{
				Version:  v,
				URL:      DefaultIndexURLs["haproxy"] + rel + r.File,
				Download: x.bases["haproxy"] + rel + r.File,
				SHA256:   r.SHA256,
			})
		}
		sortNewestFirst(out)
		return out, nil
	})
}

// haproxyNewest finds the newest branch with a stable release (from the lifecycle index,
// which lists every branch) and reads that branch's newest release.
func (x *Index) haproxyNewest(ctx context.Context) (Release, error) {
	cycles, err := x.lifecycle(ctx, "haproxy")
	if err != nil {
		return Release{}, fmt.Errorf("finding haproxy's newest branch: %w", err)
	}
	for _, c := range cycles { // newest first
		if !haproxyBranch.MatchString(c.Branch) {
			continue
		}
		rels, err := x.haproxyReleases(ctx, c.Branch)
		var nf *NotFoundError
		if errors.As(err, &nf) {
			continue // announced, not yet published
		}
		if err != nil {
			return Release{}, err
		}
		if len(rels) > 0 {
			return rels[0], nil
		}
	}
	return Release{}, fmt.Errorf("finding haproxy's newest branch: no branch in the lifecycle index has a release")
}

// firstSHA256 finds the first 64-hex-digit word of a checksum file ("<hash>  <file>",
// "SHA256(file)= <hash>").
func firstSHA256(s string) string {
	return strings.ToLower(anySHA256RE.FindString(s))
}
