package publish

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"golang.org/x/sys/unix"
)

// refNameAnnotation tags a manifest in an OCI layout's index.json.
const refNameAnnotation = "org.opencontainers.image.ref.name"

// writeOCI writes img as the only image of the OCI layout at t.Path, tagged
// t.Ref (or opts.Tag, or "latest"). The layout is built in a temporary
// directory beside the target and swapped in when complete.
func writeOCI(ctx context.Context, img v1.Image, t Target, opts Options) (err error) {
	dir := filepath.Clean(t.Path)
	tag := t.Ref
	if tag == "" {
		tag = opts.Tag
	}
	if tag == "" {
		tag = "latest"
	}
	if !ociRefRe.MatchString(tag) {
		return fmt.Errorf("writing OCI layout to %s: %q is not a valid OCI ref name", dir, tag)
	}
	wrap := func(err error) error { return fmt.Errorf("writing OCI layout to %s: %w", dir, err) }

	replace, err := checkOCITarget(dir)
	if err != nil {
		return wrap(err)
	}
	parent := filepath.Dir(dir)
	undoParent, err := mkParent(parent)
	if err != nil {
		return wrap(explainFS(parent, err))
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".kiln-tmp-")
	if err != nil {
		undoParent()
		return wrap(explainFS(parent, err))
	}
	defer func() {
		os.RemoveAll(tmp)
		if err != nil {
			undoParent()
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return wrap(err)
	}

	p, err := layout.Write(tmp, empty.Index)
	if err != nil {
		return wrap(explainFS(parent, err))
	}
	if err := ctx.Err(); err != nil {
		return wrap(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{refNameAnnotation: tag})); err != nil {
		return wrap(explainFS(parent, err))
	}
	if err := syncTree(tmp); err != nil {
		return wrap(err)
	}
	if err := ctx.Err(); err != nil {
		return wrap(err)
	}
	if err := swapDir(tmp, dir, replace); err != nil {
		return wrap(err)
	}
	if err := syncPath(parent); err != nil {
		return wrap(err)
	}
	opts.logger().Info("wrote OCI layout", "path", dir, "tag", tag)
	return nil
}

// checkOCITarget says whether dir exists as something Write may replace (an
// OCI layout or an empty directory), and refuses anything else.
func checkOCITarget(dir string) (replace bool, err error) {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !fi.IsDir() {
		return false, fmt.Errorf("%s exists and is not a directory: remove it or choose another output path", dir)
	}
	if fi, err := os.Lstat(filepath.Join(dir, "oci-layout")); err == nil && fi.Mode().IsRegular() {
		return true, nil
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	if len(des) > 0 {
		return false, fmt.Errorf("%s exists, is not empty and is not an OCI layout (no oci-layout file): remove it or choose another output path", dir)
	}
	return true, nil
}

// swapDir moves the complete directory tmp to dir. An existing dir is
// exchanged atomically with tmp (renameat2 RENAME_EXCHANGE), so readers see
// either the old or the new layout; the old one is then left in tmp for the
// caller to remove. Where the file system cannot exchange, the old dir is
// moved aside first.
func swapDir(tmp, dir string, exists bool) error {
	if !exists {
		return os.Rename(tmp, dir)
	}
	err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, dir, unix.RENAME_EXCHANGE)
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EOPNOTSUPP) {
		return fmt.Errorf("replacing %s: %w", dir, err)
	}
	old := tmp + ".old"
	if err := os.Rename(dir, old); err != nil {
		return fmt.Errorf("moving the old layout aside: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		_ = os.Rename(old, dir)
		return err
	}
	return os.RemoveAll(old)
}
