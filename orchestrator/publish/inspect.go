package publish

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/kilnbuild/kiln/internal/files"
)

// Description is what kiln reports and compares an image by: its digests, config and
// layers, and its sizes.
type Description struct {
	// Digest is the manifest digest. For a docker archive, which stores no
	// manifest, it is that of the Docker manifest go-containerregistry derives.
	Digest v1.Hash `json:"digest"`
	// MediaType is the manifest's media type.
	MediaType types.MediaType `json:"media_type"`
	// ConfigDigest is the config blob's digest (Docker's image ID); it is the
	// same in all three transports.
	ConfigDigest v1.Hash `json:"config_digest"`
	// Config is the image config exactly as stored.
	Config json.RawMessage `json:"config"`
	// Layers lists the layers, bottom first.
	Layers []LayerInfo `json:"layers"`
	// CompressedSize is manifest + config + compressed layers, in bytes.
	CompressedSize int64 `json:"compressed_size"`
	// UncompressedSize is manifest + config + uncompressed layer tars, in bytes.
	UncompressedSize int64 `json:"uncompressed_size"`
}

// Inspection describes an image and lists its files.
type Inspection struct {
	// Target is where the image was read, in ParseTarget syntax.
	Target string `json:"target"`
	Description
	// Files lists every tar entry of every layer, in layer order.
	Files []FileInfo `json:"files"`
	// Referrers are the artifacts attached to the image (SBOMs, signed attestations).
	Referrers []ReferrerInfo `json:"referrers"`
	// ReferrersError is why they could not be listed ("" when they could).
	ReferrersError string `json:"referrers_error,omitempty"`
}

// ReferrerInfo is one artifact attached to an image, as kiln inspect lists it.
type ReferrerInfo struct {
	// Digest is the referrer manifest's digest.
	Digest       v1.Hash `json:"digest"`
	ArtifactType string  `json:"artifact_type"`
	// PredicateType is what the referrer's annotation says a signed statement holds (a
	// hint: only kiln verify reads the statement itself).
	PredicateType string `json:"predicate_type,omitempty"`
	Size          int    `json:"size"`
	// Error is why the referrer could not be read ("" when it could).
	Error string `json:"error,omitempty"`
}

// LayerInfo describes one layer.
type LayerInfo struct {
	// Digest is the compressed blob's digest.
	Digest v1.Hash `json:"digest"`
	// DiffID is the uncompressed tar's digest.
	DiffID v1.Hash `json:"diff_id"`
	// MediaType is the layer's media type.
	MediaType types.MediaType `json:"media_type"`
	// Size is the compressed size in bytes.
	Size int64 `json:"size"`
	// UncompressedSize is the tar's size in bytes.
	UncompressedSize int64 `json:"uncompressed_size"`
}

// FileInfo describes one tar entry of a layer.
type FileInfo struct {
	// Path is the absolute path in the image.
	Path string `json:"path"`
	// Type is file, dir, symlink, hardlink, char, block, fifo or other.
	Type string `json:"type"`
	// Size is the content size of a regular file.
	Size int64 `json:"size"`
	// Mode is the permission bits (with setuid, setgid, sticky) in octal, e.g. "0555".
	Mode string `json:"mode"`
	// UID and GID are the numeric owner.
	UID int `json:"uid"`
	// GID is the numeric group.
	GID int `json:"gid"`
	// LinkTarget is where a symlink or hardlink points.
	LinkTarget string `json:"link_target,omitempty"`
	// Layer is the index of the layer holding the entry.
	Layer int `json:"layer"`
}

// Inspect reads the image at t and describes it, files included.
func Inspect(ctx context.Context, t Target, opts ...Option) (Inspection, error) {
	if err := t.checkRef(); err != nil {
		return Inspection{}, err
	}
	img, err := Open(ctx, t, opts...)
	if err != nil {
		return Inspection{}, fmt.Errorf("inspecting %s: %w", t, err)
	}
	d, files, err := describe(ctx, img, true)
	if err != nil {
		return Inspection{}, fmt.Errorf("inspecting %s: %w", t, err)
	}
	ins := Inspection{Target: t.String(), Description: d, Files: files, Referrers: []ReferrerInfo{}}
	_, refs, err := Referrers(ctx, t, opts...)
	switch {
	case errors.Is(err, ErrNothingAttached):
	case err != nil:
		ins.ReferrersError = err.Error()
	}
	for _, r := range refs {
		ri := ReferrerInfo{Digest: r.Digest, ArtifactType: r.ArtifactType, PredicateType: r.Annotations["predicateType"], Size: len(r.Data)}
		if r.Err != nil {
			ri.Error = r.Err.Error()
		}
		ins.Referrers = append(ins.Referrers, ri)
	}
	return ins, nil
}

