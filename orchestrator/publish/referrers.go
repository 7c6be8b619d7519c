package publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Artifact is something attached to an image as an OCI 1.1 referrer: an SBOM, a signed
// attestation. Attach stores it as an image manifest whose subject is the image, whose
// artifactType is ArtifactType, whose config is the empty descriptor and whose one layer is Data.
type Artifact struct {
	// ArtifactType says what it is, e.g. application/spdx+json or
	// application/vnd.dsse.envelope.v1+json.
	ArtifactType string
	// MediaType is the blob's media type ("" = ArtifactType).
	MediaType string
	Data      []byte
	// Annotations go on the manifest (and the referrers index entry), e.g. in-toto's predicateType.
	Annotations map[string]string
}

// Referrer is an artifact read back from a target, every digest on the way checked.
type Referrer struct {
	// Digest is the referrer manifest's digest: the artifact's identity in any target.
	Digest       v1.Hash
	ArtifactType string
	// MediaType is the blob's media type.
	MediaType   string
	Data        []byte
	Annotations map[string]string
	// Err is why the referrer could not be read (a *ReferrerError); Data is nil then.
	Err error
}

// Name is how errors and listings name the referrer: its digest and artifact type.
func (r Referrer) Name() string { return fmt.Sprintf("referrer %s (%s)", r.Digest, r.ArtifactType) }

// DSSEMediaType is the media type of a DSSE envelope. Attach also files envelopes under
// cosign's attestation tag (sha256-<hex>.att) in a registry, so `cosign verify-attestation`
// finds them.
const DSSEMediaType = "application/vnd.dsse.envelope.v1+json"

// emptyConfig is OCI's empty descriptor: the config of an artifact manifest.
var emptyConfig = v1.Descriptor{
	MediaType: types.OCIEmptyJSON,
	Size:      2,
	Digest:    v1.Hash{Algorithm: "sha256", Hex: "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
	Data:      []byte("{}"),
}

// artifactManifest is an Artifact made into an OCI manifest referring to subject.
type artifactManifest struct {
	raw      []byte
	desc     v1.Descriptor
	blob     []byte
	blobDesc v1.Descriptor
	art      Artifact
}

func newArtifactManifest(a Artifact, subject v1.Descriptor) (*artifactManifest, error) {
	if a.ArtifactType == "" {
		return nil, fmt.Errorf("attaching an artifact: no artifact type")
	}
	mt := a.MediaType
	if mt == "" {
		mt = a.ArtifactType
	}
	blobDesc := v1.Descriptor{MediaType: types.MediaType(mt), Size: int64(len(a.Data)), Digest: sha256Hash(a.Data)}
	sub := v1.Descriptor{MediaType: subject.MediaType, Size: subject.Size, Digest: subject.Digest}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  a.ArtifactType,
		Config:        emptyConfig,
		Layers:        []v1.Descriptor{blobDesc},
		Subject:       &sub,
		Annotations:   a.Annotations,
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encoding artifact manifest: %w", err)
	}
	desc := v1.Descriptor{
		MediaType: types.OCIManifestSchema1, Size: int64(len(raw)), Digest: sha256Hash(raw),
		ArtifactType: a.ArtifactType, Annotations: a.Annotations,
	}
	return &artifactManifest{raw: raw, desc: desc, blob: a.Data, blobDesc: blobDesc, art: a}, nil
}

// image is the artifact as a go-containerregistry image, for remote.Write.
func (m *artifactManifest) image() (v1.Image, error) {
	return partial.CompressedToImage(artifactCore{m})
}

type artifactCore struct{ m *artifactManifest }

func (c artifactCore) RawConfigFile() ([]byte, error)      { return []byte("{}"), nil }
func (c artifactCore) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (c artifactCore) RawManifest() ([]byte, error)        { return c.m.raw, nil }
func (c artifactCore) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	switch h {
	case c.m.blobDesc.Digest:
		return blobLayer{c.m.blob, c.m.blobDesc.MediaType}, nil
	case emptyConfig.Digest:
		return blobLayer{[]byte("{}"), types.OCIEmptyJSON}, nil
	}
	return nil, fmt.Errorf("artifact has no blob %s", h)
}

