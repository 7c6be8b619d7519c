package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator"
	"github.com/kilnbuild/kiln/orchestrator/image"
	"github.com/kilnbuild/kiln/orchestrator/nix"
	"github.com/kilnbuild/kiln/orchestrator/publish"
)

func buildCommand() *cli.Command {
	return &cli.Command{
		Name:      "build",
		Usage:     "build SPEC (default: the embedded HAProxy 3.0.11 spec) with Nix and package it as an OCI image",
		ArgsUsage: "[SPEC]",
		Description: `Builds the spec's package with Nix, then packages its store closure into a
single-layer, bit-for-bit reproducible OCI image and writes it to every --output.
Prints the image digest on stdout (one JSON object with --json).

The image's created time is the spec's image.created, else $SOURCE_DATE_EPOCH, else
1970-01-01T00:00:01Z.`,
		Flags: []cli.Flag{
			toolchainFlag,
			&cli.StringFlag{Name: "mirror", Usage: "seed the Nix store from source tarballs in `DIR`, matched by sha256 (air-gapped builds)"},
			&cli.StringSliceFlag{Name: "output", Aliases: []string{"o"}, Usage: "where to write the image (repeatable): oci:DIR[:TAG] (default oci:./out/<image name>), docker-archive:FILE[:REF], docker://REGISTRY/REPO[:TAG]"},
			&cli.StringFlag{Name: "compression", Value: string(image.Gzip), Usage: "layer compression: gzip (docker-compatible) or zstd (smaller)"},
			&cli.BoolFlag{Name: "insecure", Usage: "talk plain HTTP to the registry (a registry on localhost)"},
			&cli.BoolFlag{Name: "no-image", Usage: "stop after the Nix build: print the store paths, write no image"},
			&cli.BoolFlag{Name: "rebuild", Usage: "build again even if the result is in the store, and fail unless it is bit-identical (nix build --rebuild)"},
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object on stdout"},
		},
		Action: runBuild,
	}
}

// buildOutput is kiln build's --json result.
type buildOutput struct {
	Spec             string                `json:"spec"`
	Toolchain        string                `json:"toolchain"`
	NixVersion       string                `json:"nix_version"`
	Sources          []orchestrator.Source `json:"sources"`
	Outputs          []string              `json:"outputs"`
	Closure          []string              `json:"closure"`
	NarHashes        map[string]string     `json:"nar_hashes"`
	Digest           string                `json:"digest,omitempty"`
	CompressedSize   int64                 `json:"compressed_size,omitempty"`
	UncompressedSize int64                 `json:"uncompressed_size,omitempty"`
	Layers           []layerOutput         `json:"layers,omitempty"`
	Targets          []string              `json:"targets,omitempty"`
}

type layerOutput struct {
	Digest    string `json:"digest"`
	DiffID    string `json:"diff_id"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
}

func runBuild(c *cli.Context) error {
	s, err := loadSpec(c)
	if err != nil {
		return err
	}
	// Everything that can be refused is refused before the (long) build.
	created, err := createdTime(s)
	if err != nil {
		return err
	}
	compression := image.Compression(c.String("compression"))
	if !compression.Valid() {
		return fmt.Errorf("--compression %q: use gzip or zstd", compression)
	}
	targets, err := parseOutputs(c, s)
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
	if c.Bool("no-image") {
		if c.Bool("json") {
			return printJSON(c, out)
		}
		for _, p := range res.Outputs {
			fmt.Fprintln(c.App.Writer, p)
		}
		return nil
	}

	// The audit gate: nothing is written unless the built files show every property the
	// spec's hardening policy asks for.
	gate, err := orchestrator.AuditTree(res.Outputs, s.Build.Hardening, "")
	if err != nil {
		return err
	}
	if !gate.OK() {
		return &orchestrator.GateError{Violations: gate.Violations}
	}
	start := time.Now()
	rootfs, cfg, err := orchestrator.ImageInput(s, res, "", created)
	if err != nil {
		return err
	}
	img, err := image.Build(c.Context, rootfs, cfg, image.Options{Compression: compression, MTime: created})
	if err != nil {
		return err
	}
	imgGate, err := orchestrator.AuditImage(img, s.Build.Hardening)
	if err != nil {
		return err
	}
	if !imgGate.OK() {
		return &orchestrator.GateError{Violations: imgGate.Violations}
	}
	for _, t := range targets {
		r, err := publish.Write(c.Context, img, t, publish.Options{Tag: tagFor(t, s), Insecure: c.Bool("insecure"), Logger: log})
		if err != nil {
			return err
		}
		log.Info("image written", "target", r.Target, "digest", r.Digest.String(), "compressed_bytes", r.CompressedSize)
		out.Digest = r.Digest.String()
		out.CompressedSize, out.UncompressedSize = r.CompressedSize, r.UncompressedSize
		out.Targets = append(out.Targets, r.Target)
	}
	log.Debug("packaged", "seconds", time.Since(start).Seconds())
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	out.Digest = digest.String()
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		d, _ := l.Digest()
		id, _ := l.DiffID()
		mt, _ := l.MediaType()
		size, _ := l.Size()
		out.Layers = append(out.Layers, layerOutput{Digest: d.String(), DiffID: id.String(), MediaType: string(mt), Size: size})
	}
	if c.Bool("json") {
		return printJSON(c, out)
	}
	fmt.Fprintln(c.App.Writer, out.Digest)
	return nil
}

// parseOutputs parses every --output, defaulting to oci:./out/<image name>.
func parseOutputs(c *cli.Context, s *spec.Spec) ([]publish.Target, error) {
	raw := c.StringSlice("output")
	if len(raw) == 0 {
		raw = []string{"oci:./out/" + s.Image.Name}
	}
	var targets []publish.Target
	for _, r := range raw {
		t, err := publish.ParseTarget(r)
		if err != nil {
			return nil, fmt.Errorf("--output: %w", err)
		}
		targets = append(targets, t)
	}
	return targets, nil
}

// tagFor names the image where the target does not: the spec's tag for oci:, name:tag for
// docker-archive:.
func tagFor(t publish.Target, s *spec.Spec) string {
	if t.Transport == publish.DockerArchive {
		return s.Image.Name + ":" + s.Image.Tag
	}
	return s.Image.Tag
}

// createdTime is the image's one timestamp: the spec's image.created, else
// SOURCE_DATE_EPOCH, else 1970-01-01T00:00:01Z (Nix's store mtime).
func createdTime(s *spec.Spec) (time.Time, error) {
	if s.Image.Created != "" {
		return time.Parse(time.RFC3339, s.Image.Created) // validated
	}
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil || sec < 0 {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want seconds since 1970 (unset it, or set image.created in the spec)", v)
		}
		return time.Unix(sec, 0).UTC(), nil
	}
	return time.Unix(1, 0).UTC(), nil
}

func printJSON(c *cli.Context, v any) error {
	enc := json.NewEncoder(c.App.Writer)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func specName(file string) string {
	if file == "" {
		return "<default>"
	}
	return file
}