// Describe reads img's digests, config, layers and sizes (each layer is read once).
func Describe(ctx context.Context, img v1.Image) (Description, error) {
	d, _, err := describe(ctx, img, false)
	return d, err
}

// Open returns the image that t names. An image from an OCI layout or a docker archive is
// verified first: every blob against its digest and size, every layer against its diff_id,
// so a tampered file is a *CorruptError, never a different image. (A registry's blobs are
// verified by go-containerregistry as they stream.)
func Open(ctx context.Context, t Target, opts ...Option) (v1.Image, error) {
	o := makeOptions(opts)
	var img v1.Image
	var manifest *v1.Descriptor
	var config *v1.Hash
	var err error
	switch t.Transport {
	case OCI:
		img, manifest, err = openOCI(t.Path, t.Ref)
	case DockerArchive:
		var tag *name.Tag
		if t.Ref != "" {
			nt, err := name.NewTag(t.Ref)
			if err != nil {
				return nil, err
			}
			tag = &nt
		}
		img, config, err = openArchive(t.Path, tag)
	case Registry:
		return pull(ctx, t, o)
	default:
		return nil, fmt.Errorf("unknown transport %q: %s", t.Transport, usage)
	}
	if err != nil {
		return nil, err
	}
	if err := verifyImage(img, manifest, config); err != nil {
		return nil, &CorruptError{Target: t.String(), Err: err}
	}
	return img, nil
}

// openOCI returns the image tagged tag in the layout at dir, or its only image when tag is
// "", and index.json's descriptor of its manifest.
func openOCI(dir, tag string) (v1.Image, *v1.Descriptor, error) {
	if err := regularFiles(dir); err != nil {
		return nil, nil, fmt.Errorf("reading OCI layout: %w", err)
	}
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("reading OCI layout: %w", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, nil, fmt.Errorf("reading OCI layout: %w", err)
	}
	// Referrers attached to the image (Attach) are listed in index.json too: they are not
	// images to choose from.
	var images []v1.Descriptor
	for _, d := range im.Manifests {
		if !isReferrerEntry(d) {
			images = append(images, d)
		}
	}
	var tags []string
	for _, d := range images {
		ref := d.Annotations[refNameAnnotation]
		tags = append(tags, ref)
		if tag != "" && ref == tag || tag == "" && len(images) == 1 {
			if !d.MediaType.IsImage() {
				return nil, nil, fmt.Errorf("%s is a %s, not an image", d.Digest, d.MediaType)
			}
			img, err := idx.Image(d.Digest)
			if err != nil {
				return nil, nil, err
			}
			return img, &d, nil
		}
	}
	if tag == "" {
		return nil, nil, fmt.Errorf("the layout holds %d images (tags %q): name one as oci:%s:TAG", len(images), tags, dir)
	}
	return nil, nil, fmt.Errorf("no image tagged %q in the layout (tags %q)", tag, tags)
}

// openArchive returns the image tagged tag in the docker archive at file (its only image
// when tag is nil) and the digest its config file is named by in manifest.json, when the
// name carries one.
func openArchive(file string, tag *name.Tag) (v1.Image, *v1.Hash, error) {
	if err := regularFile(file); err != nil {
		return nil, nil, err
	}
	img, err := tarball.ImageFromPath(file, tag)
	if err != nil {
		return nil, nil, err
	}
	m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return files.Open(file) })
	if err != nil {
		return nil, nil, err
	}
	// The entry tarball.Image read: the only one without a tag, else the first listing it.
	for _, d := range m {
		if tag == nil || slices.ContainsFunc(d.RepoTags, func(s string) bool {
			rt, err := name.NewTag(s)
			return err == nil && rt.Name() == tag.Name()
		}) {
			return img, archiveConfigDigest(d.Config), nil
		}
	}
	return nil, nil, fmt.Errorf("manifest.json lists no image tagged %s", tag)
}

