package bump

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/kilnbuild/kiln/internal/files"
	"github.com/kilnbuild/kiln/internal/tomlpos"
	"github.com/kilnbuild/kiln/nixgen/spec"
)

// PatchResult is one of the spec's patches checked against the new source.
type PatchResult struct {
	// Key is the spec key: package.patches[i].
	Key string `json:"key"`
	// Patch is the file or URL.
	Patch string `json:"patch"`
	// Applies is true when patch(1) applied it (after the patches before it).
	Applies bool `json:"applies"`
}

// PatchError names the patch that no longer applies to the new source.
type PatchError struct {
	File    string // the spec
	Line    int
	Key     string // package.patches[i]
	Patch   string // its file or URL
	Version string // the new version
	Output  string // patch(1)'s output
}

// Error implements error.
func (e *PatchError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	return fmt.Sprintf("%s: %s (%s) no longer applies to %s; the spec is left as it is: update or drop the patch, then bump again\npatch says:\n%s",
		loc, e.Key, e.Patch, e.Version, strings.TrimRight(e.Output, "\n"))
}

// IncludedError names the patches the new source already carries when bump cannot drop
// them itself: the spec writes them inline (patches = [...]) rather than as
// [[….patches]] tables. They are all named at once, so one edit of the spec drops them.
type IncludedError struct {
	File    string // the spec
	Table   string // package or sources.<name>: where the patches are
	Version string // the new version
	Patches []IncludedPatch
}

// IncludedPatch is one patch the new source already carries: a fix upstream released
// (the security patches kiln's default spec carries for 3.0.11 are in HAProxy's next 3.0
// releases).
type IncludedPatch struct {
	Line  int    `json:"line,omitempty"`
	Key   string `json:"key"`   // package.patches[i]
	Patch string `json:"patch"` // its file or URL
}

// Error implements error.
func (e *IncludedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of the spec's patches are already in %s (patch -R takes each back out: upstream released them), and the spec writes them inline, not as [[%s.patches]] tables bump can drop: remove them from %s.patches, then bump again; the spec is left as it is", len(e.Patches), e.Version, e.Table, e.Table)
	for _, p := range e.Patches {
		fmt.Fprintf(&b, "\n  %s: %s (%s)", p.where(e.File), p.Key, p.Patch)
	}
	return b.String()
}

func (p IncludedPatch) where(file string) string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d", file, p.Line)
	}
	return file
}

// UnreleasedError is a bump of a library that uses kiln's default source, whose patches
// (kiln's own: security fixes Debian applies to that version) are not all in the new
// release. The table bump writes carries no patches, so those fixes would be lost.
type UnreleasedError struct {
	File    string // the spec
	Table   string // sources.<name>
	Version string // the new version
	Of      int    // how many patches kiln's default carries
	Patches []string
}

// Error implements error.
func (e *UnreleasedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: kiln's default %s source carries %d patches (security fixes); %d of them are not in %s, and the [%s] table bump would write carries none, so the build would lose them; the spec is left as it is: bump to a release that has them (--to), or pin [%s] yourself with those patches", e.File, strings.TrimPrefix(e.Table, "sources."), e.Of, len(e.Patches), e.Version, e.Table, e.Table)
	for _, p := range e.Patches {
		fmt.Fprintf(&b, "\n  %s", p)
	}
	return b.String()
}

// patchSet is the patches of one table checked against a new source: the package's or a
// library's.
type patchSet struct {
	spec.PatchSet
	// kilns says the patches are kiln's default source's: the new pin will carry none, so
	// every one must already be in the new release.
	kilns bool
}

// patchesOf is the patch set of pin p in s.
func patchesOf(s *spec.Spec, p Pin) patchSet {
	if p.Table == "package" {
		return patchSet{PatchSet: s.PatchSet("")}
	}
	return patchSet{PatchSet: s.PatchSet(p.Name), kilns: p.Default}
}

// patchCheck is one table's patches checked against a new source.
type patchCheck struct {
	applied  []PatchResult   // those that apply, in order, as the build applies them
	released []IncludedPatch // those the new source already carries: bump drops them
}

