package upstream

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// githubRelease is the part of a GitHub REST API release object kiln reads
// (GET /repos/{owner}/{repo}/releases). Each asset carries "digest": "sha256:<hex>" for
// assets uploaded since mid-2025; older ones have null there.
type githubRelease struct {
	TagName     string        `json:"tag_name"`
	Draft       bool          `json:"draft"`
	Prerelease  bool          `json:"prerelease"`
	PublishedAt string        `json:"published_at"` // RFC 3339; null for a draft
	Assets      []githubAsset `json:"assets"`
}

type githubAsset struct {
	Name               string  `json:"name"`
	Digest             *string `json:"digest"`
	BrowserDownloadURL string  `json:"browser_download_url"`
}

// githubTagPrefix is what comes before the version in a project's release tags and
// tarball names: pcre2-10.46, openssl-3.5.7.
var githubTagPrefix = map[string]string{"pcre2": "pcre2-", "openssl": "openssl-"}

// githubReleases reads the newest 100 releases of a project (every maintained branch of
// OpenSSL and PCRE2 is among them) and keeps each stable one that has a .tar.gz asset.
func (x *Index) githubReleases(ctx context.Context, name string) ([]Release, error) {
	return cached(x, "github/"+name, func() ([]Release, error) {
		u := x.bases[name] + "?per_page=100"
		what := name + "'s GitHub releases"
		body, err := x.f.get(ctx, what, u, "application/vnd.github+json")
		if err != nil {
			return nil, err
		}
		var rels []githubRelease
		if err := json.Unmarshal(body, &rels); err != nil {
			return nil, &MalformedError{What: what, URL: u, Err: fmt.Errorf("want a JSON array of releases: %w", err)}
		}
		prefix := githubTagPrefix[name]
		var out []Release
		for _, r := range rels {
			v, ok := strings.CutPrefix(r.TagName, prefix)
			if r.Draft || r.Prerelease || !ok || !IsRelease(v) {
				continue
			}
			file := prefix + v + ".tar.gz"
			var tarball, sum *githubAsset
			for i := range r.Assets {
				switch r.Assets[i].Name {
				case file:
					tarball = &r.Assets[i]
				case file + ".sha256":
					sum = &r.Assets[i]
				}
			}
			if tarball == nil {
				continue // a release without a source tarball
			}
			canon := tarball.BrowserDownloadURL
			if !strings.HasPrefix(canon, DefaultIndexURLs["github"]+"/") {
				return nil, &MalformedError{What: what, URL: u, Err: fmt.Errorf("release %s: asset %s is not on %s: %q", v, file, DefaultIndexURLs["github"], canon)}
			}
			rel := Release{Version: v, URL: canon, Download: x.rebase("github", canon)}
			if r.PublishedAt != "" {
				t, err := time.Parse(time.RFC3339, r.PublishedAt)
				if err != nil {
					return nil, &MalformedError{What: what, URL: u, Err: fmt.Errorf("release %s: published_at %q is not an RFC 3339 time", v, r.PublishedAt)}
				}
				rel.Date = t.Format(time.DateOnly)
			}
			if tarball.Digest != nil && *tarball.Digest != "" {
				h, ok := strings.CutPrefix(*tarball.Digest, "sha256:")
				if !ok || !sha256RE.MatchString(h) {
					return nil, &MalformedError{What: what, URL: u, Err: fmt.Errorf("release %s: asset digest %q is not sha256:<64 hex>", v, *tarball.Digest)}
				}
				rel.SHA256 = h
			} else if sum != nil {
				rel.SHA256URL = x.rebase("github", sum.BrowserDownloadURL)
			}
			out = append(out, rel)
		}
		sortNewestFirst(out)
		return out, nil
	})
}
