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

	"github.com/kilnbuild/kiln/internal/files"
)

// refNameAnnotation tags a manifest in an OCI layout's index.json.
const refNameAnnotation = "org.opencontainers.image.ref.name"

// writeOCI writes img as the only image of the OCI layout at t.Path, tagged
// t.Ref (or the WithTag tag, or "latest"). The layout is built in a temporary
// directory beside the target and swapped in when complete.
func writeOCI(ctx context.Context, img v1.Image, t Target, o options) (err error) {
	dir := filepath.Clean(t.Path)
	tag := t.Ref
	if tag == "" {
		tag = o.tag
	}
	if tag == "" {
		tag = "latest"
	}
	if !ociRefRe.MatchString(tag) {
		return fmt.Errorf("writing OCI layout to %s: %q is not a valid OCI ref name", dir, tag)
	}
	wrap := func(err error) error { return fmt.Errorf("writing OCI layout to %s: %w", dir, err) }

	if _, err := checkOCITarget(dir); err != nil {
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
	if err := files.ReplaceDir(tmp, dir); err != nil {
		return wrap(err)
	}
	if err := files.Sync(parent); err != nil {
		return wrap(err)
	}
	o.logger.Info("wrote OCI layout", "path", dir, "tag", tag)
	return nil
}

// layoutFiles are the entries of an OCI layout as kiln writes it; a directory holding
// anything else is the user's, not a layout kiln may replace.
var layoutFiles = map[string]bool{"oci-layout": true, "index.json": true, "blobs": true}

// checkOCITarget says whether dir exists as something Write may replace (an OCI layout
// holding only a layout's files, or an empty directory), and refuses anything else —
// replacing the directory would delete whatever else it holds.
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
	des, err := os.ReadDir(dir)
	if err != nil {
		return false, fmt.Errorf("%s: %w (kiln replaces only a directory it can read)", dir, err)
	}
	if len(des) == 0 {
		return true, nil
	}
	if fi, err := os.Lstat(filepath.Join(dir, "oci-layout")); err != nil || !fi.Mode().IsRegular() {
		return false, fmt.Errorf("%s exists, is not empty and is not an OCI layout (no oci-layout file): remove it or choose another output path", dir)
	}
	var foreign []string
	for _, d := range des {
		if !layoutFiles[d.Name()] {
			foreign = append(foreign, d.Name())
		}
	}
	if len(foreign) > 0 {
		return false, fmt.Errorf("%s is an OCI layout but also holds %q, which kiln did not write and would delete by replacing the layout: move them out or choose another output path", dir, foreign)
	}
	return true, nil
}
