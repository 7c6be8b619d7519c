package publish

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// attachRegistry pushes each artifact manifest by digest. go-containerregistry maintains the
// referrers tag (sha256-<hex>, an OCI index) when the registry does not answer with
// OCI-Subject, as Debian's docker-registry 2.8 does not. DSSE envelopes are also added to
// cosign's attestation tag.
func attachRegistry(ctx context.Context, t Target, subject v1.Descriptor, ms []*artifactManifest, o options) error {
	ref, err := o.parseRef(t.Ref)
	if err != nil {
		return fmt.Errorf("attaching to %s: %w", t, err)
	}
	repo := ref.Context()
	ropts := o.remoteOptions(ctx)
	if _, err := remote.Head(repo.Digest(subject.Digest.String()), ropts...); err != nil {
		if isNotFound(err) {
			return fmt.Errorf("attaching to %s: image %s is not in %s: push it first", t, subject.Digest, repo)
		}
		return fmt.Errorf("attaching to %s: %w", t, explainRegistry(ctx, ref, err))
	}
	var envelopes []*artifactManifest
	for _, m := range ms {
		img, err := m.image()
		if err != nil {
			return err
		}
		if err := remote.Write(repo.Digest(m.desc.Digest.String()), img, ropts...); err != nil {
			return fmt.Errorf("attaching %s to %s: %w", m.art.ArtifactType, t, explainRegistry(ctx, ref, err))
		}
		if m.blobDesc.MediaType == DSSEMediaType {
			envelopes = append(envelopes, m)
		}
	}
	if len(envelopes) > 0 {
		if err := addCosignAttestations(ctx, repo, subject.Digest, envelopes, ropts); err != nil {
			return fmt.Errorf("attaching to %s: %w", t, explainRegistry(ctx, ref, err))
		}
	}
	return nil
}

// cosignTag is where cosign 2.x looks for an image's attestations in a registry.
func cosignTag(repo name.Repository, subject v1.Hash) name.Tag {
	return repo.Tag(subject.Algorithm + "-" + subject.Hex + ".att")
}

// addCosignAttestations adds envelopes to the cosign attestation image of subject, keeping
// those already there (other builders' attestations).
func addCosignAttestations(ctx context.Context, repo name.Repository, subject v1.Hash, envs []*artifactManifest, ropts []remote.Option) error {
	tag := cosignTag(repo, subject)
	old, err := remote.Image(tag, ropts...)
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("reading %s: %w", tag, err)
	}
	if err != nil {
		old = nil
	}
	img, added, err := cosignAttestations(old, envs)
	if err != nil || !added {
		return err
	}
	if err := remote.Write(tag, img, ropts...); err != nil {
		return fmt.Errorf("writing %s: %w", tag, err)
	}
	return nil
}

// isNotFound reports a registry's 404 (or MANIFEST_UNKNOWN).
func isNotFound(err error) bool {
	var terr *transport.Error
	if errors.As(err, &terr) {
		if terr.StatusCode == http.StatusNotFound {
			return true
		}
		for _, d := range terr.Errors {
			if d.Code == transport.ManifestUnknownErrorCode || d.Code == transport.NameUnknownErrorCode {
				return true
			}
		}
	}
	return false
}

// registryReferrers resolves t.Ref to its manifest and lists its referrers (the referrers
// API, or the referrers tag).
func registryReferrers(ctx context.Context, t Target, o options) (v1.Descriptor, []Referrer, error) {
	ref, err := o.parseRef(t.Ref)
	if err != nil {
		return v1.Descriptor{}, nil, err
	}
	repo := ref.Context()
	ropts := o.remoteOptions(ctx)
	d, err := remote.Get(ref, ropts...)
	if err != nil {
		return v1.Descriptor{}, nil, explainRegistry(ctx, ref, err)
	}
	if got := sha256Hash(d.Manifest); got != d.Digest {
		return v1.Descriptor{}, nil, &DigestError{What: "image manifest", Want: d.Digest, Got: got}
	}
	subject := v1.Descriptor{MediaType: d.MediaType, Size: d.Size, Digest: d.Digest}
	idx, err := remote.Referrers(repo.Digest(d.Digest.String()), ropts...)
	if err != nil {
		return v1.Descriptor{}, nil, explainRegistry(ctx, ref, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return v1.Descriptor{}, nil, fmt.Errorf("reading the referrers index: %w", err)
	}
	var refs []Referrer
	for _, desc := range im.Manifests {
		md, err := remote.Get(repo.Digest(desc.Digest.String()), ropts...)
		if err != nil {
			if ctx.Err() != nil {
				return v1.Descriptor{}, nil, ctx.Err()
			}
			refs = append(refs, badReferrer(desc, explainRegistry(ctx, ref, err)))
			continue
		}
		r := readReferrer(desc, md.Manifest, d.Digest, func(l v1.Descriptor) ([]byte, error) {
			layer, err := remote.Layer(repo.Digest(l.Digest.String()), ropts...)
			if err != nil {
				return nil, err
			}
			rc, err := layer.Compressed()
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			return io.ReadAll(io.LimitReader(rc, maxReferrerBlob+1))
		})
		refs = append(refs, r)
	}
	return subject, refs, nil
}

// maxReferrerBlob bounds what a reader loads into memory for one referrer blob.
const maxReferrerBlob = 64 << 20
