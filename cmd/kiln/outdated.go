package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/internal/bump"
	"github.com/kilnbuild/kiln/nixgen/spec"
)

// kiln outdated's exit statuses (1 is any error).
const (
	exitBehind    = 2
	exitAttention = 3
)

func outdatedCommand() *cli.Command {
	return &cli.Command{
		Name:      "outdated",
		Usage:     "compare every pinned source of SPEC… (default: the embedded spec) with upstream's releases",
		ArgsUsage: "[SPEC…]",
		Description: `For the package (HAProxy) and each library an enabled feature links (Lua, PCRE2,
OpenSSL, zlib) — pinned in the spec or kiln's default — reads upstream's index and prints
the newest release on the pin's branch, the newest overall, and whether the branch is
LTS or past its end of life. A pin never leaves its branch (an LTS branch in particular)
unless --branch asks for another one.

Indexes: HAProxy's releases.json per branch (haproxy.org/download/<branch>/src/), Lua's
download list (lua.org/ftp/), PCRE2's and OpenSSL's GitHub releases, zlib's fossils
(zlib.net/fossils/), branch status from endoflife.date. --index-url replaces any of them.

Exit status: 0 when every pin is the newest release on its branch and no branch is past
its end of life; 2 when something is behind (kiln bump moves it); 3 when nothing is behind
but something needs a person (a branch past its end of life, a pin upstream no longer
lists, a pin newer than upstream's newest); 1 on any error (an index unreachable, slow
or malformed, a bad spec).`,
		Flags:  []cli.Flag{indexURLFlag, branchFlag, indexTimeoutFlag, jsonFlag},
		Action: runOutdated,
	}
}

// outdatedOutput is kiln outdated --json's result.
type outdatedOutput struct {
	Specs []bump.SpecFindings `json:"specs"`
	// Behind is true when kiln bump has something to move; Attention when a person must look.
	Behind    bool `json:"behind"`
	Attention bool `json:"attention"`
}

func runOutdated(c *cli.Context) error {
	br, err := branches(c)
	if err != nil {
		return err
	}
	type loaded struct {
		s   *spec.Spec
		src []byte
	}
	var specs []loaded
	if c.NArg() == 0 {
		specs = append(specs, loaded{spec.Default(), spec.DefaultTOML})
	}
	for _, path := range c.Args().Slice() {
		s, err := spec.Load(path)
		if err != nil {
			return err
		}
		if err := s.Validate(); err != nil {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("reading spec: %w", err)
		}
		specs = append(specs, loaded{s, src})
	}
	x, err := upstreamIndex(c)
	if err != nil {
		return err
	}
	b := &bump.Bumper{Index: x}
	var out outdatedOutput
	for _, l := range specs {
		fs, err := b.Outdated(c.Context, l.s, l.src, br)
		if err != nil {
			return err
		}
		out.Specs = append(out.Specs, bump.SpecFindings{Spec: specName(l.s.File()), Findings: fs})
	}
	out.Behind, out.Attention = bump.Summarize(out.Specs)
	if c.Bool("json") {
		err = printJSON(c, out)
	} else {
		err = bump.WriteFindings(c.App.Writer, out.Specs)
	}
	if err != nil {
		return err
	}
	switch {
	case out.Behind:
		return cli.Exit("kiln: newer releases are out on the pinned branches; kiln bump SPEC moves to them", exitBehind)
	case out.Attention:
		return cli.Exit("kiln: nothing to bump, but something needs a look (see the notes)", exitAttention)
	}
	return nil
}
