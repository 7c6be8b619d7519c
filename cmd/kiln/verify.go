package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/orchestrator/verify"
)

// exitNotReproducible is kiln verify's exit status when the builds differ (1 is any other error).
const exitNotReproducible = 2

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "prove SPEC's build reproducible: build it, rebuild every derivation from scratch (and in a fresh store), compare every output and the image digest; or rebuild a published image from its signed provenance alone",
		ArgsUsage: "[SPEC] | docker://REF | oci:DIR[:TAG] | docker-archive:FILE",
		Description: `Round 1 builds SPEC as kiln build does (the store's result if it has one) and packages
the image in memory exactly as kiln build would (same created time, same compression).
Every further round (--rounds) rebuilds, in a new sandbox with its inputs from the store,
every derivation of the build graph that is not a fixed-output fetch — the toolchain's
steps, each library (Lua, PCRE2, OpenSSL, zlib), HAProxy — and nix compares each new output
with the store's, bit for bit (nix-store --realise --check). --shallow rebuilds only the
package's own derivation, as earlier kiln did. --fresh-store adds a round that builds
everything again from the pinned sources alone in a new, empty Nix store (a temporary
directory, or --fresh-store-dir DIR, which is kept), borrowing nothing from your store
and never writing to it. verify compares the NAR hash of every output and the image digest
per round, and with --against the published image's digest.

stdout gets a table (store path, NAR hash per round, same/DIFFERENT, which paths the image
carries; then the image rows) and, for whatever differs, the derivation, the files in its
output (path, size, sha256 per round), for ELF files the sections, for static libraries the
objects and their sections that differ. --json prints one object instead.

With an image instead of a spec (docker://REF, oci:DIR[:TAG], docker-archive:FILE),
verify needs no spec: it reads the SLSA provenance attached to the image (kiln build
--attest), checks its signature against --trusted-key, checks the spec embedded in it,
rebuilds that spec through the same pipeline (by default one round: your store's result if
it has one, else a full build; --rounds, --fresh-store as above), and compares the image
digest and every closure path's NAR hash with the provenance. --attest --sign-key KEY
attaches a signed rebuild attestation (what was rebuilt, by whom, match or differ) to the
image. --quorum N passes only when N rebuild attestations signed by different
--trusted-keys, from different builders (--builder-id), agree on the digest; without
--attest it rebuilds nothing and only counts.

Exit status: 0 when everything matches, 2 when something differs (or the quorum is not
reached), 1 on any other error. --rounds 1 rebuilds nothing in your store (with
--fresh-store or --against).`,
		Flags: []cli.Flag{
			toolchainFlag,
			allowFlag,
			mirrorFlag,
			&cli.StringFlag{Name: "against", Usage: "also compare the image with a published one: a sha256:… manifest digest, oci:DIR[:TAG], docker-archive:FILE or docker://REF"},
			&cli.IntFlag{Name: "rounds", Value: 2, Usage: "how many times to build in your store: 1 build + N-1 rebuilds of every derivation (verifying a published image: default 1)"},
			&cli.BoolFlag{Name: "shallow", Usage: "rebuild only the package's own derivation (libraries and toolchain as round 1 left them): a quick check"},
			&cli.BoolFlag{Name: "fresh-store", Usage: "add a round that builds everything from the pinned sources in a new, empty Nix store (temporary)"},
			&cli.StringFlag{Name: "fresh-store-dir", Usage: "make the fresh-store round's store in `DIR` (empty or absent) and keep it; implies --fresh-store"},
			compressionFlag,
			insecureFlag,
			timeoutFlag,
			&cli.BoolFlag{Name: "keep-failed", Usage: "keep what a differing rebuild leaves (nix's <out>.check and build directory, verify's copies) and print where"},
			&cli.BoolFlag{Name: "diffoscope", Usage: "on a difference, also run Debian's diffoscope on the two trees (apt-get install diffoscope)"},
			jsonFlag,
			trustedKeyFlag,
			quorumFlag,
			attestFlag,
			&cli.StringFlag{Name: "sign-key", Usage: "private key `FILE` (kiln key generate) that signs the rebuild attestation of --attest"},
			builderIDFlag,
			storeFlag,
		},
		Action: runVerify,
	}
}

// verifyOutput is kiln verify's --json result.
type verifyOutput struct {
	Spec string `json:"spec"`
	*verify.Report
}

