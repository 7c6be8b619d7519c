package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/internal/bump"
	"github.com/kilnbuild/kiln/internal/files"
	"github.com/kilnbuild/kiln/internal/pgo"
	"github.com/kilnbuild/kiln/internal/pgo/train"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator"
)

func profileCommand() *cli.Command {
	return &cli.Command{
		Name:      "profile",
		Usage:     "record a profile of SPEC's program under load, for build.profile (optimize = \"speed\")",
		ArgsUsage: "[SPEC]",
		Description: `Builds the spec's program instrumented (every file, -fprofile-generate; the same
sources, features, flags and toolchain as the spec's build), runs it on this machine under
a fixed training load (direct answers, 16-deep pipelining, proxied requests, a gzip'd
64 KiB body, new connections: 127.0.0.1 only, nothing leaves the machine), stops it, and
writes the .gcda files it wrote, with a manifest of the build they belong to, as a
deterministic tar.gz. Prints the file's sha256 and the [build.profile] table to put in the
spec: the build then reads that fixed file, so it stays reproducible (a profile recorded
inside the build would move with the training's timing, and the binary with it).

A profile belongs to one build: a new HAProxy, patch, feature, march level or kiln recipe
makes kiln refuse it (naming what moved) until it is recorded again.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the profile to `FILE` (a .tar.gz beside the spec; replaced whole, never half-written); with --pin, default: the spec's build.profile.file"},
			&cli.BoolFlag{Name: "pin", Usage: "also pin the recording in SPEC: set [build.profile]'s sha256 (and file), or add the table; the rest of the file is kept byte for byte"},
			mirrorFlag,
			storeFlag,
			allowFlag,
		},
		Action: runProfile,
	}
}

func runProfile(c *cli.Context) error {
	s, err := loadSpec(c)
	if err != nil {
		return err
	}
	if c := s.Build.ProfileConflicts(); len(c) > 0 {
		return fmt.Errorf("%s: %s; change that and run kiln profile again", specName(s.File()), strings.Join(c, "; "))
	}
	out := c.String("output")
	pin := c.Bool("pin")
	// No SPEC is the embedded default, which is not a speed build: refused above, so --pin
	// always has a spec file to edit.
	switch {
	case out == "" && pin && s.Build.Profile != nil:
		out = s.Resolve(s.Build.Profile.File)
	case out == "":
		return errors.New("-o FILE: where to write the profile (or --pin with a spec that has [build.profile] to record it again in place)")
	}
	if filepath.Ext(out) != ".gz" {
		return fmt.Errorf("-o %s: name the profile FILE.tar.gz (it is a gzip'd tarball)", out)
	}
	data, n, err := recordSpecProfile(c, s)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	// build.profile.file is relative to the spec's directory.
	rel := out
	if abs, err := filepath.Abs(out); err == nil && s.Dir() != "" {
		if r, err := filepath.Rel(s.Dir(), abs); err == nil {
			rel = r
		}
	}
	rel = filepath.ToSlash(rel)
	var pinned []byte
	if pin {
		// Worked out, and checked to load, before anything is written.
		if pinned, err = pinProfile(s.File(), rel, hex.EncodeToString(sum[:])); err != nil {
			return err
		}
	}
	if err := files.WriteFile(out, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "%x  %s\n", sum, out)
	if pin {
		st, err := os.Stat(s.File())
		if err != nil {
			return err
		}
		if err := files.WriteFile(s.File(), pinned, st.Mode().Perm()); err != nil {
			return err
		}
		fmt.Fprintf(c.App.ErrWriter, "kiln profile: %d .gcda files, %d bytes; pinned in %s\n", n, len(data), s.File())
		return nil
	}
	fmt.Fprintf(c.App.ErrWriter, "kiln profile: %d .gcda files, %d bytes; pin it in the spec (or run with --pin):\n\n[build.profile]\nfile = %q\nsha256 = \"%x\"\n",
		n, len(data), rel, sum)
	return nil
}

// pinProfile returns the spec file's text with [build.profile] naming file and sha256: the
// two values replaced in place when the table is there, the table appended when it is not.
// The result must load and validate as a spec (the profile file aside, not written yet).
func pinProfile(specFile, file, sum string) ([]byte, error) {
	old, err := os.ReadFile(specFile)
	if err != nil {
		return nil, err
	}
	text := string(old)
	if cur, err := spec.Parse(specFile, filepath.Dir(specFile), old); err == nil && cur.Build.Profile != nil {
		text, err = bump.SetStrings(text, map[string]string{"build.profile.file": file, "build.profile.sha256": sum})
		if err != nil {
			return nil, fmt.Errorf("--pin: %s: %w", specFile, err)
		}
	} else {
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		text += fmt.Sprintf("\n[build.profile]\nfile = %q\nsha256 = %q\n", file, sum)
	}
	if _, err := spec.Parse(specFile, filepath.Dir(specFile), []byte(text)); err != nil {
		return nil, fmt.Errorf("--pin: %s would not load with the profile pinned (%w); add the [build.profile] table by hand", specFile, err)
	}
	return []byte(text), nil
}

// recordSpecProfile builds s's program instrumented, runs it under the training load and
// returns the profile (the tarball Pack writes) and how many .gcda files it holds.
func recordSpecProfile(c *cli.Context, s *spec.Spec) ([]byte, int, error) {
	man, err := pgo.For(s)
	if err != nil {
		return nil, 0, err
	}
	man.Recorded = train.Recorded()

	rec := *s
	rec.RecordProfile()
	p := newPipeline(c)
	res, err := p.Build(c.Context, &rec, orchestrator.BuildOptions{})
	if err != nil {
		return nil, 0, fmt.Errorf("building %s instrumented: %w", s.Package.Name, err)
	}
	prog, err := orchestrator.FindProgram(res.Outputs, p.StoreRoot(), s.Package.Name)
	if err != nil {
		return nil, 0, fmt.Errorf("the instrumented build: %w", err)
	}
	bin := filepath.Join(p.StoreRoot(), filepath.FromSlash(prog))
	dir, err := os.MkdirTemp("", "kiln-profile-")
	if err != nil {
		return nil, 0, err
	}
	defer os.RemoveAll(dir)
	logger(c).Info("training the instrumented build", "binary", bin)
	prefix, err := train.Run(c.Context, bin, dir, c.App.ErrWriter)
	if err != nil {
		return nil, 0, err
	}
	gcda, err := pgo.Collect(prefix)
	if err != nil {
		return nil, 0, err
	}
	var buf bytes.Buffer
	if err := pgo.Pack(&buf, gcda, man); err != nil {
		return nil, 0, err
	}
	if _, _, err := pgo.Unpack(buf.Bytes()); err != nil {
		return nil, 0, fmt.Errorf("the profile kiln wrote does not read back: %w", err)
	}
	return buf.Bytes(), len(gcda), nil
}
