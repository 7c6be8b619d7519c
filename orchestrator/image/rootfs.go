package image

import (
	"archive/tar"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kilnbuild/kiln/internal/storepath"
)

// StoreDir is the Nix store directory that every store path must live directly under.
const StoreDir = storepath.StoreDir

// Fixed modes of the entries in the layer; nothing is taken from the host but
// the file type, the size, the exec bit and a symlink's target.
const (
	modeStoreDir  = 0o555 // directories in and of the store (/nix/store and below)
	modeOtherDir  = 0o755 // implied parent directories elsewhere (/nix, /etc, ...)
	modeStoreFile = 0o444 // store files without an exec bit
	modeStoreExec = 0o555 // store files with any exec bit on the host
	modeSymlink   = 0o777 // every symlink
	modeFile      = 0o644 // an extra File whose Mode is 0
)

// Rootfs is what goes into the image's single layer: a Nix closure plus extra files.
type Rootfs struct {
	// Root is the host directory that holds nix/store/...; "" or "/" means the
	// real /nix/store. A build in a temporary store (nix --store DIR) sets DIR.
	Root string
	// StorePaths are image paths such as /nix/store/<hash>-haproxy-3.0.11, each
	// one component under /nix/store, copied recursively from Root. Duplicates
	// are ignored.
	StorePaths []string
	// Files are extra files (/etc/passwd, config files, entrypoint symlinks);
	// none may be /nix, /nix/store or lie under /nix/store.
	Files []File
}

// File is one extra file of the image.
type File struct {
	// Path is the absolute, clean path in the image, e.g. /etc/passwd.
	Path string
	// Mode holds the permission bits (setuid/setgid/sticky included); 0 means
	// 0644 for a file and 0755 for a directory. With fs.ModeDir set the entry
	// is a directory (Data and Symlink must then be empty).
	Mode fs.FileMode
	// Data is the content of a regular file.
	Data []byte
	// Symlink, when non-empty, makes the entry a symlink to this target.
	Symlink string
}

// entry is one tar entry, described by semantics only.
type entry struct {
	name string // slash path without leading or trailing slash
	typ  byte   // tar.TypeDir, tar.TypeReg or tar.TypeSymlink
	mode int64  // permission bits, plus setuid/setgid/sticky for extra files
	size int64  // regular files only
	link string // symlink target
	src  string // host path to read a store file from
	data []byte // content of an extra file
}

// collect turns fsys into the sorted, duplicate-free list of tar entries,
// parents included.
func collect(ctx context.Context, fsys Rootfs) ([]entry, error) {
	root := fsys.Root
	if root == "" {
		root = "/"
	}
	if fi, err := os.Stat(root); err != nil {
		return nil, fmt.Errorf("store root %s: %w", root, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("store root %s is not a directory", root)
	}

	byName := map[string]*entry{}
	var order []*entry
	add := func(e *entry) {
		byName[e.name] = e
		order = append(order, e)
	}

	storePaths, err := cleanStorePaths(fsys.StorePaths)
	if err != nil {
		return nil, err
	}
	for _, sp := range storePaths {
		host := filepath.Join(root, filepath.FromSlash(sp))
		if err := walkStorePath(ctx, host, strings.TrimPrefix(sp, "/"), add); err != nil {
			return nil, err
		}
	}

	for _, f := range fsys.Files {
		for _, sp := range storePaths {
			if f.Path == sp || strings.HasPrefix(f.Path, sp+"/") {
				return nil, fmt.Errorf("extra file %s collides with store path %s", f.Path, sp)
			}
		}
		e, err := fileEntry(f)
		if err != nil {
			return nil, err
		}
		if _, dup := byName[e.name]; dup {
			return nil, fmt.Errorf("extra file %s: path already in the image", f.Path)
		}
		add(e)
	}

	// Parents, each exactly once. A parent that exists must be a directory.
	for _, e := range order {
		for dir := path.Dir(e.name); dir != "."; dir = path.Dir(dir) {
			if p, ok := byName[dir]; ok {
				if p.typ != tar.TypeDir {
					return nil, fmt.Errorf("/%s is not a directory but /%s lies under it", dir, e.name)
				}
				break // its own parents were handled when it was added
			}
			mode := int64(modeOtherDir)
			if dir == "nix/store" {
				mode = modeStoreDir
			}
			p := &entry{name: dir, typ: tar.TypeDir, mode: mode}
			byName[dir] = p
			order = append(order, p)
		}
	}

	sort.Slice(order, func(i, j int) bool { return pathLess(order[i].name, order[j].name) })
	out := make([]entry, len(order))
	for i, e := range order {
		out[i] = *e
	}
	return out, nil
}

// pathLess orders slash paths component by component in byte order, so a
// directory comes right before its contents ("a" < "a/b" < "a-b"). Paths in
// the layer are unique, so this is a total order and needs no other tiebreak.
func pathLess(a, b string) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if ca == '/' {
			ca = 0
		}
		if cb == '/' {
			cb = 0
		}
		return ca < cb
	}
	return len(a) < len(b)
}

