package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kilnbuild/kiln/internal/files"
)

// maxLocalFile bounds a file a spec puts in the image or the build (a patch, a config).
const maxLocalFile = 256 << 20

// AllowOutside lets the spec name files under dirs although they are outside its own
// directory (kiln build --allow-outside DIR). Without it, a spec reads only files beside
// it: a spec is often someone else's, and `source = "/proc/self/environ"` or a link to
// /etc/shadow would ship this machine's secrets in a world-readable image.
func (s *Spec) AllowOutside(dirs ...string) {
	for _, d := range dirs {
		if abs, err := filepath.Abs(d); err == nil {
			if real, err := filepath.EvalSymlinks(abs); err == nil {
				abs = real
			}
			s.allowed = append(s.allowed, abs)
		}
	}
}

// OutsideError is a file the spec names that resolves, after symlinks, outside the
// directories it may read.
type OutsideError struct {
	Name, Real, Dir string
}

func (e *OutsideError) Error() string {
	return fmt.Sprintf("%s resolves to %s, outside the spec's directory %s: kiln reads only files beside the spec; move it there, or allow its directory with --allow-outside DIR", e.Name, e.Real, e.Dir)
}

// LocalPath resolves a file the spec names (a patch, an image file's source): relative to
// the spec's directory and, once symlinks are followed, inside it (or a directory given to
// AllowOutside). It does not read the file.
func (s *Spec) LocalPath(name string) (string, error) {
	dir := s.dir
	if dir == "" {
		var err error
		if dir, err = os.Getwd(); err != nil {
			return "", err
		}
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", err
	}
	for _, root := range append([]string{dir}, s.allowed...) {
		if within(root, real) {
			return real, nil
		}
	}
	return "", &OutsideError{Name: name, Real: real, Dir: dir}
}

func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
}

// readLocal reads a file the spec names, if it is a regular file where the spec may read.
func (s *Spec) readLocal(name string) ([]byte, error) {
	if s.embedded != nil {
		return s.readEmbedded(name)
	}
	p, err := s.LocalPath(name)
	if err != nil {
		return nil, err
	}
	return files.ReadFile(p, maxLocalFile)
}

// FileData is what image.files[i] puts in the image: its inline content, or the file it
// names. The CA bundle (image.ca_bundle) may live anywhere, since its pinned sha256 says
// exactly which file ships; it is checked against that hash again here.
func (s *Spec) FileData(i int) ([]byte, error) {
	f := s.Image.Files[i]
	if f.Source == "" {
		return []byte(f.Content), nil
	}
	if i >= len(s.Image.Files)-s.derivedFiles {
		data, err := files.ReadFile(s.Resolve(f.Source), maxLocalFile)
		if err != nil {
			return nil, fmt.Errorf("reading image.ca_bundle.source: %w", err)
		}
		sum := sha256.Sum256(data)
		if ca := s.Image.CABundle; ca != nil && hex.EncodeToString(sum[:]) != ca.SHA256 {
			return nil, fmt.Errorf("image.ca_bundle.source %s changed: sha256 %x, pinned %s", f.Source, sum, ca.SHA256)
		}
		return data, nil
	}
	data, err := s.readLocal(f.Source)
	if err != nil {
		return nil, fmt.Errorf("reading image.files[%d].source: %w", i, err)
	}
	return data, nil
}

// PatchData is the content of package.patches[i] when it is a local file.
func (s *Spec) PatchData(i int) ([]byte, error) { return s.PatchSet("").Data(i) }

// LibraryPatchData is the content of sources.<lib>.patches[i] when it is a local file: one
// kiln carries (a default source's) or one beside the spec.
func (s *Spec) LibraryPatchData(lib string, i int) ([]byte, error) { return s.PatchSet(lib).Data(i) }

// PatchSet is the patches applied to one source, in order: the package's (Library "") or
// a library's.
type PatchSet struct {
	// Library is the library whose source they patch, "" for the package's.
	Library string
	// Key is where the spec has them: package.patches or sources.<name>.patches.
	Key     string
	Patches []Patch
	s       *Spec
}

