package verify

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/kilnbuild/kiln/cache"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator"
	"github.com/kilnbuild/kiln/orchestrator/attest"
	"github.com/kilnbuild/kiln/orchestrator/image"
	"github.com/kilnbuild/kiln/orchestrator/publish"
	"github.com/kilnbuild/kiln/orchestrator/record"
)

// Attested is a published image and the signed attestations attached to it, each checked
// against the trusted keys: kiln verify REF reads nothing else.
type Attested struct {
	// Target is where the image is.
	Target publish.Target
	// Subject is the image manifest the attestations are about.
	Subject v1.Descriptor
	// Image is the image itself.
	Image v1.Image
	// Provenances and Rebuilds are the attestations signed by a trusted key, about this
	// image, that kiln can read.
	Provenances []*attest.Opened
	Rebuilds    []*attest.Opened
	// Refused are the attached attestations that were not accepted, and why.
	Refused []Refusal
	// Attached counts everything attached to the image: attestations, accepted or not,
	// and other artifacts such as SBOMs.
	Attached int
}

// Refusal is an attestation that was not accepted.
type Refusal struct {
	// Attestation names it (referrer digest and artifact type).
	Attestation string `json:"attestation"`
	// Reason says why.
	Reason string `json:"reason"`
	// Untrusted is set when the only fault is a signer not among the trusted keys (someone
	// else's attestation: ignored rather than suspicious).
	Untrusted bool `json:"untrusted,omitempty"`
	// Err is the error (an *attest.Error or a *publish.ReferrerError).
	Err error `json:"-"`
}

// ReadAttested opens the image at t and reads every attestation attached to it: each DSSE
// envelope must be signed by a key of trusted, be an in-toto statement about this image's
// digest and hold kiln's provenance or a rebuild attestation. Those that do not are in
// Refused with the reason; SBOMs are not attestations and are left alone.
func ReadAttested(ctx context.Context, t publish.Target, trusted attest.Keyring, opts ...publish.Option) (*Attested, error) {
	subject, refs, err := publish.Referrers(ctx, t, opts...)
	if err != nil {
		return nil, err
	}
	img, err := publish.Open(ctx, t, opts...)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", t, err)
	}
	a := &Attested{Target: t, Subject: subject, Image: img, Attached: len(refs)}
	for _, r := range refs {
		if r.Err != nil {
			a.Refused = append(a.Refused, Refusal{Attestation: r.Name(), Reason: r.Err.Error(), Err: r.Err})
			continue
		}
		if r.ArtifactType != publish.DSSEMediaType && r.MediaType != publish.DSSEMediaType {
			continue
		}
		o, err := trusted.OpenAttestation(r.Name(), r.Data, subject.Digest.String())
		if err != nil {
			var unknown *attest.UnknownKeyError
			a.Refused = append(a.Refused, Refusal{Attestation: r.Name(), Reason: strings.TrimPrefix(err.Error(), "attestation "+r.Name()+": "),
				Untrusted: errors.As(err, &unknown), Err: err})
			continue
		}
		o.Digest = r.Digest.String()
		if o.Provenance != nil {
			a.Provenances = append(a.Provenances, o)
		} else {
			a.Rebuilds = append(a.Rebuilds, o)
		}
	}
	return a, nil
}

// NoProvenanceError is an image with no provenance kiln accepts: nothing says how to rebuild it.
type NoProvenanceError struct {
	Target  string
	Refused []Refusal
	// Attached counts everything attached to the image (Attested.Attached).
	Attached int
}

func (e *NoProvenanceError) Error() string {
	msg := fmt.Sprintf("%s: no provenance signed by a trusted key is attached", e.Target)
	if e.Attached == 0 {
		return msg + " (nothing is attached; the image was built without `kiln build --attest`)"
	}
	if len(e.Refused) == 0 {
		return fmt.Sprintf("%s (%d other artifact(s) are, such as rebuild attestations or SBOMs: the image was built without `kiln build --attest`, or its provenance was removed)", msg, e.Attached)
	}
	var parts []string
	for _, r := range e.Refused {
		parts = append(parts, r.Attestation+": "+r.Reason)
	}
	return msg + "; refused: " + strings.Join(parts, "; ")
}

// Unwrap gives the refusals' errors, so errors.As finds the typed cause of each.
func (e *NoProvenanceError) Unwrap() []error {
	var out []error
	for _, r := range e.Refused {
		out = append(out, r.Err)
	}
	return out
}

