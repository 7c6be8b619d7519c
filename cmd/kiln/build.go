package main

import (
	"encoding/json"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/orchestrator"
	"github.com/kilnbuild/kiln/orchestrator/nix"
)

func buildCommand() *cli.Command {
	return &cli.Command{
		Name:      "build",
		Usage:     "build SPEC (default: the embedded HAProxy 3.0.11 spec) with Nix and package it as an OCI image",
		ArgsUsage: "[SPEC]",
		Flags: []cli.Flag{
			toolchainFlag,
			&cli.StringFlag{Name: "mirror", Usage: "seed the Nix store from source tarballs in `DIR`, matched by sha256 (air-gapped builds)"},
			&cli.BoolFlag{Name: "no-image", Usage: "stop after the Nix build: print the store paths, write no image"},
			&cli.BoolFlag{Name: "rebuild", Usage: "build again even if the result is in the store, and fail unless it is bit-identical (nix build --rebuild)"},
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object on stdout"},
		},
		Action: runBuild,
	}
}

// buildOutput is kiln build's --json result.
type buildOutput struct {
	Spec       string                `json:"spec"`
	Toolchain  string                `json:"toolchain"`
	NixVersion string                `json:"nix_version"`
	Sources    []orchestrator.Source `json:"sources"`
	Outputs    []string              `json:"outputs"`
	Closure    []string              `json:"closure"`
	NarHashes  map[string]string     `json:"nar_hashes"`
}

func runBuild(c *cli.Context) error {
	s, err := loadSpec(c)
	if err != nil {
		return err
	}
	log := logger(c)
	n := nixFor(s, nix.Settings{})
	n.Log = progress(c)
	b := &orchestrator.Builder{Nix: n, Log: log}
	res, err := b.Build(c.Context, orchestrator.Request{Spec: s, Mirror: c.String("mirror"), Rebuild: c.Bool("rebuild")})
	if err != nil {
		return err
	}
	out := buildOutput{
		Spec:       specName(s.File()),
		Toolchain:  string(s.Build.Toolchain),
		NixVersion: res.NixVersion,
		Sources:    res.Sources,
		Outputs:    res.Outputs,
		Closure:    res.ClosurePaths(),
		NarHashes:  map[string]string{},
	}
	for _, p := range res.Closure {
		out.NarHashes[p.Path] = p.NarHash
	}
	if !c.Bool("no-image") {
		return fmt.Errorf("image packaging is not wired in yet: use --no-image")
	}
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	for _, p := range res.Outputs {
		fmt.Fprintln(c.App.Writer, p)
	}
	return nil
}

func specName(file string) string {
	if file == "" {
		return "<default>"
	}
	return file
}