// archiveConfigDigest is the digest a docker archive's config file name carries:
// "sha256:<hex>" (go-containerregistry), "blobs/sha256/<hex>" (docker 25 and later) or
// "<hex>.json" (older docker, skopeo); nil for any other name.
func archiveConfigDigest(file string) *v1.Hash {
	s := path.Clean(file)
	switch {
	case strings.HasPrefix(s, "blobs/sha256/"):
		s = "sha256:" + strings.TrimPrefix(s, "blobs/sha256/")
	case strings.HasSuffix(s, ".json"):
		s = "sha256:" + strings.TrimSuffix(s, ".json")
	}
	h, err := v1.NewHash(s)
	if err != nil {
		return nil
	}
	return &h
}

// describe reads img's description and, if files is set, its file listing.
func describe(ctx context.Context, img v1.Image, files bool) (Description, []FileInfo, error) {
	var in Description
	var err error
	if in.Digest, err = img.Digest(); err != nil {
		return in, nil, err
	}
	if in.MediaType, err = img.MediaType(); err != nil {
		return in, nil, err
	}
	if in.ConfigDigest, err = img.ConfigName(); err != nil {
		return in, nil, err
	}
	if in.Config, err = img.RawConfigFile(); err != nil {
		return in, nil, err
	}
	m, err := img.RawManifest()
	if err != nil {
		return in, nil, err
	}
	in.CompressedSize = int64(len(m) + len(in.Config))
	in.UncompressedSize = in.CompressedSize
	layers, err := img.Layers()
	if err != nil {
		return in, nil, err
	}
	all := []FileInfo{}
	for i, l := range layers {
		if err := ctx.Err(); err != nil {
			return in, nil, err
		}
		li, fs, err := describeLayer(i, l, files)
		if err != nil {
			return in, nil, fmt.Errorf("reading layer %d: %w", i, err)
		}
		in.Layers = append(in.Layers, li)
		all = append(all, fs...)
		in.CompressedSize += li.Size
		in.UncompressedSize += li.UncompressedSize
	}
	return in, all, nil
}

// describeLayer reads layer i's metadata and size and, if files is set, its tar listing.
func describeLayer(i int, l v1.Layer, files bool) (LayerInfo, []FileInfo, error) {
	var li LayerInfo
	var err error
	if li.Digest, err = l.Digest(); err != nil {
		return li, nil, err
	}
	if li.DiffID, err = l.DiffID(); err != nil {
		return li, nil, err
	}
	if li.MediaType, err = l.MediaType(); err != nil {
		return li, nil, err
	}
	if li.Size, err = l.Size(); err != nil {
		return li, nil, err
	}
	rc, err := l.Uncompressed()
	if err != nil {
		return li, nil, err
	}
	defer rc.Close()
	cr := &countReader{r: rc}
	var list []FileInfo
	tr := tar.NewReader(cr)
	for files {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return li, nil, err
		}
		list = append(list, fileInfo(i, h))
	}
	if _, err := io.Copy(io.Discard, cr); err != nil { // the rest (all of it without files)
		return li, nil, err
	}
	li.UncompressedSize = cr.n
	return li, list, nil
}

