package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator"
	"github.com/kilnbuild/kiln/orchestrator/attest"
	"github.com/kilnbuild/kiln/orchestrator/publish"
	"github.com/kilnbuild/kiln/orchestrator/record"
	"github.com/kilnbuild/kiln/orchestrator/record/recordtest"
)

// attestedLayout writes a random image to an OCI layout and returns its target and digest.
func attestedLayout(t *testing.T) (publish.Target, string) {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	tg, err := publish.ParseTarget("oci:" + filepath.Join(t.TempDir(), "img") + ":1")
	if err != nil {
		t.Fatal(err)
	}
	r, err := publish.Write(context.Background(), img, tg)
	if err != nil {
		t.Fatal(err)
	}
	return tg, r.Digest.String()
}

// provenanceFor is a record of the default spec (or s) whose image is digest.
func provenanceFor(t *testing.T, digest string, s *spec.Spec) []byte {
	t.Helper()
	rec := recordtest.Default()
	rec.Image.Digest = digest
	if s == nil {
		s = spec.Default()
	}
	canonical, err := orchestrator.CanonicalSpec(s)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := orchestrator.SpecDigest(s)
	rec.Spec = record.Spec{Canonical: canonical, Digest: d}
	rec.Patches = nil // the spec's own local patches, as kiln build records them
	for i, p := range s.Package.Patches {
		if p.File == "" {
			continue
		}
		data, err := s.PatchData(i)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		rec.Patches = append(rec.Patches, record.Patch{Name: filepath.Base(p.File), SHA256: hex.EncodeToString(sum[:]), Content: data})
	}
	st, err := attest.Provenance(rec)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func sign(t *testing.T, k *attest.PrivateKey, statement []byte) []byte {
	t.Helper()
	env, err := attest.Sign(k, attest.PayloadType, statement)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func attach(t *testing.T, tg publish.Target, datas ...[]byte) []string {
	t.Helper()
	img, err := publish.Open(context.Background(), tg)
	if err != nil {
		t.Fatal(err)
	}
	var arts []publish.Artifact
	for _, d := range datas {
		arts = append(arts, publish.Artifact{ArtifactType: publish.DSSEMediaType, Data: d})
	}
	ds, err := publish.Attach(context.Background(), img, tg, arts)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, d.String())
	}
	return out
}

