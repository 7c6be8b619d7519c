package bump

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/audit"
)

// Checker builds a spec, gates it, packages its image and, with 2 rounds or more,
// rebuilds it from scratch and compares: the proof bump --check attaches to a change.
// The command layer implements it with kiln's build pipeline.
type Checker interface {
	Check(ctx context.Context, s *spec.Spec, req CheckRequest) (*Outcome, error)
}

// CheckRequest is one check.
type CheckRequest struct {
	// Rounds is 1 to build and package only, 2 or more to verify too.
	Rounds int
	// Sources is a directory of tarballs bump fetched, seeded before the build ("" = none).
	Sources string
}

// Outcome is what a check found.
type Outcome struct {
	// Version is the package version built.
	Version string `json:"version"`
	// Digest is the image's manifest digest.
	Digest string `json:"digest"`
	// CompressedSize and UncompressedSize are manifest + config + layers, in bytes.
	CompressedSize   int64 `json:"compressed_size"`
	UncompressedSize int64 `json:"uncompressed_size"`
	// Hardening has the audit's verdicts for every ELF file in the image.
	Hardening []Verdict `json:"hardening"`
	// Rounds is how many times the spec was built.
	Rounds int `json:"rounds"`
	// Reproducible is set by a check of 2 rounds or more.
	Reproducible *bool `json:"reproducible,omitempty"`
}

// Verdict is the audit's verdict on one ELF file.
type Verdict struct {
	// File is the file's path inside its store path (bin/haproxy), which stays the same
	// from one version to the next.
	File      string `json:"file"`
	StorePath string `json:"store_path"`
	Type      string `json:"type"`
	RELRO     string `json:"relro"`
	BindNow   bool   `json:"bind_now"`
	NX        bool   `json:"nx"`
	Canary    string `json:"canary"`
	// CanaryShare is the share of functions with a large stack frame that load the guard.
	CanaryShare float64 `json:"canary_share"`
	Stripped    bool    `json:"stripped"`
}

// Verdicts turns the audit's reports on an image's files into verdicts.
func Verdicts(reports []audit.ELFReport) []Verdict {
	var out []Verdict
	for _, r := range reports {
		sp, rel := splitStorePath(r.File)
		out = append(out, Verdict{File: rel, StorePath: sp, Type: r.Type, RELRO: r.RELRO, BindNow: r.BindNow, NX: r.NX,
			Canary: r.Canary, CanaryShare: r.CanaryStats.Ratio, Stripped: r.Stripped})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out
}

// splitStorePath splits /nix/store/<hash>-<name>/bin/x into the store path and bin/x.
func splitStorePath(p string) (string, string) {
	rest, ok := strings.CutPrefix(p, "/nix/store/")
	if !ok {
		return "", strings.TrimPrefix(p, "/")
	}
	name, rel, _ := strings.Cut(rest, "/")
	return "/nix/store/" + name, rel
}

// Report is bump's result: what changed and, with --check, the proof.
type Report struct {
	// Spec is the spec file.
	Spec string `json:"spec"`
	// Changes lists the pins moved.
	Changes []Change `json:"changes"`
	// Warnings are things a person should look at.
	Warnings []string `json:"warnings,omitempty"`
	// Check is the build, audit and verify of the bumped spec (nil without --check).
	Check *CheckReport `json:"check,omitempty"`
	// Written is true once the spec file was replaced.
	Written bool `json:"written"`
	// Unused are the files of dropped patches that nothing in the bumped spec names,
	// relative to the spec's directory: removed once the spec is written.
	Unused []string `json:"unused_files,omitempty"`
	// Removed are the Unused files removed after the spec was written.
	Removed []string `json:"removed_files,omitempty"`
	// Seconds is the time from the start of bump to this report.
	Seconds float64 `json:"seconds"`
}

// CheckReport compares the image before and after the bump.
type CheckReport struct {
	// Toolchain is the toolchain both were built with.
	Toolchain string   `json:"toolchain"`
	Before    *Outcome `json:"before"`
	After     *Outcome `json:"after"`
	// Delta is after minus before, in bytes.
	Delta Delta `json:"delta"`
}

// Delta is a size change in bytes.
type Delta struct {
	Compressed   int64 `json:"compressed"`
	Uncompressed int64 `json:"uncompressed"`
}

// Check runs the checker on the old spec (1 round: build and package, usually from the
// store) and on the bumped one (rounds: build, gates, verify), and compares them.
func Check(ctx context.Context, c Checker, old, bumped *spec.Spec, sources string, rounds int) (*CheckReport, error) {
	before, err := c.Check(ctx, old, CheckRequest{Rounds: 1})
	if err != nil {
		return nil, fmt.Errorf("checking the spec before the bump: %w", err)
	}
	after, err := c.Check(ctx, bumped, CheckRequest{Rounds: rounds, Sources: sources})
	if err != nil {
		return nil, fmt.Errorf("checking the bumped spec: %w", err)
	}
	return &CheckReport{
		Toolchain: string(bumped.Build.Toolchain),
		Before:    before,
		After:     after,
		Delta: Delta{
			Compressed:   after.CompressedSize - before.CompressedSize,
			Uncompressed: after.UncompressedSize - before.UncompressedSize,
		},
	}, nil
}

// OK reports whether the check passed: the bumped spec was reproducible (when verified).
func (r *CheckReport) OK() bool {
	return r.After.Reproducible == nil || *r.After.Reproducible
}