// checkPatches unpacks the new tarball and applies the spec's patches in order, the way
// the recipe does (patch -p1 --forward --batch): each is first tried with --dry-run,
// which names the first one that fails without touching the tree, then applied so the
// next one sees the tree it will see in the build. A patch the new source already carries
// is not applied but returned as released. It runs patch(1), which the build itself uses.
//
// Released, asked of untouched copies of the new source: taking the series back out from
// its last patch to its first, each patch that reverses exactly (no fuzz) on what the
// later ones' reversal left, which is the series as upstream released it, including a
// patch whose code a later fix of the series changed; or, alone on the release,
// alreadyApplied.
func (b *Bumper) checkPatches(ctx context.Context, s *spec.Spec, set patchSet, name, tarball, version string, req Request) (*patchCheck, error) {
	prog := b.Patch
	if prog == "" {
		prog = "patch"
	}
	if _, err := exec.LookPath(prog); err != nil {
		return nil, fmt.Errorf("checking the spec's patches needs patch(1): %w (apt-get install patch)", err)
	}
	// Three copies of the new source: the patches are applied in order to one, as the
	// build does; whether each is already in the release is asked of the other two,
	// untouched by that, so a patch applied by mistake cannot mislead the next one's answer.
	var top, pristine, series string
	for _, t := range []*string{&top, &pristine, &series} {
		src, err := os.MkdirTemp(req.WorkDir, "src-")
		if err != nil {
			return nil, fmt.Errorf("unpacking %s: %w", tarball, err)
		}
		if *t, err = unpack(tarball, src); err != nil {
			return nil, err
		}
	}
	lines := map[string]int{} // for errors only: without them, they name no line
	if text, err := spec.Read(s.File()); err == nil {
		if d, err := tomlpos.Scan(string(text)); err == nil {
			lines = d.Keys
		}
	}
	// patchIn runs patch(1) in a tree: false with its output when it refuses.
	patchIn := func(dir string, args ...string) (bool, string, error) {
		cmd := exec.CommandContext(ctx, prog, append([]string{"-p1", "--batch"}, args...)...)
		cmd.Dir = dir
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		if err := cmd.Run(); err != nil {
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				return false, "", fmt.Errorf("running patch: %w", err)
			}
			return false, buf.String(), nil
		}
		return true, buf.String(), nil
	}
	patch := func(args ...string) (bool, string, error) { return patchIn(top, args...) }
	inPristine := func(args ...string) (bool, string, error) { return patchIn(pristine, args...) }

	n := len(set.Patches)
	patches := make([]IncludedPatch, n) // each one's key, line and name
	files := make([]string, n)          // its content, in the work dir or the mirror
	for i, p := range set.Patches {
		key := fmt.Sprintf("%s[%d]", set.Key, i)
		patches[i] = IncludedPatch{Line: lines[key], Key: key, Patch: p.File}
		if patches[i].Line == 0 {
			patches[i].Line = lines[key+".file"]
		}
		if p.URL != "" {
			patches[i].Patch = p.URL
			var err error
			if files[i], err = b.patchFile(ctx, p, req); err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
			continue
		}
		// Read as the build reads it (beside the spec, or kiln's own), into the work dir.
		data, err := set.Data(i)
		if err != nil {
			return nil, err
		}
		if files[i], err = writeTemp(req.WorkDir, path.Base(p.File), data); err != nil {
			return nil, err
		}
	}
	released := make([]bool, n)
	for i := n - 1; i >= 0; i-- {
		exact := []string{"--reverse", "--force", "--fuzz=0", "-i", files[i]}
		ok, _, err := patchIn(series, append([]string{"--dry-run"}, exact...)...)
		if err == nil && ok {
			ok, _, err = patchIn(series, exact...)
		}
		if err != nil {
			return nil, err
		}
		if !ok {
			if ok, err = alreadyApplied(inPristine, files[i]); err != nil {
				return nil, err
			}
		}
		released[i] = ok
	}

	out := &patchCheck{}
	table := strings.TrimSuffix(set.Key, ".patches")
	newVersion := name + " " + version
	unreleased := &UnreleasedError{File: s.File(), Table: table, Version: newVersion, Of: n}
	for i, p := range set.Patches {
		if set.kilns {
			if !released[i] {
				unreleased.Patches = append(unreleased.Patches, path.Base(p.File))
			}
			continue
		}
		if released[i] {
			out.released = append(out.released, patches[i])
			continue
		}
		fail := func(output string) error {
			return &PatchError{File: s.File(), Line: patches[i].Line, Key: patches[i].Key, Patch: patches[i].Patch, Version: newVersion, Output: output}
		}
		ok, output, err := patch("--dry-run", "--forward", "-i", files[i])
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fail(output)
		}
		if ok, output, err = patch("--forward", "-i", files[i]); err != nil {
			return nil, err
		} else if !ok {
			return nil, fail(output)
		}
		out.applied = append(out.applied, PatchResult{Key: patches[i].Key, Patch: patches[i].Patch, Applies: true})
	}
	if len(unreleased.Patches) > 0 {
		return nil, unreleased
	}
	return out, nil
}

