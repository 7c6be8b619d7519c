// Package orchestrator runs kiln's pipeline: spec → flake → nix build → closure (→ audit →
// image → publish, in their own packages).
package orchestrator

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/kilnbuild/kiln/internal/files"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/nix"
	"github.com/kilnbuild/kiln/orchestrator/record"
)

// Source is one pinned download of a spec: the recipe fetches URL, checks SHA256, and names
// the store path after the URL's last element.
type Source struct {
	Name   string `json:"name"`
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
	// Kind is what the download is: the package's source, a library's, or a patch (empty
	// for a toolchain package).
	Kind record.SourceKind `json:"kind,omitempty"`
	// Library is the library a library source or a library's patch is for ("" for the
	// package's source and patches).
	Library string `json:"library,omitempty"`
}

// Sources lists every download a spec's build needs, in spec order: its bill of materials.
// That is the package, its fetched patches, then the library of each enabled feature (lua,
// pcre2, openssl, zlib) each followed by its fetched patches, so --mirror seeds those too.
func Sources(s *spec.Spec) []Source {
	srcs := []Source{{URL: s.Package.URL, SHA256: s.Package.SHA256, Kind: record.SourcePackage}}
	patches := func(lib string, list []spec.Patch) {
		for _, p := range list {
			if p.URL != "" {
				srcs = append(srcs, Source{URL: p.URL, SHA256: p.SHA256, Kind: record.SourcePatch, Library: lib})
			}
		}
	}
	patches("", s.Package.Patches)
	for _, d := range s.Deps() {
		srcs = append(srcs, Source{URL: d.Source.URL, SHA256: d.Source.SHA256, Kind: record.SourceLibrary, Library: d.Name})
		patches(d.Name, d.Source.Patches)
	}
	for i := range srcs {
		srcs[i].Name = fetchName(srcs[i].URL)
	}
	return srcs
}

// fetchName is the store path name <nix/fetchurl.nix> gives a download: the URL's basename.
func fetchName(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return path.Base(u.Path)
	}
	return path.Base(raw)
}

// HashMismatchError is a file whose content is not what the spec (or the pinned
// toolchain) pins.
type HashMismatchError struct {
	File, Want, Got string
}

func (e *HashMismatchError) Error() string {
	return fmt.Sprintf("%s: sha256 is %s but the pin says %s; the file is not the pinned one (download it again, or fix the pin — the spec's sha256, or the toolchain's pins.toml — if it really changed)", e.File, e.Got, e.Want)
}

// Seed adds each source found in the mirror directory to the Nix store under the name the
// fetch expects, so the build finds it valid and never touches the network. A file is
// matched by its name first, then by sha256 among all files; only a file whose sha256
// equals the pin is added. It returns the sources it could not find in dir.
func Seed(ctx context.Context, n *nix.Nix, dir string, srcs []Source, log *slog.Logger) ([]Source, error) {
	var missing []Source
	m := &mirror{dir: dir}
	for _, src := range srcs {
		file, err := m.locate(src)
		if err != nil {
			return nil, err
		}
		if file == "" {
			missing = append(missing, src)
			continue
		}
		p, err := n.AddFile(ctx, src.Name, file)
		if err != nil {
			return nil, fmt.Errorf("seeding %s: %w", src.Name, err)
		}
		log.Info("seeded source from mirror", "file", file, "store_path", p)
	}
	return missing, nil
}

// Locate finds src in the mirror directory dir: the file named src.Name, else any file
// whose sha256 is src.SHA256. It returns "" when there is none, and a *HashMismatchError
// when the file of that name has another hash.
func Locate(dir string, src Source) (string, error) {
	return (&mirror{dir: dir}).locate(src)
}

// mirror is a mirror directory, hashed once on first need.
type mirror struct {
	dir    string
	byHash map[string]string // sha256 → file
}

func (m *mirror) locate(src Source) (string, error) {
	file := filepath.Join(m.dir, src.Name)
	got, err := files.SHA256(file)
	switch {
	case err == nil && got != src.SHA256:
		return "", &HashMismatchError{File: file, Want: src.SHA256, Got: got}
	case err == nil:
		return file, nil
	case !os.IsNotExist(err):
		return "", fmt.Errorf("reading mirror: %w", err)
	}
	if m.byHash == nil {
		if m.byHash, err = hashDir(m.dir); err != nil {
			return "", err
		}
	}
	return m.byHash[src.SHA256], nil
}

func hashDir(dir string) (map[string]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading mirror: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	out := map[string]string{}
	for _, n := range names {
		f := filepath.Join(dir, n)
		h, err := files.SHA256(f)
		if err != nil {
			return nil, fmt.Errorf("reading mirror: %w", err)
		}
		if _, dup := out[h]; !dup {
			out[h] = f
		}
	}
	return out, nil
}