func runVerify(c *cli.Context) error {
	if c.NArg() == 1 && isImageRef(c.Args().First()) {
		return runVerifyImage(c)
	}
	for _, f := range []string{"trusted-key", "quorum", "attest", "sign-key", "builder-id"} {
		if c.IsSet(f) {
			return fmt.Errorf("--%s verifies a published image by its attestations: give docker://REF, oci:DIR[:TAG] or docker-archive:FILE instead of a spec", f)
		}
	}
	s, err := loadSpec(c)
	if err != nil {
		return err
	}
	// Everything that can be refused is refused before the (long) builds.
	pkg, err := packageOptions(c, s.Image.Created)
	if err != nil {
		return err
	}
	rounds := c.Int("rounds")
	if rounds < 1 {
		return fmt.Errorf("--rounds %d: want 2 or more (1 only compares with --against)", rounds)
	}
	fresh := c.Bool("fresh-store") || c.String("fresh-store-dir") != ""
	if rounds == 1 && c.String("against") == "" && !fresh {
		return errors.New("--rounds 1 rebuilds nothing: give --against IMAGE to compare with, add --fresh-store, or use 2 rounds or more")
	}
	diffoscope := ""
	if c.Bool("diffoscope") {
		if diffoscope, err = exec.LookPath("diffoscope"); err != nil {
			return errors.New("--diffoscope: diffoscope is not installed (apt-get install diffoscope, or diffoscope-minimal)")
		}
	}
	log := logger(c)
	var against *verify.Expected
	if ref := c.String("against"); ref != "" {
		if against, err = verify.ParseExpected(c.Context, ref, publishOptions(c)...); err != nil {
			return err
		}
	}

	v := &verify.Verifier{Pipeline: newPipeline(c)}
	rep, err := v.Run(c.Context, verify.Request{
		Spec:          s,
		Rounds:        rounds,
		Shallow:       c.Bool("shallow"),
		FreshStore:    fresh,
		FreshStoreDir: c.String("fresh-store-dir"),
		Image:         &pkg,
		Against:       against,
		KeepFailed:    c.Bool("keep-failed"),
		KeepTrees:     diffoscope != "",
	})
	if err != nil {
		return err
	}
	if rep.ScratchDir != "" && !c.Bool("keep-failed") {
		defer os.RemoveAll(rep.ScratchDir) // verify's copies are writable
	}
	if c.Bool("json") {
		err = printJSON(c, verifyOutput{Spec: specName(s.File()), Report: rep})
	} else {
		w := newSafeWriter(c.App.Writer)
		if err = rep.WriteText(w); err == nil {
			err = w.Flush()
		}
	}
	if err != nil {
		return err
	}
	if diffoscope != "" {
		// diffoscope's report is text: with --json it goes to stderr, stdout stays one object.
		dst := c.App.Writer
		if c.Bool("json") {
			dst = c.App.ErrWriter
		}
		out := newSafeWriter(dst)
		err := runDiffoscope(c, diffoscope, rep, out)
		out.Flush()
		if err != nil {
			return err
		}
	}
	if !rep.Reproducible {
		return cli.Exit("kiln: not reproducible: "+rep.Summary(), exitNotReproducible)
	}
	log.Info("reproducible", "rounds", rep.Rounds, "depth", rep.Depth, "store_paths", len(rep.Paths))
	return nil
}

// runDiffoscope runs diffoscope on every pair of differing trees. Its exit status 1 means
// "differences found", which is expected here.
func runDiffoscope(c *cli.Context, bin string, rep *verify.Report, out io.Writer) error {
	for _, p := range rep.Paths {
		for _, d := range p.Diffs {
			fmt.Fprintf(out, "\ndiffoscope: %s, round 1 vs round %d\n", p.Path, d.Round)
			// Permissions and mtimes are not part of a store path (a NAR has only the exec
			// bit, which verify's own report covers): leave them out.
			cmd := exec.CommandContext(c.Context, bin, "--no-progress", "--exclude-directory-metadata", "yes", "--text", "-", d.Trees[0], d.Trees[1])
			cmd.Stdout, cmd.Stderr = out, c.App.ErrWriter
			err := cmd.Run()
			var ee *exec.ExitError
			if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
				return fmt.Errorf("running diffoscope: %w", err)
			}
		}
	}
	return nil
}
