// Package files holds kiln's few file primitives that must be right everywhere: reading only
// regular files (a FIFO or a device named where a file is expected must never block or
// stream forever), hashing them, and replacing a file or a directory atomically so a reader
// (or an interrupted kiln) never sees half of one.
package files

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// ErrNotRegular is returned for a path that is not a regular file (a FIFO, a device, a
// socket, a directory): kiln reads only regular files.
var ErrNotRegular = errors.New("not a regular file")

// Open opens path for reading only if it is a regular file (symlinks are followed). It
// never blocks: a FIFO is opened non-blocking, found not regular and closed.
func Open(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, typeName(st.Mode()))}
	}
	// /proc, /sys and friends show "regular" files whose content is the kernel's state
	// (/proc/self/environ is kiln's environment): never read one.
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &sfs); err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "statfs", Path: path, Err: err}
	}
	if name, ok := pseudoFS[int64(sfs.Type)]; ok {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w (a %s pseudo-file)", ErrNotRegular, name)}
	}
	// Regular files ignore O_NONBLOCK; clear it anyway so the descriptor is ordinary.
	if err := unix.SetNonblock(int(f.Fd()), false); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// TooLargeError is a file over the size a caller accepts.
type TooLargeError struct {
	Path  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %d bytes", e.Path, e.Limit)
}

// ReadFile reads a regular file of at most limit bytes (limit <= 0: no limit).
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := io.Reader(f)
	if limit > 0 {
		r = io.LimitReader(f, limit+1)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if limit > 0 && int64(len(data)) > limit {
		return nil, &TooLargeError{Path: path, Limit: limit}
	}
	return data, nil
}

// SHA256 is the hex sha256 of a regular file's content.
func SHA256(path string) (string, error) {
	f, err := Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// WriteFile replaces path with data (mode perm) by renaming a complete, synced temporary
// file over it, then syncs the directory: path holds either its old content or all of
// data, even after a crash. A missing parent directory is created (0755). A path that is
// a symlink stays one: the file it leads to is replaced, from a temporary file beside
// that file (the rename stays on its file system).
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	target, err := linkTarget(path)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp, err := WriteTemp(target, data, perm)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp)
	if err := os.Rename(tmp, target); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return Sync(filepath.Dir(target))
}

// linkTarget is the file path leads to when it is a symlink, else path itself. A link
// that leads nowhere is refused rather than followed to create a file elsewhere.
func linkTarget(path string) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("it is a symlink, and the file it leads to cannot be found (fix or remove the link): %w", err)
	}
	return target, nil
}

// WriteNew creates path with data (mode perm) and fails with fs.ErrExist if it exists: the
// complete temporary file is hard-linked to the name, which never replaces anything. For
// files such as keys that must never be overwritten nor exist half-written or with the
// wrong mode.
func WriteNew(path string, data []byte, perm fs.FileMode) error {
	tmp, err := WriteTemp(path, data, perm)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		return err
	}
	return Sync(filepath.Dir(path))
}

// WriteTemp writes data to a new temporary file beside path (".<name>.tmp-*"), with mode
// perm set before any byte is written, and syncs it; it returns the file's name, for the
// caller to rename over path once the rest of its change is done (or to remove).
func WriteTemp(path string, data []byte, perm fs.FileMode) (string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return "", err
	}
	tmp := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(tmp)
		return "", err
	}
	if err := f.Chmod(perm); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return tmp, nil
}

// Sync fsyncs one file or directory (a directory's sync makes a rename in it durable).
// A file system that cannot sync (EINVAL) is not an error.
func Sync(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// ReplaceDir moves the complete directory tmp to dir. An existing dir is exchanged
// atomically with tmp (renameat2 RENAME_EXCHANGE), so readers see either the old or the new
// tree; the old one is then left at tmp for the caller to remove. Where the file system
// cannot exchange, the old dir is moved aside first and put back if the move fails.
func ReplaceDir(tmp, dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
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
		return fmt.Errorf("moving the old %s aside: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		_ = os.Rename(old, dir)
		return fmt.Errorf("replacing %s: %w", dir, err)
	}
	return os.Rename(old, tmp) // leave the old tree where the exchange would have
}

// pseudoFS are the kernel file systems whose files only look regular.
var pseudoFS = map[int64]string{
	unix.PROC_SUPER_MAGIC:    "procfs",
	unix.SYSFS_MAGIC:         "sysfs",
	unix.DEBUGFS_MAGIC:       "debugfs",
	unix.SECURITYFS_MAGIC:    "securityfs",
	unix.CGROUP_SUPER_MAGIC:  "cgroup",
	unix.CGROUP2_SUPER_MAGIC: "cgroup2",
	unix.TRACEFS_MAGIC:       "tracefs",
	unix.BPF_FS_MAGIC:        "bpf",
	unix.EFIVARFS_MAGIC:      "efivarfs",
	unix.PSTOREFS_MAGIC:      "pstore",
	unix.DEVPTS_SUPER_MAGIC:  "devpts",
	unix.HUGETLBFS_MAGIC:     "hugetlbfs",
	unix.SELINUX_MAGIC:       "selinuxfs",
}

func typeName(m fs.FileMode) string {
	switch t := m.Type(); {
	case t&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case t&fs.ModeDevice != 0 || t&fs.ModeCharDevice != 0:
		return "a device"
	case t&fs.ModeSocket != 0:
		return "a socket"
	case t&fs.ModeDir != 0:
		return "a directory"
	case t&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "not a regular file"
}
