package main

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/internal/files"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator"
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
			allowFlag,
			mirrorFlag,
			&cli.StringSliceFlag{Name: "output", Aliases: []string{"o"}, Usage: "where to write the image (repeatable): oci:DIR[:TAG] (default oci:./out/<image name>), docker-archive:FILE[:REF], docker://REGISTRY/REPO[:TAG]"},
			compressionFlag,
			insecureFlag,
			timeoutFlag,
			&cli.BoolFlag{Name: "no-image", Usage: "stop after the Nix build: print the store paths, write no image"},
			&cli.BoolFlag{Name: "rebuild", Usage: "build again even if the result is in the store, and fail unless it is bit-identical (nix build --rebuild)"},
			jsonFlag,
			&cli.StringFlag{Name: "cache", Usage: "binary cache `URL` (http(s):// or file://) to substitute from, for this build only; its paths must be signed by a --trusted-key"},
			&cli.StringSliceFlag{Name: "trusted-key", Usage: "public `KEY` (name:base64) that --cache paths must be signed by (repeatable)"},
			&cli.DurationFlag{Name: "cache-timeout", Value: defaultCacheTimeout, Usage: "deadline for each request to the --cache"},
			&cli.StringFlag{Name: "push-cache", Usage: "after building, copy the closure and build-time paths to this binary cache `URL` (e.g. file:///srv/cache, s3://bucket), signed with --sign-key"},
			&cli.StringFlag{Name: "sign-key", Usage: "secret key `FILE`: for --push-cache a Nix cache key (kiln cache keygen), for --attest an attestation key (kiln key generate)"},
			attestFlag,
			builderIDFlag,
			storeFlag,
			&cli.StringFlag{Name: "result-cache", Usage: "`DIR` of remembered results (default $XDG_CACHE_HOME/kiln/results): an unchanged build whose store paths still exist writes its image without running nix"},
			&cli.BoolFlag{Name: "no-result-cache", Usage: "neither use nor update the result cache"},
		},
		Action: runBuild,
	}
}

func runBuild(c *cli.Context) error {
	s, err := loadSpec(c)
	if err != nil {
		return err
	}
	// Everything that can be refused is refused before the (long) build.
	pkg, err := packageOptions(c, s.Image.Created)
	if err != nil {
		return err
	}
	targets, err := parseOutputs(c, s)
	if err != nil {
		return err
	}
	pushTo, signKey := c.String("push-cache"), c.String("sign-key")
	var attestOpts *orchestrator.AttestOptions
	if c.Bool("attest") {
		if pushTo != "" {
			return fmt.Errorf("--attest and --push-cache each sign with their own --sign-key: build with --attest, then `kiln cache push --sign-key CACHEKEY`")
		}
		if c.Bool("no-image") {
			return fmt.Errorf("--attest attaches SBOMs and provenance to the image: it cannot go with --no-image")
		}
		if attestOpts, err = attestOptions(c); err != nil {
			return err
		}
		signKey = ""
	} else if (pushTo == "") != (signKey == "") {
		return fmt.Errorf("--push-cache and --sign-key go together: paths pushed to a cache must be signed")
	}
	if signKey != "" {
		if _, err := files.ReadFile(signKey, 4096); err != nil {
			return fmt.Errorf("--sign-key: %w (create one with `kiln cache keygen NAME`)", err)
		}
	}
	var opts []orchestrator.Option
	if url := c.String("cache"); url != "" {
		bc, err := binaryCache(c, url)
		if err != nil {
			return err
		}
		opts = append(opts, orchestrator.WithBinaryCache(bc))
	}
	if !c.Bool("no-result-cache") && !c.Bool("rebuild") && !c.Bool("no-image") && pushTo == "" && attestOpts == nil {
		rc, self, err := resultCache(c)
		if err != nil {
			return err
		}
		opts = append(opts, orchestrator.WithResultCache(rc, self))
	}
	rep, err := newPipeline(c, opts...).Run(c.Context, s, orchestrator.RunOptions{
		Build:     orchestrator.BuildOptions{Rebuild: c.Bool("rebuild")},
		Package:   pkg,
		NoImage:   c.Bool("no-image"),
		Targets:   targets,
		PushCache: pushTo,
		SignKey:   signKey,
		Attest:    attestOpts,
	})
	if err != nil {
		return err
	}
	switch {
	case c.Bool("json"):
		return printJSON(c, rep)
	case c.Bool("no-image"):
		for _, p := range rep.Outputs {
			fmt.Fprintln(c.App.Writer, p)
		}
	default:
		fmt.Fprintln(c.App.Writer, rep.Digest)
	}
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

// printJSON prints v as one indented JSON object on stdout, terminal-safe.
func printJSON(c *cli.Context, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := c.App.Writer.Write(jsonSafe(b.Bytes()))
	return err
}
