package publish

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/kilnbuild/kiln/internal/files"
)

// writeArchive writes img as a docker-archive tarball (what `docker save`
// makes and `docker load` / `podman load` read) to t.Path, through a temporary
// file beside it that is fsynced and renamed into place. The referrers file of
// the archive it replaces (FILE.referrers.json) goes with it: it is moved aside
// first, put back if the archive cannot be replaced and removed once it is, so
// the archive never sits beside the referrers of another image, and a failed
// write leaves the old archive with its referrers.
func writeArchive(ctx context.Context, img v1.Image, t Target, o options) (err error) {
	file := filepath.Clean(t.Path)
	wrap := func(err error) error { return fmt.Errorf("writing docker archive to %s: %w", file, err) }

	ref, err := archiveRef(img, t.Ref, o.tag)
	if err != nil {
		return wrap(err)
	}
	if err := checkArchiveTarget(file); err != nil {
		return wrap(err)
	}
	parent := filepath.Dir(file)
	undoParent, err := mkParent(parent)
	if err != nil {
		return wrap(explainFS(parent, err))
	}
	f, err := os.CreateTemp(parent, "."+filepath.Base(file)+".kiln-tmp-")
	if err != nil {
		undoParent()
		return wrap(explainFS(parent, err))
	}
	tmp := f.Name()
	defer func() {
		f.Close()
		if err != nil {
			os.Remove(tmp)
			undoParent()
		}
	}()
	if err := tarball.Write(ref, img, ctxWriter{ctx, f}); err != nil {
		return wrap(explainFS(parent, err))
	}
	if err := f.Chmod(0o644); err != nil {
		return wrap(err)
	}
	if err := f.Sync(); err != nil {
		return wrap(explainFS(parent, err))
	}
	if err := f.Close(); err != nil {
		return wrap(err)
	}
	side, aside := ArchiveReferrersPath(file), tmp+ArchiveReferrersSuffix
	if err := os.Rename(side, aside); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return wrap(fmt.Errorf("moving aside %s, the referrers of the image being replaced: %w", side, explainFS(parent, err)))
	}
	if err := os.Rename(tmp, file); err != nil {
		if rerr := os.Rename(aside, side); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			return wrap(fmt.Errorf("%w (and the old archive's referrers could not be put back: %v)", err, rerr))
		}
		return wrap(err)
	}
	if err := os.Remove(aside); err != nil && !errors.Is(err, fs.ErrNotExist) {
		o.logger.Warn("could not remove the replaced archive's referrers", "path", aside, "err", err)
	}
	if err := files.Sync(parent); err != nil {
		return wrap(err)
	}
	o.logger.Info("wrote docker archive", "path", file, "ref", ref.String())
	return nil
}

// archiveRef returns the reference to record in RepoTags: ref, or tag, or
// (neither given) a digest reference, which leaves the image untagged.
func archiveRef(img v1.Image, ref, tag string) (name.Reference, error) {
	if ref == "" {
		ref = tag
	}
	if ref != "" {
		t, err := name.NewTag(ref)
		if err != nil {
			return nil, fmt.Errorf("%q is not a valid image reference such as haproxy:3.0.11: %w", ref, err)
		}
		return t, nil
	}
	d, err := img.Digest()
	if err != nil {
		return nil, err
	}
	return name.NewDigest("kiln@" + d.String())
}

// checkArchiveTarget refuses an existing file that is not a docker archive,
// and anything that is not a regular file, there or where its referrers file is.
func checkArchiveTarget(file string) error {
	side := ArchiveReferrersPath(file)
	if fi, err := os.Lstat(side); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("%s exists and is not a regular file: remove it or choose another output path", side)
	}
	fi, err := os.Lstat(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s exists and is not a regular file: remove it or choose another output path", file)
	}
	if !isDockerArchive(file) {
		return fmt.Errorf("%s exists and is not a docker archive (no manifest.json in a tar): remove it or choose another output path", file)
	}
	return nil
}