// Provenance is the one provenance to rebuild from: every trusted provenance attached
// must name the same spec.
func (a *Attested) Provenance() (*attest.Opened, error) {
	if len(a.Provenances) == 0 {
		return nil, &NoProvenanceError{Target: a.Target.String(), Refused: a.Refused, Attached: a.Attached}
	}
	first := a.Provenances[0]
	for _, o := range a.Provenances[1:] {
		if o.Provenance.SpecDigest != first.Provenance.SpecDigest {
			return nil, fmt.Errorf("%s and %s are both trusted but name different specs (%s, %s): the image cannot have been built from both",
				first.Name, o.Name, first.Provenance.SpecDigest, o.Provenance.SpecDigest)
		}
	}
	return first, nil
}

// RebuildRequest is a rebuild of an attested image.
type RebuildRequest struct {
	// Rounds, Shallow, FreshStore, FreshStoreDir and KeepFailed are as in Request;
	// Rounds 1 builds once (the store's result if it has one) and compares.
	Rounds        int
	Shallow       bool
	FreshStore    bool
	FreshStoreDir string
	KeepFailed    bool
	// Builder is who rebuilds; KilnVersion the running kiln.
	Builder     record.Builder
	KilnVersion string
}

// Rebuilt is the outcome of rebuilding an attested image.
type Rebuilt struct {
	// Provenance is the attestation rebuilt from.
	Provenance *attest.Opened `json:"-"`
	// Spec is the embedded spec.
	Spec *spec.Spec `json:"-"`
	// Report is verify's report of the rebuild.
	Report *Report `json:"report"`
	// Predicate is the rebuild attestation's predicate: what a signed attestation says.
	Predicate *attest.Rebuild `json:"predicate"`
}

// Match reports whether the rebuild gave exactly the attested image.
func (r *Rebuilt) Match() bool { return r.Predicate.Result == attest.ResultMatch }

// RebuildAttested rebuilds the image from its provenance alone: the embedded spec (its
// local patches from the provenance, its image files from the image), packaged as the
// image was (its created time and layer compression), through the same pipeline as kiln
// build. It compares the image digest and every closure path's NAR hash with what the
// provenance says, and returns the rebuild attestation's predicate. A rebuild that gives
// something else is not an error: Predicate.Result says differ.
func (v *Verifier) RebuildAttested(ctx context.Context, a *Attested, req RebuildRequest) (*Rebuilt, error) {
	prov, err := a.Provenance()
	if err != nil {
		return nil, err
	}
	info := prov.Provenance
	refuse := func(err error) error { return &attest.Error{Attestation: prov.Name, Err: err} }
	patches := map[string][]byte{}
	for _, d := range info.Dependencies {
		if k := d.GetAnnotations().GetFields()["kind"].GetStringValue(); k == attest.DepPatch || k == attest.DepProfile {
			sum := sha256.Sum256(d.GetContent())
			if h := hex.EncodeToString(sum[:]); h == d.GetDigest()["sha256"] {
				patches[h] = d.GetContent()
			}
		}
	}
	dir, err := os.MkdirTemp(v.TempDir, "kiln-embedded-spec-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	s, err := orchestrator.EmbeddedSpec(info.Spec, info.SpecDigest, patches, func(p string) ([]byte, error) { return imageFile(a.Image, p) }, dir)
	if err != nil {
		return nil, refuse(err)
	}
	d, err := publish.Describe(ctx, a.Image)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", a.Target, err)
	}
	pkg, err := packagingOf(a.Image, d)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", a.Target, err)
	}
	exp := imageInfo(d)
	exp.ManifestLess = a.Target.Transport == publish.DockerArchive
	if exp.ManifestLess {
		exp.Digest = a.Subject.Digest.String()
	}
	rounds := req.Rounds
	if rounds == 0 {
		rounds = 1
	}
	start := time.Now()
	rep, err := v.Run(ctx, Request{
		Spec: s, Rounds: rounds, Shallow: req.Shallow, FreshStore: req.FreshStore, FreshStoreDir: req.FreshStoreDir,
		Image: &pkg, Against: &Expected{Ref: a.Target.String(), Image: exp}, KeepFailed: req.KeepFailed,
	})
	if err != nil {
		return nil, err
	}
	subject := a.Subject.Digest.String()
	pred := &attest.Rebuild{
		SpecDigest: info.SpecDigest,
		Provenance: attest.RebuiltFrom{Referrer: prov.Digest, KeyID: prov.Key.ID, BuilderID: info.BuilderID},
		Builder: attest.RebuildBuilder{ID: req.Builder.ID, Host: req.Builder.Host, Kernel: req.Builder.Kernel,
			NixVersion: rep.NixVersion, Sandbox: req.Builder.Sandbox, KilnVersion: req.KilnVersion},
		StorePaths: map[string]string{},
		Rounds:     rep.Rounds,
		Depth:      rep.Depth,
		StartedOn:  start.UTC().Format(time.RFC3339),
		FinishedOn: time.Now().UTC().Format(time.RFC3339),
	}
	var diffs []string
	for _, p := range rep.Paths {
		if !p.InImage || len(p.NarHashes) == 0 {
			continue
		}
		got, err := narHex(p.NarHashes[0])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.Path, err)
		}
		pred.StorePaths[p.Path] = got
		switch want, ok := info.StorePaths[p.Path]; {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s: rebuilt, but the provenance does not list it", p.Path))
		case want != got:
			diffs = append(diffs, fmt.Sprintf("%s: NAR sha256 %s, the provenance says %s", p.Path, got, want))
		}
	}
	for _, p := range sortedKeys(info.StorePaths) {
		if _, ok := pred.StorePaths[p]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: in the provenance, not in the rebuilt closure", p))
		}
	}
	if rep.Image != nil && len(rep.Image.Rounds) > 0 {
		pred.RebuiltDigest = rep.Image.Rounds[0].Digest
		for i, r := range rep.Image.Rounds {
			if r.Digest != subject {
				pred.RebuiltDigest = r.Digest
				diffs = append(diffs, fmt.Sprintf("round %s packaged image %s, not %s", rep.RoundNames[i], r.Digest, subject))
				break
			}
		}
	}
	if !rep.Reproducible {
		// The published image is compared round by round above; the summary says the rest
		// (which store paths differ between rounds, and where).
		against := rep.Against
		rep.Against = nil
		if sum := rep.Summary(); sum != "" {
			diffs = append(diffs, "not reproducible: "+sum)
		}
		rep.Against = against
	}
	pred.Result = attest.ResultMatch
	if len(diffs) > 0 {
		pred.Result, pred.Differences = attest.ResultDiffer, diffs
	}
	if err := pred.Check(); err != nil {
		return nil, err
	}
	return &Rebuilt{Provenance: prov, Spec: s, Report: rep, Predicate: pred}, nil
}