// blobLayer is a blob in memory, stored as is (no compression).
type blobLayer struct {
	data []byte
	mt   types.MediaType
}

func (l blobLayer) Digest() (v1.Hash, error)            { return sha256Hash(l.data), nil }
func (l blobLayer) Size() (int64, error)                { return int64(len(l.data)), nil }
func (l blobLayer) MediaType() (types.MediaType, error) { return l.mt, nil }
func (l blobLayer) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.data)), nil
}

// subjectOf is the descriptor of img's manifest, what referrers point at.
func subjectOf(img v1.Image) (v1.Descriptor, []byte, error) {
	raw, err := img.RawManifest()
	if err != nil {
		return v1.Descriptor{}, nil, fmt.Errorf("reading image manifest: %w", err)
	}
	mt, err := img.MediaType()
	if err != nil {
		return v1.Descriptor{}, nil, fmt.Errorf("reading image manifest: %w", err)
	}
	return v1.Descriptor{MediaType: mt, Size: int64(len(raw)), Digest: sha256Hash(raw)}, raw, nil
}

// Attach attaches arts to img, which must already be at t (written by Write): in a registry
// as OCI 1.1 referrers (with the sha256-<hex> referrers tag where the registry has no
// referrers API, and DSSE envelopes also under cosign's sha256-<hex>.att tag); in an OCI
// layout as manifests listed in index.json with their subject; beside a docker archive in
// FILE.referrers.json (see ArchiveReferrers). It returns the referrer manifests' digests, in
// the order of arts. Attaching the same artifact twice is harmless.
func Attach(ctx context.Context, img v1.Image, t Target, arts []Artifact, opts ...Option) ([]v1.Hash, error) {
	if err := t.checkRef(); err != nil {
		return nil, err
	}
	subject, rawSubject, err := subjectOf(img)
	if err != nil {
		return nil, err
	}
	return attach(ctx, t, subject, rawSubject, arts, makeOptions(opts))
}

// AttachTo attaches arts to the image at t whose manifest is subject (as Referrers returns
// it): for a docker archive, the image its referrers file is about.
func AttachTo(ctx context.Context, t Target, subject v1.Descriptor, arts []Artifact, opts ...Option) ([]v1.Hash, error) {
	if err := t.checkRef(); err != nil {
		return nil, err
	}
	var raw []byte
	if t.Transport == DockerArchive {
		side := ArchiveReferrersPath(filepath.Clean(t.Path))
		ar, err := readArchiveReferrers(side)
		if err != nil {
			return nil, fmt.Errorf("attaching to docker archive %s: %s: %w", t.Path, side, err)
		}
		if ar.Subject.Digest != subject.Digest || sha256Hash(ar.Subject.Data) != subject.Digest {
			return nil, fmt.Errorf("attaching to docker archive %s: %s is about %s, not %s", t.Path, side, ar.Subject.Digest, subject.Digest)
		}
		raw = ar.Subject.Data
	}
	return attach(ctx, t, v1.Descriptor{MediaType: subject.MediaType, Size: subject.Size, Digest: subject.Digest}, raw, arts, makeOptions(opts))
}

