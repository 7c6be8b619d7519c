package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/internal/bump"
	"github.com/kilnbuild/kiln/internal/files"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator"
	"github.com/kilnbuild/kiln/orchestrator/image"
)

func bumpCommand() *cli.Command {
	return &cli.Command{
		Name:      "bump",
		Usage:     "move SPEC's pinned sources to the newest release on their branch, editing only the version, url and sha256 values (and dropping patches the release carries)",
		ArgsUsage: "SPEC",
		Description: `Rewrites the version, url and sha256 of each pin that is behind ([package], or
[sources.<name>] for a library) in place: comments, order and formatting of the file stay
as they are. A library using kiln's default source (no [sources.<name>] table) gets an
explicit [sources.<name>] table appended at the end of the file.

The sha256 comes from upstream's index when it publishes one (HAProxy's releases.json,
Lua's download list, a GitHub asset's digest or .sha256 file); otherwise (zlib) the
tarball is downloaded — or taken from --mirror, by file name — and hashed. A download
whose hash differs from the published one is refused. The spec's patches are applied
in order to the unpacked new tarball with patch(1) (-p1 --forward --batch, each tried
with --dry-run first); the first one that no longer applies is named and nothing is
written. A patch the new release already carries (upstream released the fix) is dropped:
its [[...patches]] table is cut from the spec and, once the spec is written, its file
removed when nothing else names it. The file is replaced atomically, and only when
everything passed.

--check builds the bumped spec (and the old one, usually from the store), runs the
hardening gate, packages the image, rebuilds it from scratch (--rounds, default 2) and
prints the change: versions, image digest, compressed and uncompressed size before and
after, hardening verdicts before -> after. The spec is written only if the check passes.

Exit status: 0 when the spec was bumped (or nothing was behind); 2 when --check found the
bumped build not reproducible (the spec is not written); 1 on any other error (the spec
is not written either).`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "only", Usage: "bump only this component (`NAME`: haproxy, lua, pcre2, openssl, zlib)"},
			&cli.StringFlag{Name: "to", Usage: "move to this `VERSION` (with --only), e.g. an older release or another branch's"},
			branchFlag,
			mirrorFlag,
			&cli.BoolFlag{Name: "check", Usage: "build, audit and verify the bumped spec, and report the change; write the spec only if that passes"},
			&cli.IntFlag{Name: "rounds", Value: 2, Usage: "with --check: builds of the bumped spec compared (1 = no rebuild)"},
			toolchainFlag,
			&cli.StringFlag{Name: "compression", Value: string(image.Gzip), Usage: "with --check: layer compression of the images compared"},
			&cli.BoolFlag{Name: "dry-run", Usage: "work everything out and print it, but do not write the spec"},
			indexURLFlag, indexTimeoutFlag, jsonFlag,
		},
		Action: runBump,
	}
}