// PatchSet is the package's patches (lib "") or those of library lib's source (none when
// the spec does not link it).
func (s *Spec) PatchSet(lib string) PatchSet {
	if lib == "" {
		return PatchSet{Key: "package.patches", Patches: s.Package.Patches, s: s}
	}
	set := PatchSet{Library: lib, Key: "sources." + lib + ".patches", s: s}
	for _, slot := range s.sourceSlots() {
		if slot.name == lib && *slot.src != nil {
			set.Patches = (*slot.src).Patches
		}
	}
	return set
}

// PatchSets are the package's patches, then those of each library the build links (Deps'
// order), each whether or not it has any.
func (s *Spec) PatchSets() []PatchSet {
	sets := []PatchSet{s.PatchSet("")}
	for _, d := range s.Deps() {
		sets = append(sets, s.PatchSet(d.Name))
	}
	return sets
}

// Data is the content of patch i when it is a local file: one kiln carries (a default
// source's, read from kiln) or one beside the spec.
func (ps PatchSet) Data(i int) ([]byte, error) {
	if i < 0 || i >= len(ps.Patches) {
		return nil, fmt.Errorf("%s has no [%d]", ps.Key, i)
	}
	p := ps.Patches[i]
	var data []byte
	var err error
	if p.kiln {
		data, err = readFS(defaultFiles, p.File)
	} else {
		data, err = ps.s.readLocal(p.File)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s[%d].file: %w", ps.Key, i, err)
	}
	return data, nil
}

// Hashes are the sha256 (hex) of the patches, in order: a fetched patch's pin, a local
// one's content.
func (ps PatchSet) Hashes() ([]string, error) {
	var out []string
	for i, p := range ps.Patches {
		h := p.SHA256
		if p.File != "" {
			data, err := ps.Data(i)
			if err != nil {
				return nil, err
			}
			sum := sha256.Sum256(data)
			h = hex.EncodeToString(sum[:])
		}
		out = append(out, h)
	}
	return out, nil
}

// Rebase places a spec that was not loaded from a file (one decoded from its canonical
// JSON, whose image.files already hold the CA bundle entry kiln derives) at file in dir:
// relative file names resolve against dir, and errors name file.
func (s *Spec) Rebase(file, dir string) {
	s.file, s.dir = file, dir
	s.derivedFiles = 0
	if ca := s.Image.CABundle; ca != nil && len(s.Image.Files) > 0 && s.Image.Files[len(s.Image.Files)-1].Path == ca.Path {
		s.derivedFiles = 1
	}
}

// ProfileData is build.profile's file, checked against its pinned sha256.
func (s *Spec) ProfileData() ([]byte, error) {
	pr := s.Build.Profile
	if pr == nil {
		return nil, fmt.Errorf("the spec has no build.profile")
	}
	data, err := s.readLocal(pr.File)
	if err != nil {
		return nil, fmt.Errorf("reading build.profile.file: %w", err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != pr.SHA256 {
		return nil, fmt.Errorf("build.profile.file %s has sha256 %x, the spec pins %s: it is not the profile the spec names; restore it, or record one with `kiln profile` and pin its sha256", pr.File, sum, pr.SHA256)
	}
	return data, nil
}

// RecordProfile makes s the instrumented build `kiln profile` runs to record a profile:
// every compile and the link are instrumented, and no profile is read.
func (s *Spec) RecordProfile() {
	s.recordProfile = true
	s.Build.Profile = nil
}

// RecordsProfile says whether s is the instrumented build of RecordProfile.
func (s *Spec) RecordsProfile() bool { return s.recordProfile }

// readEmbedded reads a file the embedded default spec names from kiln itself.
func (s *Spec) readEmbedded(name string) ([]byte, error) { return readFS(s.embedded, name) }

// readFS reads a regular file of fsys.
func readFS(fsys fs.FS, name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	st, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return fs.ReadFile(fsys, name)
}
