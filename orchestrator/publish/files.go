package publish

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/kilnbuild/kiln/internal/files"
)

// mkParent creates dir and its missing parents and returns a function that
// removes again what it created, for cleaning up after a failure.
func mkParent(dir string) (undo func(), err error) {
	first := "" // the outermost directory that did not exist
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		}
		first = d
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		if first != "" {
			os.RemoveAll(first)
		}
		return nil, err
	}
	return func() {
		if first != "" {
			os.RemoveAll(first)
		}
	}, nil
}

// explainFS adds what to do to an error creating files in dir.
func explainFS(dir string, err error) error {
	switch {
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS):
		return fmt.Errorf("cannot write in %s (%w): choose an output directory you can write to", dir, err)
	case errors.Is(err, syscall.ENOTDIR):
		return fmt.Errorf("cannot create %s: a path component is a file, not a directory (%w)", dir, err)
	case errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("no space left in %s (%w): free some or choose another output directory", dir, err)
	}
	return err
}

// syncTree fsyncs every file and directory under root, root included.
func syncTree(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return files.Sync(p)
	})
}

// ctxWriter fails writes once its context is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// isDockerArchive reports whether the file at p is a regular file, a tar holding
// manifest.json.
func isDockerArchive(p string) bool {
	f, err := files.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			return false
		}
		if filepath.Clean(h.Name) == "manifest.json" {
			return true
		}
	}
}
