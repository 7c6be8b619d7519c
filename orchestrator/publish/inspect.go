package publish

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Inspection describes an image: its manifest, config, layers and files.
type Inspection struct {
	// Target is where the image was read, in ParseTarget syntax.
	Target string `json:"target"`
	// Digest is the manifest digest. For a docker archive, which stores no
	// manifest, it is that of the Docker manifest go-containerregistry derives.
	Digest v1.Hash `json:"digest"`
	// MediaType is the manifest's media type.
	MediaType types.MediaType `json:"mediaType"`
	// ConfigDigest is the config blob's digest (Docker's image ID); it is the
	// same in all three transports.
	ConfigDigest v1.Hash `json:"configDigest"`
	// Config is the image config exactly as stored.
	Config json.RawMessage `json:"config"`
	// Layers lists the layers, bottom first.
	Layers []LayerInfo `json:"layers"`
	// CompressedSize is manifest + config + compressed layers, in bytes.
	CompressedSize int64 `json:"compressedSize"`
	// UncompressedSize is manifest + config + uncompressed layer tars, in bytes.
	UncompressedSize int64 `json:"uncompressedSize"`
	// Files lists every tar entry of every layer, in layer order.
	Files []FileInfo `json:"files"`
}

// LayerInfo describes one layer.
type LayerInfo struct {
	// Digest is the compressed blob's digest.
	Digest v1.Hash `json:"digest"`
	// DiffID is the uncompressed tar's digest.
	DiffID v1.Hash `json:"diffID"`
	// MediaType is the layer's media type.
	MediaType types.MediaType `json:"mediaType"`
	// Size is the compressed size in bytes.
	Size int64 `json:"size"`
	// UncompressedSize is the tar's size in bytes.
	UncompressedSize int64 `json:"uncompressedSize"`
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
	LinkTarget string `json:"linkTarget,omitempty"`
	// Layer is the index of the layer holding the entry.
	Layer int `json:"layer"`
}

// Inspect reads the image at t and describes it, files included.
func Inspect(ctx context.Context, t Target, opts Options) (Inspection, error) {
	if err := t.checkRef(); err != nil {
		return Inspection{}, err
	}
	img, err := Open(ctx, t, opts)
	if err != nil {
		return Inspection{}, fmt.Errorf("inspecting %s: %w", t, err)
	}
	in, err := describe(ctx, img)
	if err != nil {
		return Inspection{}, fmt.Errorf("inspecting %s: %w", t, err)
	}
	in.Target = t.String()
	return in, nil
}

// Open returns the image that t names (lazily: layers are read when asked for).
func Open(ctx context.Context, t Target, opts Options) (v1.Image, error) {
	switch t.Transport {
	case OCI:
		return openOCI(t.Path, t.Ref)
	case DockerArchive:
		var tag *name.Tag
		if t.Ref != "" {
			nt, err := name.NewTag(t.Ref)
			if err != nil {
				return nil, err
			}
			tag = &nt
		}
		return tarball.ImageFromPath(t.Path, tag)
	case Registry:
		return pull(ctx, t, opts)
	}
	return nil, fmt.Errorf("unknown transport %q: %s", t.Transport, usage)
}

// openOCI returns the image tagged tag in the layout at dir, or its only image when tag is "".
func openOCI(dir, tag string) (v1.Image, error) {
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("reading OCI layout: %w", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading OCI layout: %w", err)
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
				return nil, fmt.Errorf("%s is a %s, not an image", d.Digest, d.MediaType)
			}
			return idx.Image(d.Digest)
		}
	}
	if tag == "" {
		return nil, fmt.Errorf("the layout holds %d images (tags %q): name one as oci:%s:TAG", len(images), tags, dir)
	}
	return nil, fmt.Errorf("no image tagged %q in the layout (tags %q)", tag, tags)
}

// describe fills an Inspection from img, reading every layer.
func describe(ctx context.Context, img v1.Image) (Inspection, error) {
	var in Inspection
	var err error
	if in.Digest, err = img.Digest(); err != nil {
		return in, err
	}
	if in.MediaType, err = img.MediaType(); err != nil {
		return in, err
	}
	if in.ConfigDigest, err = img.ConfigName(); err != nil {
		return in, err
	}
	if in.Config, err = img.RawConfigFile(); err != nil {
		return in, err
	}
	m, err := img.RawManifest()
	if err != nil {
		return in, err
	}
	in.CompressedSize = int64(len(m) + len(in.Config))
	in.UncompressedSize = in.CompressedSize
	layers, err := img.Layers()
	if err != nil {
		return in, err
	}
	in.Files = []FileInfo{}
	for i, l := range layers {
		if err := ctx.Err(); err != nil {
			return in, err
		}
		li, files, err := describeLayer(i, l)
		if err != nil {
			return in, fmt.Errorf("reading layer %d: %w", i, err)
		}
		in.Layers = append(in.Layers, li)
		in.Files = append(in.Files, files...)
		in.CompressedSize += li.Size
		in.UncompressedSize += li.UncompressedSize
	}
	return in, nil
}

// describeLayer reads layer i's metadata and tar listing.
func describeLayer(i int, l v1.Layer) (LayerInfo, []FileInfo, error) {
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
	var files []FileInfo
	tr := tar.NewReader(cr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return li, nil, err
		}
		files = append(files, fileInfo(i, h))
	}
	if _, err := io.Copy(io.Discard, cr); err != nil { // tar padding after the end marker
		return li, nil, err
	}
	li.UncompressedSize = cr.n
	return li, files, nil
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