// cleanStorePaths checks that every path names one entry directly under
// /nix/store and returns them sorted and deduplicated.
func cleanStorePaths(paths []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, p := range paths {
		if err := checkStorePath(p); err != nil {
			return nil, err
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

// checkStorePath reports why p is not a store path such as /nix/store/<hash>-<name>.
func checkStorePath(p string) error {
	rest, ok := strings.CutPrefix(p, StoreDir+"/")
	switch {
	case !ok:
		return fmt.Errorf("store path %q is not under %s", p, StoreDir)
	case path.Clean(p) != p || rest == "" || rest == "." || rest == "..":
		return fmt.Errorf("store path %q is not a clean path under %s", p, StoreDir)
	case strings.Contains(rest, "/"):
		return fmt.Errorf("store path %q is not directly under %s (give the store path itself, not a file in it)", p, StoreDir)
	case strings.HasPrefix(rest, "."):
		return fmt.Errorf("store path %q: a store path's name cannot start with a dot", p)
	}
	return nil
}

// walkStorePath adds host (the store path or anything below it) as name, recursively.
func walkStorePath(ctx context.Context, host, name string, add func(*entry)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fi, err := os.Lstat(host)
	if err != nil {
		return fmt.Errorf("reading store path: %w", err)
	}
	switch t := fi.Mode().Type(); {
	case t == fs.ModeDir:
		add(&entry{name: name, typ: tar.TypeDir, mode: modeStoreDir})
		des, err := os.ReadDir(host)
		if err != nil {
			return fmt.Errorf("reading store path: %w", err)
		}
		for _, de := range des {
			if err := walkStorePath(ctx, filepath.Join(host, de.Name()), name+"/"+de.Name(), add); err != nil {
				return err
			}
		}
	case t == fs.ModeSymlink:
		target, err := os.Readlink(host)
		if err != nil {
			return fmt.Errorf("reading store path: %w", err)
		}
		add(&entry{name: name, typ: tar.TypeSymlink, mode: modeSymlink, link: target})
	case t.IsRegular():
		mode := int64(modeStoreFile)
		if fi.Mode().Perm()&0o111 != 0 {
			mode = modeStoreExec
		}
		add(&entry{name: name, typ: tar.TypeReg, mode: mode, size: fi.Size(), src: host})
	default:
		return fmt.Errorf("store file %s: unsupported file type %s (only directories, regular files and symlinks)", host, t)
	}
	return nil
}

// fileEntry checks f and turns it into an entry.
func fileEntry(f File) (*entry, error) {
	p := f.Path
	if !strings.HasPrefix(p, "/") || path.Clean(p) != p || p == "/" {
		return nil, fmt.Errorf("extra file %q: path must be absolute, clean and not /", p)
	}
	if p == "/nix" || p == StoreDir || strings.HasPrefix(p, StoreDir+"/") {
		return nil, fmt.Errorf("extra file %s collides with the Nix store: only store paths may live there", p)
	}
	if f.Mode&^(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky|fs.ModeDir) != 0 {
		return nil, fmt.Errorf("extra file %s: mode %v has type bits other than directory", p, f.Mode)
	}
	perm := int64(f.Mode.Perm())
	if f.Mode&fs.ModeSetuid != 0 {
		perm |= 0o4000
	}
	if f.Mode&fs.ModeSetgid != 0 {
		perm |= 0o2000
	}
	if f.Mode&fs.ModeSticky != 0 {
		perm |= 0o1000
	}
	name := strings.TrimPrefix(p, "/")
	switch {
	case f.Mode.IsDir():
		if f.Symlink != "" || len(f.Data) > 0 {
			return nil, fmt.Errorf("extra file %s: a directory has no data or symlink target", p)
		}
		if perm == 0 {
			perm = modeOtherDir
		}
		return &entry{name: name, typ: tar.TypeDir, mode: perm}, nil
	case f.Symlink != "":
		if len(f.Data) > 0 {
			return nil, fmt.Errorf("extra file %s: a symlink has no data", p)
		}
		return &entry{name: name, typ: tar.TypeSymlink, mode: modeSymlink, link: f.Symlink}, nil
	default:
		if perm == 0 {
			perm = modeFile
		}
		return &entry{name: name, typ: tar.TypeReg, mode: perm, size: int64(len(f.Data)), data: f.Data}, nil
	}
}