// packagingOf is how img was packaged: its created time and its layer compression.
func packagingOf(img v1.Image, d publish.Description) (ImageOptions, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return ImageOptions{}, err
	}
	if len(d.Layers) == 0 {
		return ImageOptions{}, errors.New("the image has no layer: it is not a kiln image")
	}
	c := image.Gzip
	if strings.Contains(string(d.Layers[0].MediaType), "zstd") {
		c = image.Zstd
	}
	return ImageOptions{Created: cf.Created.UTC(), Compression: c}, nil
}

// imageFile reads the regular file at p (absolute) from img's filesystem.
func imageFile(img v1.Image, p string) ([]byte, error) {
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	want := strings.TrimPrefix(path.Clean(p), "/")
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, errors.New("not in the image")
		}
		if err != nil {
			return nil, fmt.Errorf("reading the image's files: %w", err)
		}
		if strings.TrimPrefix(path.Clean(h.Name), "/") != want {
			continue
		}
		if h.Typeflag != tar.TypeReg {
			return nil, errors.New("not a regular file in the image")
		}
		return io.ReadAll(io.LimitReader(tr, 256<<20))
	}
}

// narHex is a NAR hash (as nix prints it) as lower-case sha256 hex.
func narHex(h string) (string, error) {
	ph, err := cache.ParseHash(h)
	if err != nil {
		return "", err
	}
	if ph.Algo != "sha256" {
		return "", fmt.Errorf("NAR hash %s is not sha256", h)
	}
	return hex.EncodeToString(ph.Digest), nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Votes are the trusted rebuild attestations as the quorum counts them.
func (a *Attested) Votes() []attest.Vote {
	var out []attest.Vote
	for _, o := range a.Rebuilds {
		r := o.Rebuild
		out = append(out, attest.Vote{Attestation: o.Name, KeyID: o.Key.ID, KeyName: o.Key.Name, BuilderID: r.Builder.ID,
			Host: r.Builder.Host, Result: r.Result, Digest: r.RebuiltDigest, Differences: r.Differences})
	}
	return out
}
