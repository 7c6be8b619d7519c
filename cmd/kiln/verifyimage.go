package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/orchestrator"
	"github.com/kilnbuild/kiln/orchestrator/attest"
	"github.com/kilnbuild/kiln/orchestrator/publish"
	"github.com/kilnbuild/kiln/orchestrator/verify"
)

// Flags of kiln verify REF: checking a published image by what is attached to it.
var (
	trustedKeyFlag = &cli.StringSliceFlag{Name: "trusted-key", Usage: "public key `FILE` (kiln key generate's NAME.pub) whose attestations you trust (repeatable); with REF only"}
	quorumFlag     = &cli.IntFlag{Name: "quorum", Usage: "pass only when `N` rebuild attestations, signed by N different --trusted-keys from N different builders, agree on the image digest; with REF only"}
)

// isImageRef reports whether verify's argument names a published image rather than a spec.
func isImageRef(arg string) bool {
	for _, p := range []string{"docker://", "oci:", "docker-archive:"} {
		if strings.HasPrefix(arg, p) {
			return true
		}
	}
	return false
}

// imageVerifyOutput is kiln verify REF's --json result.
type imageVerifyOutput struct {
	Target string `json:"target"`
	Digest string `json:"digest"`
	// Provenance names the provenance rebuilt from ("" without a rebuild).
	Provenance string `json:"provenance,omitempty"`
	SignedBy   string `json:"signed_by,omitempty"`
	BuiltBy    string `json:"built_by,omitempty"`
	SpecDigest string `json:"spec_digest,omitempty"`
	// Rebuild is the rebuild's predicate and verify's report (nil with --quorum alone).
	Rebuild *verify.Rebuilt `json:"rebuild,omitempty"`
	Seconds float64         `json:"seconds,omitempty"`
	// Attached is the rebuild attestation's referrer digest (--attest).
	Attached string `json:"attached,omitempty"`
	// Quorum is the quorum's count (--quorum).
	Quorum *attest.QuorumResult `json:"quorum,omitempty"`
	// Refused are the attestations that were not accepted.
	Refused []verify.Refusal `json:"refused"`
}

// runVerifyImage is kiln verify REF: read the provenance attached to the image, check its
// signature, rebuild from the embedded spec, compare; with --attest attach a signed rebuild
// attestation; with --quorum count the trusted rebuild attestations.
func runVerifyImage(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("expected one image (docker://REF, oci:DIR[:TAG] or docker-archive:FILE), got %d arguments", c.NArg())
	}
	for _, f := range []string{"toolchain", "allow-outside", "against", "compression", "diffoscope"} {
		if c.IsSet(f) {
			return fmt.Errorf("--%s does not apply to verifying an image: the provenance's spec and the image itself say how it was built and packaged, and the image is what it is compared with", f)
		}
	}
	t, err := publish.ParseTarget(c.Args().First())
	if err != nil {
		return err
	}
	var ring attest.Keyring
	for _, f := range c.StringSlice("trusted-key") {
		k, err := attest.LoadPublicKey(f)
		if err != nil {
			return fmt.Errorf("--trusted-key: %w", err)
		}
		ring = append(ring, k)
	}
	if len(ring) == 0 {
		return errors.New("verifying an image needs --trusted-key FILE: the public key of the builder whose provenance you trust (and, with --quorum, of each rebuilder)")
	}
	quorum := c.Int("quorum")
	if c.IsSet("quorum") && quorum < 1 {
		return fmt.Errorf("--quorum %d: want 1 or more", quorum)
	}
	if quorum > len(ring) {
		return fmt.Errorf("--quorum %d needs %d different trusted keys, but %d --trusted-key given", quorum, quorum, len(ring))
	}
	rounds := 1
	if c.IsSet("rounds") {
		if rounds = c.Int("rounds"); rounds < 1 {
			return fmt.Errorf("--rounds %d: want 1 or more", rounds)
		}
	}
	var signer *attest.PrivateKey
	builder := orchestrator.ThisBuilder(c.String("builder-id"), "")
	if c.Bool("attest") {
		o, err := attestOptions(c)
		if err != nil {
			return err
		}
		signer, builder = o.Key, o.Builder
	} else if c.IsSet("sign-key") {
		return errors.New("--sign-key signs a rebuild attestation: add --attest")
	}
	log := logger(c)
	popts := publishOptions(c)

	a, err := verify.ReadAttested(c.Context, t, ring, popts...)
	if err != nil {
		return err
	}
	subject := a.Subject.Digest.String()
	out := &imageVerifyOutput{Target: t.String(), Digest: subject, Refused: a.Refused}
	for _, r := range a.Refused {
		if r.Untrusted {
			log.Info("attestation ignored", "attestation", r.Attestation, "reason", r.Reason)
		} else {
			log.Warn("attestation refused", "attestation", r.Attestation, "reason", r.Reason)
		}
	}
	rebuild := quorum == 0 || signer != nil
	if rebuild {
		v := &verify.Verifier{Pipeline: newPipeline(c)}
		start := time.Now()
		rb, err := v.RebuildAttested(c.Context, a, verify.RebuildRequest{
			Rounds: rounds, Shallow: c.Bool("shallow"),
			FreshStore: c.Bool("fresh-store") || c.String("fresh-store-dir") != "", FreshStoreDir: c.String("fresh-store-dir"),
			KeepFailed: c.Bool("keep-failed"), Builder: builder, KilnVersion: version,
		})
		if err != nil {
			return err
		}
		out.Seconds = time.Since(start).Seconds()
		out.Rebuild = rb
		out.Provenance, out.SignedBy = rb.Provenance.Name, keyName(rb.Provenance.Key)
		out.BuiltBy, out.SpecDigest = rb.Provenance.Provenance.BuilderID, rb.Provenance.Provenance.SpecDigest
		if signer != nil {
			name := t.String()
			if subs := rb.Provenance.Provenance.Subjects; len(subs) > 0 && subs[0].Name != "" {
				name = subs[0].Name
			}
			statement, err := attest.RebuildStatement(rb.Predicate, name, subject)
			if err != nil {
				return err
			}
			env, err := attest.Sign(signer, attest.PayloadType, statement)
			if err != nil {
				return err
			}
			ds, err := publish.AttachTo(c.Context, t, a.Subject, []publish.Artifact{{ArtifactType: publish.DSSEMediaType, Data: env,
				Annotations: map[string]string{attest.PredicateTypeAnnotation: attest.RebuildPredicate}}}, popts...)
			if err != nil {
				return err
			}
			out.Attached = ds[0].String()
			log.Info("rebuild attestation attached", "target", t.String(), "referrer", out.Attached, "result", rb.Predicate.Result, "size", len(env))
		}
	}
	if quorum > 0 {
		if out.Attached != "" { // count this run's own attestation too
			if a, err = verify.ReadAttested(c.Context, t, ring, popts...); err != nil {
				return err
			}
		}
		out.Quorum = attest.Quorum(a.Votes(), subject, quorum)
	}
	if c.Bool("json") {
		err = printJSON(c, out)
	} else {
		w := newSafeWriter(c.App.Writer)
		writeImageVerify(w, out)
		err = w.Flush()
	}
	if err != nil {
		return err
	}
	if out.Rebuild != nil && !out.Rebuild.Match() {
		return cli.Exit("kiln: the rebuild differs from the attested image: "+strings.Join(out.Rebuild.Predicate.Differences, "; "), exitNotReproducible)
	}
	if q := out.Quorum; q != nil && !q.Pass {
		return cli.Exit(fmt.Sprintf("kiln: quorum not reached: %d of %d agreeing rebuilds by different keys and builders (%d agreed, %d differed)",
			len(q.Counted), q.Need, len(q.Agreed), len(q.Differed)), exitNotReproducible)
	}
	return nil
}

