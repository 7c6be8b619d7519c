package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/kilnbuild/kiln/internal/files"
)

// attachOCI writes each artifact's blobs into the layout and lists its manifest in
// index.json (with artifactType and annotations, no ref.name), as OCI 1.1 tools (oras, …)
// keep referrers in a layout. Blobs are written to a temporary name and renamed; index.json
// is replaced atomically, so a reader sees the old or the new index, never half of one.
func attachOCI(ctx context.Context, t Target, subject v1.Descriptor, ms []*artifactManifest) error {
	dir := filepath.Clean(t.Path)
	wrap := func(err error) error { return fmt.Errorf("attaching to OCI layout %s: %w", dir, err) }
	idx, err := readLayoutIndex(dir)
	if err != nil {
		return wrap(err)
	}
	found := false
	have := map[v1.Hash]bool{}
	for _, d := range idx.Manifests {
		found = found || d.Digest == subject.Digest
		have[d.Digest] = true
	}
	if !found {
		return wrap(fmt.Errorf("image %s is not in the layout: write it there first", subject.Digest))
	}
	for _, m := range ms {
		if err := ctx.Err(); err != nil {
			return wrap(err)
		}
		for _, b := range [][]byte{emptyConfig.Data, m.blob, m.raw} {
			if err := writeLayoutBlob(dir, b); err != nil {
				return wrap(explainFS(dir, err))
			}
		}
		if !have[m.desc.Digest] {
			idx.Manifests = append(idx.Manifests, m.desc)
			have[m.desc.Digest] = true
		}
	}
	if err := addLayoutCosignAttestations(dir, idx, subject, ms); err != nil {
		return wrap(err)
	}
	raw, err := json.Marshal(idx)
	if err != nil {
		return wrap(err)
	}
	if err := files.WriteFile(filepath.Join(dir, "index.json"), raw, 0o644); err != nil {
		return wrap(explainFS(dir, err))
	}
	return nil
}

// readLayoutIndex reads an OCI layout's index.json (only a regular file: see files.Open).
func readLayoutIndex(dir string) (*v1.IndexManifest, error) {
	if fi, err := os.Stat(filepath.Join(dir, "oci-layout")); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not an OCI layout (no oci-layout file)", dir)
	}
	raw, err := files.ReadFile(filepath.Join(dir, "index.json"), 0)
	if err != nil {
		return nil, err
	}
	var idx v1.IndexManifest
	if err := json.Unmarshal(raw, &idx); err != nil {
		return nil, fmt.Errorf("reading index.json: %w", err)
	}
	return &idx, nil
}

// layoutBlobPath is where a layout keeps the blob with digest h.
func layoutBlobPath(dir string, h v1.Hash) string {
	return filepath.Join(dir, "blobs", h.Algorithm, h.Hex)
}