func attach(ctx context.Context, t Target, subject v1.Descriptor, rawSubject []byte, arts []Artifact, o options) ([]v1.Hash, error) {
	var err error
	var ms []*artifactManifest
	for _, a := range arts {
		m, err := newArtifactManifest(a, subject)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	switch t.Transport {
	case Registry:
		err = attachRegistry(ctx, t, subject, ms, o)
	case OCI:
		err = attachOCI(ctx, t, subject, ms)
	case DockerArchive:
		err = attachArchive(ctx, t, subject, rawSubject, ms)
	default:
		err = fmt.Errorf("unknown transport %q: %s", t.Transport, usage)
	}
	if err != nil {
		return nil, err
	}
	out := make([]v1.Hash, len(ms))
	for i, m := range ms {
		out[i] = m.desc.Digest
		o.logger.Info("attached", "target", t.String(), "artifactType", m.art.ArtifactType, "digest", m.desc.Digest.String(), "size", len(m.blob))
	}
	return out, nil
}

// Referrers lists what is attached to the image at t, in the target's order, and returns
// the image's manifest descriptor. Every manifest and blob is read whole and checked against
// its digest. A referrer that cannot be read — not an OCI manifest, about another image, a
// blob that does not match its digest — is listed with Err set: anyone who can push can
// attach junk, and junk must not hide the referrers that are good.
func Referrers(ctx context.Context, t Target, opts ...Option) (v1.Descriptor, []Referrer, error) {
	if err := t.checkRef(); err != nil {
		return v1.Descriptor{}, nil, err
	}
	var (
		subject v1.Descriptor
		refs    []Referrer
		err     error
	)
	switch t.Transport {
	case Registry:
		subject, refs, err = registryReferrers(ctx, t, makeOptions(opts))
	case OCI:
		subject, refs, err = ociReferrers(t)
	case DockerArchive:
		subject, refs, err = archiveReferrers(ctx, t, opts)
	default:
		err = fmt.Errorf("unknown transport %q: %s", t.Transport, usage)
	}
	if err != nil {
		return v1.Descriptor{}, nil, fmt.Errorf("listing referrers of %s: %w", t, err)
	}
	return subject, refs, nil
}

// ReferrerError is a referrer that cannot be read: not an OCI manifest, not about this
// image, or with a blob whose content does not match its digest.
type ReferrerError struct {
	Digest v1.Hash
	Err    error
}

func (e *ReferrerError) Error() string { return fmt.Sprintf("referrer %s: %v", e.Digest, e.Err) }
func (e *ReferrerError) Unwrap() error { return e.Err }

// DigestError is content whose sha256 is not the digest that names it.
type DigestError struct {
	What      string
	Want, Got v1.Hash
}

func (e *DigestError) Error() string {
	return fmt.Sprintf("%s: content has digest %s, not %s: it was altered or corrupted", e.What, e.Got, e.Want)
}

// badReferrer is the listing entry of a referrer that could not be read.
func badReferrer(desc v1.Descriptor, err error) Referrer {
	return Referrer{Digest: desc.Digest, ArtifactType: desc.ArtifactType, Annotations: desc.Annotations, Err: &ReferrerError{Digest: desc.Digest, Err: err}}
}

// readReferrer checks a referrer manifest (raw, listed as desc) against subject and returns
// it with its blob, fetched by blob and checked against its digest; or, when any of that
// fails, a Referrer whose Err says why.
func readReferrer(desc v1.Descriptor, raw []byte, subject v1.Hash, blob func(v1.Descriptor) ([]byte, error)) Referrer {
	r, err := checkReferrer(desc.Digest, raw, subject, blob)
	if err != nil {
		return badReferrer(desc, err)
	}
	return r
}

func checkReferrer(d v1.Hash, raw []byte, subject v1.Hash, blob func(v1.Descriptor) ([]byte, error)) (Referrer, error) {
	fail := func(err error) (Referrer, error) { return Referrer{}, err }
	if got := sha256Hash(raw); got != d {
		return fail(&DigestError{What: "manifest", Want: d, Got: got})
	}
	var m v1.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fail(fmt.Errorf("not an OCI manifest (invalid JSON: %v)", err))
	}
	if m.Subject == nil || m.Subject.Digest != subject {
		got := "none"
		if m.Subject != nil {
			got = m.Subject.Digest.String()
		}
		return fail(fmt.Errorf("its subject is %s, not the image %s", got, subject))
	}
	if len(m.Layers) != 1 {
		return fail(fmt.Errorf("has %d layers; a kiln referrer has one blob", len(m.Layers)))
	}
	l := m.Layers[0]
	data, err := blob(l)
	if err != nil {
		return fail(fmt.Errorf("reading blob %s: %w", l.Digest, err))
	}
	if got := sha256Hash(data); got != l.Digest || int64(len(data)) != l.Size {
		return fail(&DigestError{What: "blob " + l.Digest.String(), Want: l.Digest, Got: got})
	}
	at := m.ArtifactType
	if at == "" {
		at = string(m.Config.MediaType)
	}
	return Referrer{Digest: d, ArtifactType: at, MediaType: string(l.MediaType), Data: data, Annotations: m.Annotations}, nil
}

func sha256Hash(b []byte) v1.Hash {
	sum := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}