func keyName(k *attest.PublicKey) string {
	if k.Name != "" {
		return k.Name + " (" + k.ID[:16] + ")"
	}
	return k.ID
}

// writeImageVerify prints kiln verify REF's result.
func writeImageVerify(w io.Writer, o *imageVerifyOutput) {
	fmt.Fprintf(w, "image:       %s %s\n", o.Target, o.Digest)
	if rb := o.Rebuild; rb != nil {
		p := rb.Predicate
		fmt.Fprintf(w, "provenance:  %s, signed by %s, built by %s\n", o.Provenance, o.SignedBy, o.BuiltBy)
		fmt.Fprintf(w, "spec:        %s (%s %s, %s toolchain)\n", o.SpecDigest, rb.Spec.Package.Name, rb.Spec.Package.Version, rb.Spec.Build.Toolchain)
		fmt.Fprintf(w, "rebuilt:     %s by %s (nix %s), %d round(s), %.0f s: %s\n", p.RebuiltDigest, p.Builder.ID, p.Builder.NixVersion, p.Rounds, o.Seconds, strings.ToUpper(p.Result))
		fmt.Fprintf(w, "store paths: %d compared with the provenance's NAR hashes\n", len(p.StorePaths))
		for _, d := range p.Differences {
			fmt.Fprintf(w, "  DIFFERS: %s\n", d)
		}
		if o.Attached != "" {
			fmt.Fprintf(w, "attested:    rebuild attestation attached as referrer %s\n", o.Attached)
		}
	}
	if q := o.Quorum; q != nil {
		verdict := "PASSED"
		if !q.Pass {
			verdict = "NOT REACHED"
		}
		fmt.Fprintf(w, "quorum:      %d of %d: %s\n", len(q.Counted), q.Need, verdict)
		counted := map[string]bool{}
		for _, v := range q.Counted {
			counted[v.Attestation] = true
		}
		for _, v := range q.Agreed {
			note := ""
			if !counted[v.Attestation] {
				note = " (not counted: same key or builder as another)"
			}
			fmt.Fprintf(w, "  agreed:    %s, key %s, host %s: %s%s\n", v.BuilderID, voteKey(v), v.Host, v.Digest, note)
		}
		for _, v := range q.Differed {
			fmt.Fprintf(w, "  differed:  %s, key %s, host %s: %s %s\n", v.BuilderID, voteKey(v), v.Host, v.Result, v.Digest)
			for _, d := range v.Differences {
				fmt.Fprintf(w, "             %s\n", d)
			}
		}
	}
	for _, r := range o.Refused {
		what := "refused: "
		if r.Untrusted {
			what = "ignored: "
		}
		fmt.Fprintf(w, "%s    %s: %s\n", what, r.Attestation, r.Reason)
	}
}

func voteKey(v attest.Vote) string {
	if v.KeyName != "" {
		return v.KeyName
	}
	return v.KeyID[:16]
}
