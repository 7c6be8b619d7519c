package upstream

import (
	"context"
	"regexp"
	"strings"
)

// Lua's download list (lua.org/ftp/) is an HTML table, one row per file:
//
//	<TR>
//	<TD CLASS="name"><A HREF="lua-5.4.7.tar.gz">lua-5.4.7.tar.gz</A></TD>
//	<TD CLASS="date">2024-06-25</TD>
//	<TD CLASS="size">374097</TD>
//	<TD CLASS="sum">9fbf5e28…</TD>
//	</TR>
//
// zlib's fossils (zlib.net/fossils/) is a plain web server listing: links and dates, no
// hashes. Both are read row by row: a row's link names the version, the same row's
// YYYY-MM-DD is its date and a 64-hex-digit cell its sha256.
var (
	rowRE   = regexp.MustCompile(`(?is)<tr[^>]*>(.*?)</tr>`)
	hrefRE  = regexp.MustCompile(`(?i)href\s*=\s*"([^"]+)"`)
	dateRE  = regexp.MustCompile(`\b(\d{4}-\d{2}-\d{2})\b`)
	cellSum = regexp.MustCompile(`(?i)>\s*([0-9a-f]{64})\s*<`)
)

// listingReleases reads a directory-style listing of <prefix><version>.tar.gz files.
func (x *Index) listingReleases(ctx context.Context, name, prefix string) ([]Release, error) {
	return cached(x, "listing/"+name, func() ([]Release, error) {
		u := x.bases[name] + "/"
		what := name + "'s download list"
		body, err := x.f.get(ctx, what, u, "text/html")
		if err != nil {
			return nil, err
		}
		rows := rowRE.FindAllStringSubmatch(string(body), -1)
		if len(rows) == 0 {
			// A listing that is not a table: one "row" per line.
			for _, line := range strings.Split(string(body), "\n") {
				rows = append(rows, []string{line, line})
			}
		}
		seen := map[string]bool{}
		var out []Release
		for _, row := range rows {
			m := hrefRE.FindStringSubmatch(row[1])
			if m == nil {
				continue
			}
			file := m[1]
			v, ok := strings.CutPrefix(file, prefix)
			if !ok {
				continue
			}
			v, ok = strings.CutSuffix(v, ".tar.gz")
			if !ok || !IsRelease(v) || seen[v] {
				continue
			}
			seen[v] = true
			r := Release{
				Version:  v,
				URL:      DefaultIndexURLs[name] + "/" + file,
				Download: x.bases[name] + "/" + file,
			}
			if d := dateRE.FindStringSubmatch(row[1]); d != nil {
				r.Date = d[1]
			}
			if s := cellSum.FindStringSubmatch(row[1]); s != nil {
				r.SHA256 = strings.ToLower(s[1])
			}
			out = append(out, r)
		}
		if len(out) == 0 {
			return nil, &MalformedError{What: what, URL: u, Err: errNoTarballs(prefix)}
		}
		sortNewestFirst(out)
		return out, nil
	})
}

type errNoTarballs string

func (e errNoTarballs) Error() string { return "no " + string(e) + "<version>.tar.gz link in it" }

func (x *Index) luaReleases(ctx context.Context) ([]Release, error) {
	return x.listingReleases(ctx, "lua", "lua-")
}

func (x *Index) zlibReleases(ctx context.Context) ([]Release, error) {
	return x.listingReleases(ctx, "zlib", "zlib-")
}
