package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// layer is a compressed layer held in memory, with its digest and diff ID
// computed while it was written, so its bytes are produced exactly once.
type layer struct {
	compressed       []byte
	digest, diffID   v1.Hash
	uncompressedSize int64
	compression      Compression
}

var _ v1.Layer = (*layer)(nil)

// Digest returns the sha256 of the compressed layer.
func (l *layer) Digest() (v1.Hash, error) { return l.digest, nil }

// DiffID returns the sha256 of the uncompressed tar.
func (l *layer) DiffID() (v1.Hash, error) { return l.diffID, nil }

// Compressed returns the compressed layer bytes.
func (l *layer) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.compressed)), nil
}

// Uncompressed returns the layer's tar stream.
func (l *layer) Uncompressed() (io.ReadCloser, error) {
	return newDecompressor(l.compression, bytes.NewReader(l.compressed))
}

// Size returns the compressed size.
func (l *layer) Size() (int64, error) { return int64(len(l.compressed)), nil }

// MediaType returns the OCI layer media type.
func (l *layer) MediaType() (types.MediaType, error) { return l.compression.MediaType(), nil }

// countWriter counts the bytes written through it.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// buildLayer writes entries as a tar stream and compresses it in one pass,
// hashing both the tar (diff ID) and the compressed bytes (digest) on the way.
func buildLayer(ctx context.Context, entries []entry, mtime time.Time, c Compression) (*layer, error) {
	var compressed bytes.Buffer
	digest := sha256.New()
	comp, err := newCompressor(c, io.MultiWriter(&compressed, digest))
	if err != nil {
		return nil, err
	}
	diffID := sha256.New()
	size := &countWriter{}
	buf := bufio.NewWriterSize(io.MultiWriter(comp, diffID, size), 1<<20)
	if err := writeTar(ctx, buf, entries, mtime); err != nil {
		return nil, err
	}
	if err := buf.Flush(); err != nil {
		return nil, err
	}
	if err := comp.Close(); err != nil {
		return nil, fmt.Errorf("compressing layer: %w", err)
	}
	return &layer{
		compressed:       compressed.Bytes(),
		digest:           sha256Hash(digest),
		diffID:           sha256Hash(diffID),
		uncompressedSize: size.n,
		compression:      c.OrDefault(),
	}, nil
}

func sha256Hash(h hash.Hash) v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}
}

// writeTar writes the tar stream of entries (already sorted) to w.
func writeTar(ctx context.Context, w io.Writer, entries []entry, mtime time.Time) error {
	tw := tar.NewWriter(w)
	for i := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		e := &entries[i]
		if err := tw.WriteHeader(header(e, mtime)); err != nil {
			return fmt.Errorf("writing layer entry /%s: %w", e.name, err)
		}
		if e.typ != tar.TypeReg {
			continue
		}
		if e.src == "" {
			if _, err := tw.Write(e.data); err != nil {
				return fmt.Errorf("writing layer entry /%s: %w", e.name, err)
			}
			continue
		}
		if err := copyFile(tw, e.src, e.size); err != nil {
			return fmt.Errorf("writing layer entry /%s: %w", e.name, err)
		}
	}
	return tw.Close()
}

// header builds the tar header of e from its semantics alone.
func header(e *entry, mtime time.Time) *tar.Header {
	h := &tar.Header{
		Typeflag: e.typ,
		Name:     e.name,
		Mode:     e.mode,
		ModTime:  mtime,
		// Uid, Gid 0; Uname, Gname, AccessTime, ChangeTime, Devmajor,
		// Devminor and PAXRecords empty; Format chosen by archive/tar
		// (USTAR, or PAX for long names) from these fields only.
	}
	switch e.typ {
	case tar.TypeDir:
		h.Name += "/"
	case tar.TypeSymlink:
		h.Linkname = e.link
	case tar.TypeReg:
		h.Size = e.size
	}
	return h
}

// copyFile copies exactly size bytes of the file at path into w.
func copyFile(w io.Writer, path string, size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.CopyN(w, f, size); err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%s shrank while being packaged", path)
		}
		return err
	}
	if n, _ := f.Read(make([]byte, 1)); n != 0 {
		return fmt.Errorf("%s grew while being packaged", path)
	}
	return nil
}
