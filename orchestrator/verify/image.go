package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/kilnbuild/kiln/orchestrator/publish"
)

// ImageInfo is what two images are compared by: digests, config and layers.
type ImageInfo struct {
	// Digest is the manifest digest, what kiln build prints.
	Digest string `json:"digest"`
	// ConfigDigest is the config blob's digest (Docker's image ID).
	ConfigDigest string `json:"config_digest,omitempty"`
	// Config is the image config exactly as stored (nil when only a digest is known).
	Config json.RawMessage `json:"-"`
	// Layers lists the layers, bottom first.
	Layers []LayerInfo `json:"layers,omitempty"`
	// ManifestLess is set for a docker archive, which stores no manifest: its Digest is
	// derived, so it is compared by config digest and layer diff_ids instead.
	ManifestLess bool `json:"-"`
}

// LayerInfo is one layer's digests.
type LayerInfo struct {
	// Digest is the compressed blob's digest.
	Digest string `json:"digest"`
	// DiffID is the uncompressed tar's digest.
	DiffID string `json:"diff_id"`
	// MediaType says how the layer is compressed.
	MediaType string `json:"media_type"`
}

// imageInfo is what verify keeps of an image's description.
func imageInfo(d publish.Description) ImageInfo {
	in := ImageInfo{Digest: d.Digest.String(), ConfigDigest: d.ConfigDigest.String(), Config: d.Config}
	for _, l := range d.Layers {
		in.Layers = append(in.Layers, LayerInfo{Digest: l.Digest.String(), DiffID: l.DiffID.String(), MediaType: string(l.MediaType)})
	}
	return in
}

// Expected is a published image the rebuilt one must equal: --against.
type Expected struct {
	// Ref is what the user gave: a digest or a target in publish.ParseTarget syntax.
	Ref string `json:"ref"`
	// Image is what is known of it: only Digest for a bare digest.
	Image ImageInfo `json:"image"`
}

// ParseExpected reads --against: a bare sha256:<64 hex> manifest digest, or an image at
// oci:DIR[:TAG], docker-archive:FILE or docker://REF, whose digests, config and layers
// are read (so a difference can be explained, not just detected).
func ParseExpected(ctx context.Context, ref string, opts ...publish.Option) (*Expected, error) {
	if strings.HasPrefix(ref, "sha256:") {
		h, err := v1.NewHash(ref)
		if err != nil || len(h.Hex) != 64 {
			return nil, fmt.Errorf("--against %q: a digest is sha256: and 64 hex digits", ref)
		}
		return &Expected{Ref: ref, Image: ImageInfo{Digest: h.String()}}, nil
	}
	t, err := publish.ParseTarget(ref)
	if err != nil {
		return nil, fmt.Errorf("--against: %w (or give a sha256:… digest)", err)
	}
	img, err := publish.Open(ctx, t, opts...)
	if err != nil {
		return nil, fmt.Errorf("--against: %w", err)
	}
	d, err := publish.Describe(ctx, img)
	if err != nil {
		return nil, fmt.Errorf("--against %s: %w", t, err)
	}
	info := imageInfo(d)
	info.ManifestLess = t.Transport == publish.DockerArchive
	return &Expected{Ref: ref, Image: info}, nil
}

// SameImage reports whether got is the image want describes: the same manifest digest,
// or, for a docker archive (no manifest), the same config digest and layer diff_ids.
func SameImage(want, got ImageInfo) bool {
	if !want.ManifestLess {
		return want.Digest == got.Digest
	}
	if want.ConfigDigest != got.ConfigDigest || len(want.Layers) != len(got.Layers) {
		return false
	}
	for i := range want.Layers {
		if want.Layers[i].DiffID != got.Layers[i].DiffID {
			return false
		}
	}
	return true
}

// maxConfigDiffs bounds how many config fields CompareImages lists.
const maxConfigDiffs = 20

// CompareImages explains how image b differs from image a, one line per difference:
// manifest and config digests, each config field (labels, created, entrypoint …) and
// each layer's diff_id, digest and media type. It is empty when nothing differs.
func CompareImages(a, b ImageInfo) []string {
	var out []string
	if a.Digest != b.Digest && !a.ManifestLess && !b.ManifestLess {
		out = append(out, fmt.Sprintf("manifest digest: %s vs %s", a.Digest, b.Digest))
	}
	if a.ConfigDigest == "" || b.ConfigDigest == "" {
		if len(out) > 0 {
			out = append(out, "only the digest is known: give the image itself (oci:DIR[:TAG], docker-archive:FILE, docker://REF) to see what differs")
		}
		return out
	}
	if a.ConfigDigest != b.ConfigDigest {
		out = append(out, fmt.Sprintf("config digest: %s vs %s", a.ConfigDigest, b.ConfigDigest))
		out = append(out, configDiffs(a.Config, b.Config)...)
	}
	if len(a.Layers) != len(b.Layers) {
		out = append(out, fmt.Sprintf("layers: %d vs %d", len(a.Layers), len(b.Layers)))
		return out
	}
	for i := range a.Layers {
		la, lb := a.Layers[i], b.Layers[i]
		switch {
		case la.DiffID != lb.DiffID:
			out = append(out, fmt.Sprintf("layer %d: files differ (diff_id %s vs %s)", i, la.DiffID, lb.DiffID))
		case la.MediaType != lb.MediaType:
			out = append(out, fmt.Sprintf("layer %d: same files, other compression (%s vs %s): use --compression", i, la.MediaType, lb.MediaType))
		case la.Digest != lb.Digest && !a.ManifestLess && !b.ManifestLess:
			out = append(out, fmt.Sprintf("layer %d: same files, other compressed bytes (digest %s vs %s)", i, la.Digest, lb.Digest))
		}
	}
	return out
}

// configDiffs lists the config fields that differ, as "config KEY: A vs B", flattening
// objects (Labels, config) into dotted keys. rootfs.diff_ids is left to the layer lines.
func configDiffs(a, b json.RawMessage) []string {
	fa, fb := map[string]string{}, map[string]string{}
	flatten(a, "", fa)
	flatten(b, "", fb)
	keys := map[string]bool{}
	for k := range fa {
		keys[k] = true
	}
	for k := range fb {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		if k != "rootfs.diff_ids" {
			sorted = append(sorted, k)
		}
	}
	sort.Strings(sorted)
	var out []string
	for _, k := range sorted {
		va, okA := fa[k]
		vb, okB := fb[k]
		if !okA {
			va = "(absent)"
		}
		if !okB {
			vb = "(absent)"
		}
		if va == vb {
			continue
		}
		if len(out) == maxConfigDiffs {
			out = append(out, "config: … more fields differ")
			break
		}
		out = append(out, fmt.Sprintf("config %s: %s vs %s", k, va, vb))
	}
	return out
}

// flatten stores every leaf of the JSON document under its dotted key; arrays are
// leaves, kept as compact JSON.
func flatten(raw json.RawMessage, prefix string, out map[string]string) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err == nil && obj != nil {
		for k, v := range obj {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flatten(v, key, out)
		}
		return
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		buf.Reset()
		buf.Write(raw)
	}
	if prefix == "" {
		prefix = "(document)"
	}
	out[prefix] = buf.String()
}