// TestAttestedRefusals: every kind of bad attestation attached to an image is refused with
// a reason naming it, the good one still opens, and with only bad ones attached, verify
// stops before building with an error naming each and why.
func TestAttestedRefusals(t *testing.T) {
	ctx := context.Background()
	tg, digest := attestedLayout(t)
	key, _ := attest.GenerateKey(attest.Ed25519)
	stranger, _ := attest.GenerateKey(attest.Ed25519)
	good := sign(t, key, provenanceFor(t, digest, nil))
	tampered := []byte(strings.Replace(string(good), `"payload":"ey`, `"payload":"eX`, 1))
	wrongKey := sign(t, stranger, provenanceFor(t, digest, nil))
	other := sign(t, key, provenanceFor(t, "sha256:"+strings.Repeat("0", 64), nil))
	unknown := sign(t, key, []byte(strings.Replace(string(provenanceFor(t, digest, nil)), attest.ProvenancePredicate, "https://example.org/unknown/v9", 1)))
	notJSON := []byte("<html>502 Bad Gateway</html>")

	bad := map[string]struct {
		data []byte
		want string
		as   any
	}{
		"tampered":          {tampered, "altered after signing", new(*attest.BadSignatureError)},
		"wrong key":         {wrongKey, "signed by no trusted key", new(*attest.UnknownKeyError)},
		"another digest":    {other, "belongs to another image", new(*attest.SubjectError)},
		"unknown predicate": {unknown, `unknown predicate type "https://example.org/unknown/v9"`, new(*attest.PredicateError)},
		"not JSON":          {notJSON, "not a DSSE envelope", nil},
	}
	names := map[string]string{}
	for name, b := range bad {
		names[attach(t, tg, b.data)[0]] = name
	}
	ring := attest.Keyring{key.Public()}
	v := &Verifier{Pipeline: orchestrator.New()}
	a, err := ReadAttested(ctx, tg, ring)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Provenances) != 0 || len(a.Refused) != len(bad) {
		t.Fatalf("%d provenances, %d refused: %+v", len(a.Provenances), len(a.Refused), a.Refused)
	}
	for _, r := range a.Refused {
		d := strings.Fields(r.Attestation)[1]
		b := bad[names[d]]
		if !strings.Contains(r.Reason, b.want) {
			t.Errorf("%s (%s): reason %q, want %q", names[d], d, r.Reason, b.want)
		}
		var ae *attest.Error
		if !errors.As(r.Err, &ae) || !strings.Contains(r.Err.Error(), d) {
			t.Errorf("%s: error does not name the referrer: %v", names[d], r.Err)
		}
		if b.as != nil && !errors.As(r.Err, b.as) {
			t.Errorf("%s: %v is not a %T", names[d], r.Err, b.as)
		}
		if r.Untrusted != (names[d] == "wrong key") {
			t.Errorf("%s: untrusted = %v", names[d], r.Untrusted)
		}
	}
	_, err = v.RebuildAttested(ctx, a, RebuildRequest{})
	var np *NoProvenanceError
	if !errors.As(err, &np) {
		t.Fatalf("rebuild with only bad attestations: %v", err)
	}
	for d, name := range names {
		if !strings.Contains(err.Error(), d) {
			t.Errorf("the error does not name the %s attestation %s: %v", name, d, err)
		}
	}
	t.Log(err)

	// The good provenance, attached too, is the one verify takes.
	goodRef := attach(t, tg, good)[0]
	a, err = ReadAttested(ctx, tg, ring)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Provenances) != 1 || len(a.Refused) != len(bad) {
		t.Fatalf("with the good one: %d provenances, %d refused", len(a.Provenances), len(a.Refused))
	}
	if p, err := a.Provenance(); err != nil || !strings.Contains(p.Name, goodRef) {
		t.Errorf("provenance %v, %v", p, err)
	}
}

// TestAttestedSpecFailsValidation: a provenance, validly signed, whose embedded spec kiln
// refuses (a root image user) stops verify before anything is built, naming the
// attestation and the spec key.
func TestAttestedSpecFailsValidation(t *testing.T) {
	tg, digest := attestedLayout(t)
	key, _ := attest.GenerateKey(attest.Ed25519)
	s := spec.Default()
	s.Image.User = "0:0"
	ref := attach(t, tg, sign(t, key, provenanceFor(t, digest, s)))[0]
	a, err := ReadAttested(context.Background(), tg, attest.Keyring{key.Public()})
	if err != nil || len(a.Provenances) != 1 {
		t.Fatalf("%v %+v", err, a)
	}
	_, err = (&Verifier{Pipeline: orchestrator.New()}).RebuildAttested(context.Background(), a, RebuildRequest{})
	var ae *attest.Error
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), ref) || !strings.Contains(err.Error(), "image.user") {
		t.Fatalf("got %v, want an attestation error naming %s and image.user", err, ref)
	}
	t.Log(err)
}

// An image that carries a trusted rebuild attestation but no provenance: the error must
// not claim that nothing is attached.
func TestNoProvenanceWithOtherAttestations(t *testing.T) {
	ctx := context.Background()
	tg, digest := attestedLayout(t)
	key, _ := attest.GenerateKey(attest.Ed25519)
	st, err := attest.RebuildStatement(&attest.Rebuild{
		Result: attest.ResultMatch, RebuiltDigest: digest,
		SpecDigest: "sha256:" + strings.Repeat("a", 64),
		Builder:    attest.RebuildBuilder{ID: "https://example.org/rebuilder"}, Rounds: 1,
	}, "img", digest)
	if err != nil {
		t.Fatal(err)
	}
	attach(t, tg, sign(t, key, st))
	a, err := ReadAttested(ctx, tg, attest.Keyring{key.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Rebuilds) != 1 {
		t.Fatalf("rebuilds %d, refused %+v", len(a.Rebuilds), a.Refused)
	}
	_, err = a.Provenance()
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), "nothing is attached") || !strings.Contains(err.Error(), "1 other artifact(s)") {
		t.Fatalf("the error does not say what is attached instead: %v", err)
	}
}
