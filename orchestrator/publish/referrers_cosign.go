package publish

import (
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// cosign 2.x keeps an image's attestations in an image of its own, one layer per DSSE
// envelope (no OCI 1.1 subject): under the tag sha256-<hex>.att in a registry, and in an OCI
// layout as the index entry annotated kind=dev.cosignproject.cosign/atts, beside the image
// annotated kind=dev.cosignproject.cosign/image (`cosign verify-attestation --local-image`).
// kiln writes these besides the referrers so cosign checks kiln's attestations as they are.
const (
	// cosignSignatureAnnotation is the layer annotation cosign reads a signature from; an
	// attestation's is empty (the signature is inside the envelope).
	cosignSignatureAnnotation = "dev.cosignproject.cosign/signature"
	cosignKindAnnotation      = "kind"
	cosignKindImage           = "dev.cosignproject.cosign/image"
	cosignKindAttestations    = "dev.cosignproject.cosign/atts"
)

// cosignAttestations returns old (nil: an empty image) with the envelopes it does not hold
// yet appended as layers, and whether any was added.
func cosignAttestations(old v1.Image, envs []*artifactManifest) (v1.Image, bool, error) {
	img := old
	have := map[v1.Hash]bool{}
	if img == nil {
		img = mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	} else {
		m, err := img.Manifest()
		if err != nil {
			return nil, false, fmt.Errorf("reading cosign attestations: %w", err)
		}
		for _, l := range m.Layers {
			have[l.Digest] = true
		}
	}
	added := false
	for _, e := range envs {
		if have[e.blobDesc.Digest] {
			continue
		}
		ann := map[string]string{cosignSignatureAnnotation: ""}
		for k, v := range e.art.Annotations {
			ann[k] = v
		}
		var err error
		img, err = mutate.Append(img, mutate.Addendum{Layer: static.NewLayer(e.blob, DSSEMediaType), Annotations: ann})
		if err != nil {
			return nil, false, err
		}
		have[e.blobDesc.Digest] = true
		added = true
	}
	return img, added, nil
}
