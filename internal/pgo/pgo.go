// Package pgo is kiln's pinned profile (build.profile): the .gcda files an instrumented
// build of the program wrote under load, packed with a manifest of the build they were
// recorded for into a deterministic tar.gz, which a spec pins by sha256 and the recipe
// compiles with (-fprofile-use). A profile recorded inside the build would move with the
// training run's timing, and the binary with it; pinned, it is data like a patch.
package pgo

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kilnbuild/kiln/flakes"
	"github.com/kilnbuild/kiln/nixgen/spec"
)

// Format is the manifest format this kiln writes and reads.
const Format = 1

// ManifestName is the manifest's name in the tarball.
const ManifestName = "kiln-profile.json"

// Limits on what Unpack accepts: haproxy with every feature writes ~200 .gcda files of a
// few MB in all, so these bound a hostile tarball, not a real one.
const (
	maxFiles = 4096
	maxTotal = 64 << 20
)

// gcdaName is the name of a profile file in the tarball: relative, plain characters, a
// .gcda under the source tree (src/h1.gcda).
var gcdaName = regexp.MustCompile(`^[A-Za-z0-9_+-][A-Za-z0-9_.+/-]*\.gcda$`)

// Manifest is what a profile was recorded for. GCC refuses a profile whose functions
// changed (-Werror=coverage-mismatch); the manifest lets kiln say, before any build, which
// input moved since it was recorded.
type Manifest struct {
	Format    int            `json:"kiln_profile"`
	Package   string         `json:"package"`
	Source    string         `json:"source_sha256"`
	Patches   []string       `json:"patches_sha256"`
	Features  spec.Features  `json:"features"`
	Libraries []string       `json:"libraries"`
	Toolchain spec.Toolchain `json:"toolchain"`
	Optimize  spec.Optimize  `json:"optimize"`
	March     string         `json:"march"`
	Hardening []string       `json:"hardening"`
	// Recipes is the sha256 of kiln's recipe files (flakes.Digest): the flags and the
	// toolchain the profile's compiler was given.
	Recipes string `json:"recipes_sha256"`
	// Recorded says how: the training loads and their request counts (informational).
	Recorded string `json:"recorded,omitempty"`
}

// For is the manifest of the build s describes (its build.profile aside).
func For(s *spec.Spec) (Manifest, error) {
	m := Manifest{
		Format:    Format,
		Package:   s.Package.Name + " " + s.Package.Version,
		Source:    s.Package.SHA256,
		Patches:   []string{},
		Features:  s.Features,
		Libraries: []string{},
		Toolchain: s.Build.Toolchain,
		Optimize:  s.Build.Optimize,
		March:     s.Build.March,
		Hardening: slices.Sorted(slices.Values(s.Build.Hardening)),
		Recipes:   flakes.Digest(),
	}
	patches, err := s.PatchSet("").Hashes()
	if err != nil {
		return Manifest{}, err
	}
	m.Patches = append(m.Patches, patches...)
	for _, d := range s.Deps() {
		// A patched library's headers may change what haproxy compiles: its patches count.
		lib := d.Name + " " + d.Source.Version + " " + d.Source.SHA256
		hs, err := s.PatchSet(d.Name).Hashes()
		if err != nil {
			return Manifest{}, err
		}
		for _, h := range hs {
			lib += " +" + h
		}
		m.Libraries = append(m.Libraries, lib)
	}
	return m, nil
}

// Differences names the fields of m (recorded) that differ from want (this build), with
// both values.
func (m Manifest) Differences(want Manifest) []string {
	var out []string
	a, b := reflect.ValueOf(m), reflect.ValueOf(want)
	t := a.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if name == "recorded" {
			continue
		}
		if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			x, _ := json.Marshal(a.Field(i).Interface())
			y, _ := json.Marshal(b.Field(i).Interface())
			out = append(out, fmt.Sprintf("%s (recorded for %s, this build %s)", name, x, y))
		}
	}
	return out
}

// Pack writes the profile: the manifest and every file (name → .gcda content) as a tar.gz
// whose bytes depend on nothing else (sorted names, no times, owners or modes of this
// machine).
func Pack(w io.Writer, files map[string][]byte, m Manifest) error {
	if len(files) == 0 {
		return errors.New("no .gcda files to pack: the instrumented program wrote no profile")
	}
	man, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(zw)
	add := func(name string, data []byte) error {
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data)),
			ModTime: time.Unix(0, 0), Format: tar.FormatUSTAR}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if err := add(ManifestName, append(man, '\n')); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		if !validName(n) {
			return fmt.Errorf("%q is not a .gcda file name kiln packs", n)
		}
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := add(n, files[n]); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