// fileInfo describes one tar header.
func fileInfo(layer int, h *tar.Header) FileInfo {
	f := FileInfo{
		Path:  "/" + strings.TrimPrefix(path.Clean("/"+h.Name), "/"),
		Mode:  fmt.Sprintf("%04o", h.Mode&0o7777),
		UID:   h.Uid,
		GID:   h.Gid,
		Layer: layer,
	}
	switch h.Typeflag {
	case tar.TypeReg:
		f.Type, f.Size = "file", h.Size
	case tar.TypeDir:
		f.Type = "dir"
	case tar.TypeSymlink:
		f.Type, f.LinkTarget = "symlink", h.Linkname
	case tar.TypeLink:
		f.Type, f.LinkTarget = "hardlink", h.Linkname
	case tar.TypeChar:
		f.Type = "char"
	case tar.TypeBlock:
		f.Type = "block"
	case tar.TypeFifo:
		f.Type = "fifo"
	default:
		f.Type = "other"
	}
	return f
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// CorruptError is an image whose stored bytes do not match their digests: a blob replaced
// or damaged on disk. It is never "a different image".
type CorruptError struct {
	Target string
	Err    error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("%s is corrupt: %v (the blob was changed after it was written: rebuild or re-download the image)", e.Target, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// verifyImage reads every blob of img and checks it against the digest and size that
// name it: the manifest against manifest, the descriptor an OCI layout's index.json lists
// for it (nil for a docker archive, which stores no manifest), the config against the
// manifest and against config, the digest a docker archive's manifest.json names its file by
// (nil if none), and each layer against the manifest (compressed digest and size, and the
// diff_id of its content). img's own digests are computed from the bytes it reads, so only
// manifest and config show that the manifest or a docker archive's config was replaced.
func verifyImage(img v1.Image, manifest *v1.Descriptor, config *v1.Hash) error {
	rawManifest, err := img.RawManifest()
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	if manifest != nil {
		if h, n, _ := v1.SHA256(bytes.NewReader(rawManifest)); h != manifest.Digest || n != manifest.Size {
			return fmt.Errorf("manifest blob %s: its content has digest %s (%d bytes), index.json says %s (%d bytes)", manifest.Digest, h, n, manifest.Digest, manifest.Size)
		}
	}
	m, err := img.Manifest()
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	raw, err := img.RawConfigFile()
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if h, n, _ := v1.SHA256(bytes.NewReader(raw)); m.Config.Digest.Hex != "" && (h != m.Config.Digest || n != m.Config.Size) {
		return fmt.Errorf("config blob %s: its content has digest %s (%d bytes), the manifest says %s (%d bytes)", m.Config.Digest, h, n, m.Config.Digest, m.Config.Size)
	}
	if h := sha256Hash(raw); config != nil && h != *config {
		return fmt.Errorf("config file named by %s in manifest.json: its content has digest %s", *config, h)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	layers, err := img.Layers()
	if err != nil {
		return fmt.Errorf("layers: %w", err)
	}
	if len(layers) != len(cfg.RootFS.DiffIDs) {
		return fmt.Errorf("the config lists %d diff_ids for %d layers", len(cfg.RootFS.DiffIDs), len(layers))
	}
	for i, l := range layers {
		want, err := l.Digest()
		if err != nil {
			return fmt.Errorf("layer %d: %w", i, err)
		}
		rc, err := l.Compressed()
		if err != nil {
			return fmt.Errorf("layer %d (%s): %w", i, want, err)
		}
		got, n, err := v1.SHA256(rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("layer %d (%s): %w", i, want, err)
		}
		if i < len(m.Layers) && (got != m.Layers[i].Digest || n != m.Layers[i].Size) {
			return fmt.Errorf("layer blob %s: its content has digest %s (%d bytes), the manifest says %s (%d bytes)", m.Layers[i].Digest, got, n, m.Layers[i].Digest, m.Layers[i].Size)
		}
		urc, err := l.Uncompressed()
		if err != nil {
			return fmt.Errorf("layer %d (%s): %w", i, want, err)
		}
		diff, _, err := v1.SHA256(urc)
		urc.Close()
		if err != nil {
			return fmt.Errorf("layer %d (%s): %w", i, want, err)
		}
		if diff != cfg.RootFS.DiffIDs[i] {
			return fmt.Errorf("layer %d (%s): its content has diff_id %s, the config says %s", i, want, diff, cfg.RootFS.DiffIDs[i])
		}
	}
	return nil
}

// regularFile refuses a path that is not a regular file, without blocking on a FIFO.
func regularFile(p string) error {
	f, err := files.Open(p)
	if err != nil {
		return err
	}
	return f.Close()
}

// regularFiles refuses an OCI layout holding anything but directories and regular files
// (a FIFO or a device where a blob should be would block or stream forever).
func regularFiles(dir string) error {
	for _, name := range []string{"oci-layout", "index.json"} {
		if err := regularFile(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return filepath.WalkDir(filepath.Join(dir, "blobs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return regularFile(p)
	})
}
