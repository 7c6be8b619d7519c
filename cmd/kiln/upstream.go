package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/internal/upstream"
)

// Flags of the commands that read upstream release indexes (outdated, bump).
var (
	indexURLFlag = &cli.StringSliceFlag{
		Name:    "index-url",
		EnvVars: []string{"KILN_INDEX_URL"},
		Usage: "read the `NAME=URL` index from URL instead of upstream (a mirror, a test server; repeatable). NAME: " +
			strings.Join(upstream.IndexNames(), ", ") + ". The URLs written into specs stay upstream's own",
	}
	branchFlag = &cli.StringSliceFlag{
		Name:  "branch",
		Usage: "compare NAME with (bump: move NAME to) another release branch, `NAME=BRANCH` (e.g. haproxy=3.2); without it a pin never leaves its branch (repeatable)",
	}
	indexTimeoutFlag = &cli.DurationFlag{Name: "timeout", Value: 30 * time.Second, Usage: "give up on an index that has not answered within this long (retries included)"}
)

// upstreamIndex builds the release index reader from the command line. GITHUB_TOKEN, when
// set, authenticates requests to api.github.com (and nowhere else).
func upstreamIndex(c *cli.Context) (*upstream.Index, error) {
	opts := []upstream.Option{
		upstream.WithTimeout(c.Duration("timeout")),
		upstream.WithLogger(logger(c)),
		upstream.WithUserAgent("kiln/" + version),
	}
	for _, kv := range c.StringSlice("index-url") {
		name, u, ok := strings.Cut(kv, "=")
		if !ok || name == "" || u == "" {
			return nil, fmt.Errorf("--index-url %q: want NAME=URL, NAME one of %s", kv, strings.Join(upstream.IndexNames(), ", "))
		}
		opts = append(opts, upstream.WithIndexURL(name, u))
	}
	if tok := os.Getenv("GITHUB_TOKEN"); tok != "" {
		opts = append(opts, upstream.WithGitHubToken(tok))
	}
	x, err := upstream.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("--index-url: %w", err)
	}
	return x, nil
}

// branches parses --branch NAME=BRANCH flags.
func branches(c *cli.Context) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range c.StringSlice("branch") {
		name, b, ok := strings.Cut(kv, "=")
		p, known := upstream.Projects[name]
		switch {
		case !ok || b == "":
			return nil, fmt.Errorf("--branch %q: want NAME=BRANCH, e.g. haproxy=3.2", kv)
		case !known:
			return nil, fmt.Errorf("--branch %q: kiln reads releases of haproxy, lua, pcre2, openssl and zlib", kv)
		case !upstream.IsRelease(b) || strings.Count(b, ".")+1 != p.Depth:
			return nil, fmt.Errorf("--branch %q: %s's branches are %s, e.g. --branch %s=%s", kv, name, branchForm(p.Depth), name, exampleBranches[name])
		}
		out[name] = b
	}
	return out, nil
}

// exampleBranches are a branch of each project, for --branch's errors.
var exampleBranches = map[string]string{"haproxy": "3.2", "lua": "5.4", "openssl": "3.5", "pcre2": "10", "zlib": "1"}

// branchForm says how many numbers make a branch of depth parts.
func branchForm(depth int) string {
	switch depth {
	case 1:
		return "one number (MAJOR)"
	case 2:
		return "two numbers (MAJOR.MINOR)"
	}
	return fmt.Sprintf("%d numbers", depth)
}