func validName(n string) bool {
	return gcdaName.MatchString(n) && path.Clean(n) == n && !slices.Contains(strings.Split(n, "/"), "..")
}

// Unpack reads a profile: its manifest and its .gcda files. It refuses anything that is
// not a relative .gcda regular file or the one manifest (links, devices, absolute or ..
// paths, duplicates) and more than a real profile's size, so a hostile file is refused here,
// before it reaches a build.
func Unpack(data []byte) (Manifest, map[string][]byte, error) {
	var m Manifest
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return m, nil, fmt.Errorf("not a gzip'd tarball: %w", err)
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	var total int64
	seenManifest := false
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, nil, fmt.Errorf("not a readable tarball: %w", err)
		}
		if hdr.Typeflag != tar.TypeReg {
			return m, nil, fmt.Errorf("%q is not a regular file (type %q): a profile holds only .gcda files and %s", hdr.Name, hdr.Typeflag, ManifestName)
		}
		if hdr.Name != ManifestName && !validName(hdr.Name) {
			return m, nil, fmt.Errorf("%q is not a relative .gcda file name: a profile holds only those and %s", hdr.Name, ManifestName)
		}
		if _, dup := files[hdr.Name]; dup || (hdr.Name == ManifestName && seenManifest) {
			return m, nil, fmt.Errorf("%q is in the tarball twice", hdr.Name)
		}
		if len(files) >= maxFiles {
			return m, nil, fmt.Errorf("more than %d files: not a profile kiln recorded", maxFiles)
		}
		total += hdr.Size
		if hdr.Size < 0 || total > maxTotal {
			return m, nil, fmt.Errorf("more than %d MiB unpacked: not a profile kiln recorded", maxTotal>>20)
		}
		body, err := io.ReadAll(io.LimitReader(tr, hdr.Size))
		if err != nil {
			return m, nil, fmt.Errorf("reading %q: %w", hdr.Name, err)
		}
		if hdr.Name == ManifestName {
			seenManifest = true
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&m); err != nil {
				return m, nil, fmt.Errorf("%s: %w", ManifestName, err)
			}
			continue
		}
		files[hdr.Name] = body
	}
	if !seenManifest {
		return m, nil, fmt.Errorf("no %s: not a profile recorded by kiln profile", ManifestName)
	}
	if m.Format != Format {
		return m, nil, fmt.Errorf("%s: format %d, this kiln reads %d; record it again with kiln profile", ManifestName, m.Format, Format)
	}
	if len(files) == 0 {
		return m, nil, errors.New("no .gcda files: an empty profile")
	}
	return m, files, nil
}

// Check says whether data (build.profile's file, its sha256 already checked) is a profile
// kiln can build s with: well-formed, and recorded for this very build.
func Check(data []byte, s *spec.Spec) error {
	name := "build.profile.file"
	if pr := s.Build.Profile; pr != nil {
		name += " " + pr.File
	}
	got, _, err := Unpack(data)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	want, err := For(s)
	if err != nil {
		return err
	}
	if d := got.Differences(want); len(d) > 0 {
		return fmt.Errorf("%s was recorded for another build; what differs: %s. GCC would refuse it or build with stale counts: record it again with `kiln profile SPEC -o FILE` and pin the new sha256",
			name, strings.Join(d, "; "))
	}
	return nil
}

// Collect reads the .gcda files an instrumented build wrote under prefix (GCOV_PREFIX).
// The recipe's compiler wrapper maps the build directory to /build and unpacks the source
// into /build/src/<its directory>, so a file lands at
// prefix/build/src/<dir>/src/h1.gcda and is named src/h1.gcda, as the recipe extracts it.
func Collect(prefix string) (map[string][]byte, error) {
	root := filepath.Join(prefix, "build", "src")
	dirs, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("the instrumented program wrote no profile under %s: %w", prefix, err)
	}
	if len(dirs) != 1 || !dirs[0].IsDir() {
		return nil, fmt.Errorf("the instrumented program wrote its profile into %d directories under %s, want one (the source tree)", len(dirs), root)
	}
	src := filepath.Join(root, dirs[0].Name())
	files := map[string][]byte{}
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !d.Type().IsRegular() || !validName(rel) {
			return fmt.Errorf("unexpected file %s in the profile the instrumented program wrote", p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[rel] = data
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("the instrumented program wrote no .gcda file under %s", src)
	}
	return files, nil
}