// writeLayoutBlob stores data under its sha256, unless a blob with that content is there.
func writeLayoutBlob(dir string, data []byte) error {
	h := sha256Hash(data)
	p := layoutBlobPath(dir, h)
	if old, err := files.ReadFile(p, int64(len(data))); err == nil && sha256Hash(old) == h {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return files.WriteFile(p, data, 0o644)
}

// readLayoutBlob reads the blob d names (a regular file of at most maxReferrerBlob bytes)
// and checks its digest.
func readLayoutBlob(dir string, d v1.Descriptor) ([]byte, error) {
	data, err := files.ReadFile(layoutBlobPath(dir, d.Digest), maxReferrerBlob)
	if err != nil {
		return nil, err
	}
	if got := sha256Hash(data); got != d.Digest {
		return nil, &DigestError{What: layoutBlobPath(dir, d.Digest), Want: d.Digest, Got: got}
	}
	return data, nil
}

// ociReferrers finds the image t names in the layout and the referrers listed beside it.
// Entries about other images of the layout are not this image's and are left out.
func ociReferrers(t Target) (v1.Descriptor, []Referrer, error) {
	dir := filepath.Clean(t.Path)
	idx, err := readLayoutIndex(dir)
	if err != nil {
		return v1.Descriptor{}, nil, err
	}
	subject, err := layoutImage(idx, dir, t.Ref)
	if err != nil {
		return v1.Descriptor{}, nil, err
	}
	var refs []Referrer
	for _, d := range idx.Manifests {
		if d.Digest == subject.Digest || d.MediaType != types.OCIManifestSchema1 {
			continue
		}
		raw, err := readLayoutBlob(dir, d)
		if err != nil {
			if isReferrerEntry(d) {
				refs = append(refs, badReferrer(d, err))
			}
			continue
		}
		var probe struct {
			Subject *v1.Descriptor `json:"subject"`
		}
		if json.Unmarshal(raw, &probe) == nil && (probe.Subject == nil || probe.Subject.Digest != subject.Digest) {
			continue // another image of the layout, or a referrer of one
		}
		refs = append(refs, readReferrer(d, raw, subject.Digest, func(l v1.Descriptor) ([]byte, error) { return readLayoutBlob(dir, l) }))
	}
	return subject, refs, nil
}

// isReferrerEntry reports whether an index.json entry is an artifact attached to an image
// rather than an image: its artifactType is not an image config's media type (which
// go-containerregistry writes as the artifactType of images).
func isReferrerEntry(d v1.Descriptor) bool {
	if d.Annotations[cosignKindAnnotation] == cosignKindAttestations {
		return true
	}
	switch types.MediaType(d.ArtifactType) {
	case "", types.OCIConfigJSON, types.DockerConfigJSON:
		return false
	}
	return true
}

// layoutImage is the descriptor of the image tagged tag, or of the only entry that is not
// a referrer when tag is "".
func layoutImage(idx *v1.IndexManifest, dir, tag string) (v1.Descriptor, error) {
	var images []v1.Descriptor
	for _, d := range idx.Manifests {
		if tag != "" && d.Annotations[refNameAnnotation] == tag {
			return d, nil
		}
		if !isReferrerEntry(d) && d.MediaType.IsImage() {
			images = append(images, d)
		}
	}
	switch {
	case tag != "":
		return v1.Descriptor{}, fmt.Errorf("no image tagged %q in %s", tag, dir)
	case len(images) == 1:
		return images[0], nil
	case len(images) == 0:
		return v1.Descriptor{}, errors.New("the layout holds no image")
	}
	return v1.Descriptor{}, fmt.Errorf("the layout holds %d images: name one as oci:%s:TAG", len(images), dir)
}

// addLayoutCosignAttestations keeps cosign's own layout form of the DSSE envelopes in ms
// (see cosignAttestations) in idx: the image entry annotated as cosign's image, and one
// attestation image holding every envelope. A layout whose cosign image is another image
// (it holds several) is left as it is: cosign reads one image per layout.
func addLayoutCosignAttestations(dir string, idx *v1.IndexManifest, subject v1.Descriptor, ms []*artifactManifest) error {
	var envs []*artifactManifest
	for _, m := range ms {
		if m.blobDesc.MediaType == DSSEMediaType {
			envs = append(envs, m)
		}
	}
	if len(envs) == 0 {
		return nil
	}
	imageAt, attsAt := -1, -1
	for i, d := range idx.Manifests {
		switch d.Annotations[cosignKindAnnotation] {
		case cosignKindImage:
			if d.Digest != subject.Digest {
				return nil
			}
			imageAt = i
		case cosignKindAttestations:
			attsAt = i
		}
		if d.Digest == subject.Digest && imageAt < 0 {
			imageAt = i
		}
	}
	var old v1.Image
	if attsAt >= 0 {
		var err error
		if old, err = layout.Path(dir).Image(idx.Manifests[attsAt].Digest); err != nil {
			return fmt.Errorf("reading cosign attestations: %w", err)
		}
	}
	img, added, err := cosignAttestations(old, envs)
	if err != nil || !added {
		return err
	}
	if err := writeLayoutImage(dir, img); err != nil {
		return err
	}
	desc, err := partial.Descriptor(img)
	if err != nil {
		return err
	}
	entry := v1.Descriptor{MediaType: desc.MediaType, Size: desc.Size, Digest: desc.Digest,
		Annotations: map[string]string{cosignKindAnnotation: cosignKindAttestations}}
	if attsAt >= 0 {
		idx.Manifests[attsAt] = entry
	} else {
		idx.Manifests = append(idx.Manifests, entry)
	}
	ann := map[string]string{cosignKindAnnotation: cosignKindImage}
	for k, v := range idx.Manifests[imageAt].Annotations {
		ann[k] = v
	}
	idx.Manifests[imageAt].Annotations = ann
	return nil
}

// writeLayoutImage writes img's config, layers and manifest as layout blobs.
func writeLayoutImage(dir string, img v1.Image) error {
	cfg, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	if err := writeLayoutBlob(dir, cfg); err != nil {
		return err
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		if err := writeLayoutBlob(dir, data); err != nil {
			return err
		}
	}
	raw, err := img.RawManifest()
	if err != nil {
		return err
	}
	return writeLayoutBlob(dir, raw)
}