// writeTemp writes a patch's content to a new file in dir, named after it.
func writeTemp(dir, name string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, "patch-*-"+name)
	if err != nil {
		return "", err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return "", err
	}
	return f.Name(), f.Close()
}

// alreadyApplied says whether the new source already holds file's change. patch(1)'s own
// test (a patch that fails forward but reverses, "Reversed (or previously applied) patch
// detected") misses a patch that adds lines whose context is still there: it applies again,
// with fuzz or at an offset, and the build would carry the code twice. So: it reverses
// (--force: really reversed, not "unreversed, ignoring -R") and does not apply forward, or
// it reverses exactly, without fuzz. A patch that only adds code a later fix changed
// reverses neither way and is not recognised: it applies again, and the build that
// --check runs fails on the duplicate.
func alreadyApplied(patch func(args ...string) (bool, string, error), file string) (bool, error) {
	fwd, _, err := patch("--dry-run", "--forward", "-i", file)
	if err != nil {
		return false, err
	}
	args := []string{"--dry-run", "--reverse", "--force", "-i", file}
	if fwd {
		args = append(args, "--fuzz=0")
	}
	rev, _, err := patch(args...)
	return rev, err
}

// patchFile gets a fetched patch: from the mirror (by name, then it must match its
// sha256) or by download, checked against the spec's sha256.
func (b *Bumper) patchFile(ctx context.Context, p spec.Patch, req Request) (string, error) {
	base := path.Base(p.URL)
	if req.Mirror != "" {
		m := filepath.Join(req.Mirror, base)
		if h, err := files.SHA256(m); err == nil {
			if h != p.SHA256 {
				return "", &HashMismatchError{What: "patch " + p.URL, Where: "mirror file " + m, Published: p.SHA256, Got: h}
			}
			return m, nil
		}
	}
	f, err := os.CreateTemp(req.WorkDir, "patch-*-"+base)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := b.Index.Fetch(ctx, "patch "+p.URL, p.URL, f); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	h, err := files.SHA256(f.Name())
	if err != nil {
		return "", err
	}
	if h != p.SHA256 {
		return "", &HashMismatchError{What: "patch " + p.URL, Where: "the download", Published: p.SHA256, Got: h}
	}
	return f.Name(), nil
}

// unpack extracts a .tar.gz into dir and returns its one top-level directory, as the
// recipe's kiln_unpack does. Entries that would land outside dir are refused, and so is a
// hard link to anything but a regular file unpacked before it from the same archive.
func unpack(tarball, dir string) (string, error) {
	fail := func(err error) (string, error) { return "", fmt.Errorf("unpacking %s: %w", tarball, err) }
	f, err := os.Open(tarball)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fail(err)
	}
	tr := tar.NewReader(zr)
	links := map[string]bool{}   // symlinks created: nothing is written through them
	regular := map[string]bool{} // regular files created: the only targets of hard links
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(err)
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		if name == "." || path.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
			if name == "." {
				continue
			}
			return fail(fmt.Errorf("entry %q is outside the archive", h.Name))
		}
		for p := path.Dir(name); p != "."; p = path.Dir(p) {
			if links[p] {
				return fail(fmt.Errorf("entry %q goes through the symlink %s", h.Name, p))
			}
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(dst, 0o755)
		case tar.TypeReg:
			err = writeFile(dst, tr, h.FileInfo().Mode().Perm()|0o200)
			regular[name] = true
		case tar.TypeSymlink:
			if err = os.MkdirAll(filepath.Dir(dst), 0o755); err == nil {
				err = os.Symlink(h.Linkname, dst)
			}
			links[name] = true
		case tar.TypeLink:
			// A hard link's target is named from the archive's root, like the entries.
			target := path.Clean(strings.TrimPrefix(h.Linkname, "./"))
			if !regular[target] {
				return fail(fmt.Errorf("entry %q is a hard link to %q, which is not a regular file unpacked before it from this archive; the tarball is not usable as a source", h.Name, h.Linkname))
			}
			var in *os.File
			if in, err = files.Open(filepath.Join(dir, filepath.FromSlash(target))); err == nil {
				err = writeFile(dst, in, 0o644)
				in.Close()
			}
			regular[name] = true
		case tar.TypeXGlobalHeader:
		default:
			// Devices and FIFOs have no place in a source tarball; skip them.
		}
		if err != nil {
			return fail(err)
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fail(err)
	}
	if len(ents) != 1 || !ents[0].IsDir() {
		return fail(fmt.Errorf("it does not unpack to one directory"))
	}
	return filepath.Join(dir, ents[0].Name()), nil
}

func writeFile(dst string, r io.Reader, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
