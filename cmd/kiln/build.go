package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/cache"
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
			mirrorFlag,
			&cli.StringSliceFlag{Name: "output", Aliases: []string{"o"}, Usage: "where to write the image (repeatable): oci:DIR[:TAG] (default oci:./out/<image name>), docker-archive:FILE[:REF], docker://REGISTRY/REPO[:TAG]"},
			&cli.StringFlag{Name: "compression", Value: string(image.Gzip), Usage: "layer compression: gzip (docker-compatible) or zstd (smaller)"},
			&cli.BoolFlag{Name: "insecure", Usage: "talk plain HTTP to the registry (a registry on localhost)"},
			&cli.BoolFlag{Name: "no-image", Usage: "stop after the Nix build: print the store paths, write no image"},
			&cli.BoolFlag{Name: "rebuild", Usage: "build again even if the result is in the store, and fail unless it is bit-identical (nix build --rebuild)"},
			jsonFlag,
			&cli.StringFlag{Name: "cache", Usage: "binary cache `URL` (http(s):// or file://) to substitute from, for this build only; its paths must be signed by a --trusted-key"},
			&cli.StringSliceFlag{Name: "trusted-key", Usage: "public `KEY` (name:base64) that --cache paths must be signed by (repeatable)"},
			&cli.StringFlag{Name: "push-cache", Usage: "after building, copy the closure and build-time paths to this binary cache `URL` (e.g. file:///srv/cache, s3://bucket), signed with --sign-key"},
			&cli.StringFlag{Name: "sign-key", Usage: "secret key `FILE` for --push-cache (kiln cache keygen writes one)"},
			&cli.StringFlag{Name: "store", Usage: "use the Nix store rooted at `DIR` (nix --store) instead of /nix/store"},
			&cli.StringFlag{Name: "result-cache", Usage: "`DIR` of remembered results (default $XDG_CACHE_HOME/kiln/results): an unchanged build whose store paths still exist writes its image without running nix"},
			&cli.BoolFlag{Name: "no-result-cache", Usage: "neither use nor update the result cache"},
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
	// Substituted and Built say what nix copied from a binary cache and what it compiled.
	Substituted []string `json:"substituted"`
	Built       []string `json:"built"`
	// BuiltOn says where each built derivation was built: "local" or a remote builder.
	BuiltOn map[string]string         `json:"built_on,omitempty"`
	Cache   *orchestrator.CacheLookup `json:"cache,omitempty"`
	Pushed  []string                  `json:"pushed,omitempty"`
	// ResultCache is "hit" when nix was not run at all, "miss" or "off".
	ResultCache string `json:"result_cache"`
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
	created, compression, err := packaging(c, s)
	if err != nil {
		return err
	}
	targets, err := parseOutputs(c, s)
	if err != nil {
		return err
	}

	log := logger(c)
	pushTo, signKey := c.String("push-cache"), c.String("sign-key")
	if (pushTo == "") != (signKey == "") {
		return fmt.Errorf("--push-cache and --sign-key go together: paths pushed to a cache must be signed")
	}
	if signKey != "" {
		if _, err := os.Stat(signKey); err != nil {
			return fmt.Errorf("--sign-key: %w (create one with `kiln cache keygen NAME`)", err)
		}
	}
	settings := nix.Settings{}
	var bc *orchestrator.Cache
	if url := c.String("cache"); url != "" {
		if bc, err = binaryCache(c, url, log); err != nil {
			return err
		}
		settings.Substituters = []string{url}
		settings.TrustedPublicKeys = c.StringSlice("trusted-key")
		settings.Fallback = true // a cache that goes away mid-build means building, not failing
	}
	store := c.String("store")
	n := nixFor(s, settings)
	n.Log = progress(c)
	n.Store = store

	// An unchanged build whose paths are still in the store skips nix altogether.
	useResults := !c.Bool("no-result-cache") && !c.Bool("rebuild") && !c.Bool("no-image") && pushTo == ""
	results := cache.Results{Dir: resultsDir(c.String("result-cache"))}
	var key string
	if useResults {
		if key, err = resultKey(s, string(compression), created, store); err != nil {
			return err
		}
	}
	res, resultCache, err := obtainResult(c, s, n, bc, results, key)
	if err != nil {
		return err
	}
	out := buildOutput{
		Spec:        specName(s.File()),
		Toolchain:   string(s.Build.Toolchain),
		NixVersion:  res.NixVersion,
		Sources:     res.Sources,
		Outputs:     res.Outputs,
		Closure:     res.ClosurePaths(),
		NarHashes:   map[string]string{},
		Substituted: nonNil(res.Activity.Substituted),
		Built:       nonNil(res.Activity.Built),
		BuiltOn:     res.Activity.BuiltOn,
		Cache:       res.CacheLookup,
		ResultCache: resultCache,
	}
	for _, p := range res.Closure {
		out.NarHashes[p.Path] = p.NarHash
	}
	if pushTo != "" {
		pushed, err := orchestrator.PushCache(c.Context, n, pushTo, signKey, res)
		if err != nil {
			return err
		}
		out.Pushed = pushed
		log.Info("pushed to binary cache", "cache", pushTo, "paths", len(pushed))
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

	img, err := packageImage(c, s, res, store, created, compression, targets, &out)
	if err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	out.Digest = digest.String()
	if useResults {
		if resultCache == "hit" && res.CachedDigest != "" && res.CachedDigest != out.Digest {
			log.Warn("image digest differs from the remembered one; the result cache entry is replaced", "was", res.CachedDigest, "now", out.Digest)
		}
		entry := &cache.Result{Key: key, Digest: out.Digest, Outputs: res.Outputs, Closure: out.Closure, NarHashes: out.NarHashes, DrvPaths: res.DrvPaths}
		if err := results.Put(entry); err != nil {
			log.Warn("could not remember this build", "error", err)
		}
	}
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

// packaging returns what decides the image's bytes besides the build: its created time
// and layer compression.
func packaging(c *cli.Context, s *spec.Spec) (time.Time, image.Compression, error) {
	created, err := createdTime(s)
	if err != nil {
		return time.Time{}, "", err
	}
	compression := image.Compression(c.String("compression"))
	if !compression.Valid() {
		return time.Time{}, "", fmt.Errorf("--compression %q: use gzip or zstd", compression)
	}
	return created, compression, nil
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

// obtainResult returns the build's store paths: from the result cache when key is set and
// the remembered paths still exist (nix is not run), else from a nix build. It also says
// which: "hit", "miss" or "off".
func obtainResult(c *cli.Context, s *spec.Spec, n *nix.Nix, bc *orchestrator.Cache, results cache.Results, key string) (*orchestrator.Result, string, error) {
	log := logger(c)
	state := "off"
	if key != "" {
		state = "miss"
		if hit, found, err := results.Get(key); err != nil {
			log.Warn("result cache unreadable; building", "error", err)
		} else if found && pathsPresent(n.Store, hit.Closure) {
			log.Info("unchanged spec: reusing the previous build's store paths; nix not run", "outputs", hit.Outputs)
			return resultFromCache(hit), "hit", nil
		}
	}
	b := &orchestrator.Builder{Nix: n, Log: log}
	res, err := b.Build(c.Context, orchestrator.Request{Spec: s, Mirror: c.String("mirror"), Rebuild: c.Bool("rebuild"), Cache: bc})
	return res, state, err
}

// packageImage runs the audit gate on the built files, assembles the image, gates the
// image's filesystem, and writes it to every target, recording sizes and targets in out.
// Nothing is written unless both gates pass.
func packageImage(c *cli.Context, s *spec.Spec, res *orchestrator.Result, store string, created time.Time,
	compression image.Compression, targets []publish.Target, out *buildOutput) (v1.Image, error) {
	log := logger(c)
	gate, err := orchestrator.AuditTree(storePaths(store, res.Outputs), s.Build.Hardening, store)
	if err != nil {
		return nil, err
	}
	if !gate.OK() {
		return nil, &orchestrator.GateError{Violations: gate.Violations}
	}
	start := time.Now()
	rootfs, cfg, err := orchestrator.ImageInput(s, res, store, created)
	if err != nil {
		return nil, err
	}
	img, err := image.Build(c.Context, rootfs, cfg, image.Options{Compression: compression, MTime: created})
	if err != nil {
		return nil, err
	}
	imgGate, err := orchestrator.AuditImage(img, s.Build.Hardening)
	if err != nil {
		return nil, err
	}
	if !imgGate.OK() {
		return nil, &orchestrator.GateError{Violations: imgGate.Violations}
	}
	for _, t := range targets {
		r, err := publish.Write(c.Context, img, t, publish.Options{Tag: tagFor(t, s), Insecure: c.Bool("insecure"), Logger: log})
		if err != nil {
			return nil, err
		}
		log.Info("image written", "target", r.Target, "digest", r.Digest.String(), "compressed_bytes", r.CompressedSize)
		out.CompressedSize, out.UncompressedSize = r.CompressedSize, r.UncompressedSize
		out.Targets = append(out.Targets, r.Target)
	}
	log.Debug("packaged", "seconds", time.Since(start).Seconds())
	return img, nil
}
