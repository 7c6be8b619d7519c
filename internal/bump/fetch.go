package bump

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"github.com/kilnbuild/kiln/internal/files"
	"github.com/kilnbuild/kiln/internal/upstream"
)

// HashMismatchError is a tarball whose sha256 is not the one upstream publishes: it is
// refused, and the spec is left as it is.
type HashMismatchError struct {
	What      string // "haproxy 3.0.12 (https://…)"
	Where     string // where the bytes came from: a URL or a mirror file
	Published string
	Got       string
}

// Error implements error.
func (e *HashMismatchError) Error() string {
	return fmt.Sprintf("%s: %s has sha256 %s but upstream publishes %s; refusing it (a corrupted or tampered download, or a stale mirror file); the spec is left as it is", e.What, e.Where, e.Got, e.Published)
}

// obtain gets rel's tarball into req.WorkDir: from the mirror (by file name) or by
// download. A published sha256 must match. It returns the file, its sha256 and where it
// came from ("mirror" or "download").
func (b *Bumper) obtain(ctx context.Context, name string, rel upstream.Release, req Request) (file, hash, from string, err error) {
	if req.WorkDir == "" {
		return "", "", "", fmt.Errorf("bump: no work directory for downloads")
	}
	base := path.Base(rel.URL)
	what := fmt.Sprintf("%s %s (%s)", name, rel.Version, rel.URL)
	if req.Mirror != "" {
		m := filepath.Join(req.Mirror, base)
		if _, err := os.Stat(m); err == nil {
			h, err := files.SHA256(m)
			if err != nil {
				return "", "", "", fmt.Errorf("reading mirror: %w", err)
			}
			if rel.SHA256 != "" && h != rel.SHA256 {
				return "", "", "", &HashMismatchError{What: what, Where: "mirror file " + m, Published: rel.SHA256, Got: h}
			}
			return m, h, "mirror", nil
		}
	}
	dst := filepath.Join(req.WorkDir, base)
	f, err := os.CreateTemp(req.WorkDir, "."+base+".part-*")
	if err != nil {
		return "", "", "", fmt.Errorf("downloading %s: %w", what, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	hw := sha256.New()
	if _, err := b.Index.Fetch(ctx, what, rel.Download, io.MultiWriter(f, hw)); err != nil {
		return "", "", "", err
	}
	if err := f.Close(); err != nil {
		return "", "", "", fmt.Errorf("downloading %s: %w", what, err)
	}
	h := hex.EncodeToString(hw.Sum(nil))
	if rel.SHA256 != "" && h != rel.SHA256 {
		return "", "", "", &HashMismatchError{What: what, Where: "the download from " + rel.Download, Published: rel.SHA256, Got: h}
	}
	if err := os.Rename(f.Name(), dst); err != nil {
		return "", "", "", fmt.Errorf("downloading %s: %w", what, err)
	}
	return dst, h, "download", nil
}