func runBump(c *cli.Context) error {
	start := time.Now()
	if c.NArg() != 1 {
		return fmt.Errorf("expected one SPEC file (kiln init writes one), got %d arguments", c.NArg())
	}
	file := c.Args().First()
	br, err := branches(c)
	if err != nil {
		return err
	}
	check := c.Bool("check")
	if check && c.Int("rounds") < 1 {
		return fmt.Errorf("--rounds %d: want 1 or more", c.Int("rounds"))
	}
	x, err := upstreamIndex(c)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "kiln-bump-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	log := logger(c)
	b := &bump.Bumper{Index: x}
	plan, err := b.Plan(c.Context, bump.Request{
		File: file, Only: c.String("only"), To: c.String("to"), Branches: br,
		Mirror: c.String("mirror"), WorkDir: work, Fetch: check,
	})
	if err != nil {
		return err
	}
	rep := &bump.Report{Spec: file, Changes: plan.Changes, Warnings: plan.Warnings}
	dir, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		return err
	}
	// Files are reported as the spec names them: relative to its directory.
	rel := func(f string) string {
		if r, err := filepath.Rel(dir, f); err == nil {
			return r
		}
		return f
	}
	for _, f := range plan.Unused {
		rep.Unused = append(rep.Unused, rel(f))
	}
	for _, ch := range plan.Changes {
		log.Info("bump", "component", ch.Name, "from", ch.From.Version, "to", ch.To.Version, "sha256_from", ch.HashFrom)
	}
	for _, w := range plan.Warnings {
		log.Warn(w)
	}
	failed := false
	var profileDone *freshProfile
	if check && len(plan.Changes) > 0 {
		old, bumped, err := checkSpecs(c, file, plan)
		if err != nil {
			return err
		}
		if bumped.Build.Profile != nil {
			// The profile belongs to the old pins: record it for the new ones first, so the
			// check builds what the written spec will build.
			fresh, err := reprofile(c, bumped, plan, work)
			if err != nil {
				return err
			}
			defer os.Remove(fresh.tmp)
			profileDone = fresh
			rep.Warnings = slices.DeleteFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "build.profile was recorded") })
		}
		pkg, err := packageOptions(c, bumped.Image.Created)
		if err != nil {
			return err
		}
		ck := &buildChecker{c: c, pkg: pkg}
		if rep.Check, err = bump.Check(c.Context, ck, old, bumped, work, c.Int("rounds")); err != nil {
			return err
		}
		failed = !rep.Check.OK()
	}
	if !failed && !c.Bool("dry-run") {
		err := plan.Write()
		for _, f := range plan.Removed {
			rep.Removed = append(rep.Removed, rel(f))
		}
		if err != nil {
			return err
		}
		rep.Written = len(plan.Changes) > 0
		if profileDone != nil {
			if err := os.Rename(profileDone.tmp, profileDone.path); err != nil {
				return fmt.Errorf("the spec was written, but not its new profile (%w): kiln profile --pin %s records it again", err, file)
			}
			if err := files.Sync(filepath.Dir(profileDone.path)); err != nil {
				return err
			}
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("build.profile recorded again for the new pins: %s, sha256 %s", profileDone.path, profileDone.sha256))
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	if c.Bool("json") {
		err = printJSON(c, rep)
	} else {
		err = rep.WriteText(c.App.Writer)
	}
	if err != nil {
		return err
	}
	if failed {
		return cli.Exit("kiln: the bumped spec does not build reproducibly; the spec was not written (kiln verify shows what differs)", exitNotReproducible)
	}
	return nil
}

// checkSpecs decodes the spec before and after the bump for --check, each with the
// command line's --toolchain applied (the file itself keeps its own).
func checkSpecs(c *cli.Context, file string, plan *bump.Plan) (old, bumped *spec.Spec, err error) {
	dir, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		return nil, nil, err
	}
	for _, p := range []struct {
		dst  **spec.Spec
		text []byte
	}{{&old, plan.Old}, {&bumped, plan.New}} {
		s, err := spec.Parse(file, dir, p.text)
		if err != nil {
			return nil, nil, err
		}
		if err := overrideToolchain(c, s); err != nil {
			return nil, nil, err
		}
		if err := s.Validate(); err != nil {
			return nil, nil, errors.Join(errors.New("--toolchain makes the spec invalid"), err)
		}
		*p.dst = s
	}
	return old, bumped, nil
}

// freshProfile is a profile bump --check recorded for the bumped pins: written beside the
// spec's profile under a temporary name, renamed over it once the spec is written.
type freshProfile struct {
	tmp, path, sha256 string
}

// reprofile records bumped's profile (its new sources seeded from work, where bump fetched
// them), writes it beside the old one, and points bumped and plan's new text at it: the
// spec's sha256 in place, its file name unchanged (the canonical spec leaves it out).
func reprofile(c *cli.Context, bumped *spec.Spec, plan *bump.Plan, work string) (*freshProfile, error) {
	p := newPipeline(c)
	if _, err := orchestrator.Seed(c.Context, p.Nix(bumped), work, orchestrator.Sources(bumped), p.Logger()); err != nil {
		return nil, err
	}
	data, _, err := recordSpecProfile(c, bumped)
	if err != nil {
		return nil, fmt.Errorf("recording build.profile for the bumped spec: %w", err)
	}
	sum := sha256.Sum256(data)
	pr := bumped.Build.Profile
	path := bumped.Resolve(pr.File)
	tmp, err := files.WriteTemp(path, data, 0o644)
	if err != nil {
		return nil, err
	}
	text, err := bump.SetStrings(string(plan.New), map[string]string{"build.profile.sha256": hex.EncodeToString(sum[:])})
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("pinning the new profile in %s: %w", plan.File, err)
	}
	plan.New = []byte(text)
	pr.File = filepath.Join(filepath.Dir(pr.File), filepath.Base(tmp))
	pr.SHA256 = hex.EncodeToString(sum[:])
	return &freshProfile{tmp: tmp, path: path, sha256: pr.SHA256}, nil
}
