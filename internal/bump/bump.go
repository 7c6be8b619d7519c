// Package bump moves a spec's pinned sources to newer upstream releases: it finds them
// (kiln outdated), rewrites the version, url and sha256 of the right table in place —
// every comment, the order and the formatting of the file stay as they were — takes the
// sha256 from the upstream index or from the tarball itself, checks the spec's patches
// still apply, and replaces the file atomically. A Checker attaches the proof: the bumped
// spec built, audited and verified, with the image's size and hardening before and after.
package bump

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kilnbuild/kiln/internal/files"
	"github.com/kilnbuild/kiln/internal/tomlpos"
	"github.com/kilnbuild/kiln/internal/upstream"
	"github.com/kilnbuild/kiln/nixgen/spec"
)

// Request is one bump.
type Request struct {
	// File is the spec to bump.
	File string
	// Only limits the bump to one component ("" = every pin).
	Only string
	// To is the version to move to (needs a single component: Only, or a spec with one pin,
	// and no Branches for it).
	To string
	// Branches maps a component to the branch to move to; without it a pin stays on its
	// own branch (an LTS branch is never left by accident).
	Branches map[string]string
	// Mirror is a directory of tarballs looked up by file name before downloading.
	Mirror string
	// WorkDir receives downloads and unpacked sources; the caller removes it.
	WorkDir string
	// Fetch obtains every new tarball even when upstream publishes its hash (the build
	// of bump --check needs the files).
	Fetch bool
}

// Source is a pinned version, url and sha256.
type Source struct {
	Version string `json:"version"`
	URL     string `json:"url"`
	SHA256  string `json:"sha256"`
}

// Change is one pin moved.
type Change struct {
	// Name is the component; Table the spec table rewritten.
	Name  string `json:"name"`
	Table string `json:"table"`
	// From and To are the old and new pins.
	From Source `json:"from"`
	To   Source `json:"to"`
	// WasDefault is true when the spec had no table and kiln's default applied: bump
	// wrote an explicit [sources.<name>] table.
	WasDefault bool `json:"was_default,omitempty"`
	// HashFrom says where To.SHA256 comes from: "index" (published by upstream), and when
	// the tarball was fetched too, "index, checked against the download"; or "download"
	// / "mirror" when upstream publishes none.
	HashFrom string `json:"hash_from"`
	// Tarball is the fetched file ("" when not fetched).
	Tarball string `json:"-"`
	// Patches are the spec's patches of this table that still apply to the new source.
	Patches []PatchResult `json:"patches,omitempty"`
	// Dropped are the spec's patches of this table the new source already carries
	// (upstream released them): bump removes their tables from the spec.
	Dropped []IncludedPatch `json:"dropped_patches,omitempty"`
	// Released is, for a library that used kiln's default source, how many of that
	// default's patches the new release already carries: all of them, or bump refuses
	// (UnreleasedError), since the table it writes carries none.
	Released int `json:"released_patches,omitempty"`
}

// Plan is a bump worked out and checked, not yet written.
type Plan struct {
	// File is the spec file.
	File string `json:"spec"`
	// Old and New are the file's content before and after.
	Old []byte `json:"-"`
	New []byte `json:"-"`
	// Spec is New, decoded and validated.
	Spec *spec.Spec `json:"-"`
	// Changes lists each pin moved (empty when everything is current).
	Changes []Change `json:"changes"`
	// Warnings are things a person should look at (an image.tag pinned to the old version).
	Warnings []string `json:"warnings,omitempty"`
	// Unused are the files of dropped patches (beside the spec) that nothing in the bumped
	// spec names: Write removes them once the spec is written.
	Unused []string `json:"unused_files,omitempty"`
	// Removed are the Unused files Write removed.
	Removed []string `json:"removed_files,omitempty"`
	// mode is the file's permission bits, kept by Write.
	mode os.FileMode
}

// Plan works out the bump of req.File: the target of each pin, its sha256, the rewritten
// file, the patches checked. Nothing is written.
func (b *Bumper) Plan(ctx context.Context, req Request) (*Plan, error) {
	old, err := spec.Read(req.File)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(req.File)
	if err != nil {
		return nil, fmt.Errorf("reading spec: %w", err)
	}
	dir, err := filepath.Abs(filepath.Dir(req.File))
	if err != nil {
		return nil, fmt.Errorf("reading spec: %w", err)
	}
	s, err := spec.Parse(req.File, dir, old)
	if err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%w\nfix the spec before bumping it", err)
	}
	d, err := tomlpos.Scan(string(old))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", req.File, err)
	}
	all := pins(s, d)
	sel, err := selectPins(all, req.Only)
	if err != nil {
		return nil, err
	}
	if req.To != "" && len(sel) != 1 {
		return nil, fmt.Errorf("--to %s: the spec pins %d sources; say which with --only NAME", req.To, len(sel))
	}
	for name, branch := range req.Branches {
		if !hasPin(sel, name) {
			return nil, fmt.Errorf("--branch %s=…: the spec builds no %s (or --only left it out)", name, name)
		}
		if req.To != "" { // --to's one component, so both name its release
			return nil, fmt.Errorf("--to %s and --branch %s=%s both choose the %s release to move to; give one: --to for that exact release, or --branch for the newest on branch %s", req.To, name, branch, name, branch)
		}
	}

	plan := &Plan{File: req.File, Old: old, mode: st.Mode().Perm()}
	var edits []edit
	var drops []string // the tables of patches the new releases carry
	var appended strings.Builder
	for _, p := range sel {
		rel, err := b.target(ctx, p, req)
		if err != nil {
			return nil, err
		}
		if rel == nil {
			continue // already the newest on its branch
		}
		c, err := b.change(ctx, s, p, *rel, req)
		if err != nil {
			return nil, err
		}
		plan.Changes = append(plan.Changes, *c)
		if len(c.Dropped) > 0 {
			for _, dp := range c.Dropped {
				if _, ok := d.Tables[dp.Key]; !ok {
					return nil, &IncludedError{File: req.File, Table: p.Table, Version: c.Name + " " + c.To.Version, Patches: c.Dropped}
				}
				drops = append(drops, dp.Key)
			}
		}
		if p.Default {
			fmt.Fprintf(&appended, "\n# Pinned by kiln bump (kiln's default was %s %s).\n[%s]\nversion = %s\nurl = %s\nsha256 = %s\n",
				p.Name, p.Version, p.Table, encodeString(c.To.Version, `"`), encodeString(c.To.URL, `"`), encodeString(c.To.SHA256, `"`))
			continue
		}
		edits = append(edits, edit{p.Table + ".version", c.To.Version}, edit{p.Table + ".url", c.To.URL}, edit{p.Table + ".sha256", c.To.SHA256})
	}
	if len(plan.Changes) == 0 {
		plan.New, plan.Spec = old, s
		return plan, nil
	}
	text, err := apply(d, edits, drops)
	if err != nil {
		return nil, fmt.Errorf("editing %s: %w", req.File, err)
	}
	if appended.Len() > 0 && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	plan.New = []byte(text + appended.String())
	_, tagPinned := d.Keys["image.tag"]
	if plan.Spec, err = checkEdit(old, tagPinned, req.File, dir, plan.New, plan.Changes); err != nil {
		return nil, err
	}
	plan.Unused = unusedFiles(s, plan.Spec, plan.Changes)
	if s.Build.Profile != nil {
		plan.Warnings = append(plan.Warnings, fmt.Sprintf("%s:%d: build.profile was recorded for the old pins, and builds refuse it for the new ones: record it again with `kiln profile --pin %s` (kiln bump --check does)", req.File, d.Keys["build.profile"], req.File))
	}
	if tag := s.Image.Tag; plan.Changes[0].Table == "package" && d.Keys["image.tag"] != 0 && tag == s.Package.Version {
		plan.Warnings = append(plan.Warnings, fmt.Sprintf("%s:%d: image.tag is pinned to %q, the old version; bump leaves it (remove it to follow package.version)", req.File, d.Keys["image.tag"], tag))
	}
	return plan, nil
}

func hasPin(ps []Pin, name string) bool {
	for _, p := range ps {
		if p.Name == name {
			return true
		}
	}
	return false
}

// target picks the release p moves to, or nil when it is already the newest on its branch.
func (b *Bumper) target(ctx context.Context, p Pin, req Request) (*upstream.Release, error) {
	proj, ok := upstream.Projects[p.Name]
	if !ok {
		return nil, fmt.Errorf("%s: kiln knows no release index for %s", p.where(req.File), p.Name)
	}
	own := upstream.BranchOf(p.Version, proj.Depth)
	if req.To != "" {
		if !upstream.IsRelease(req.To) {
			return nil, fmt.Errorf("--to %q: want a release number such as 3.0.12", req.To)
		}
		if req.To == p.Version {
			return nil, nil
		}
		branch := upstream.BranchOf(req.To, proj.Depth)
		rels, err := b.Index.Releases(ctx, p.Name, branch)
		if err != nil {
			return nil, err
		}
		for i := range rels {
			if rels[i].Version == req.To {
				return &rels[i], nil
			}
		}
		return nil, fmt.Errorf("--to %s: upstream lists no %s %s on branch %s%s", req.To, p.Name, req.To, branch, newestNote(rels))
	}
	branch := req.Branches[p.Name]
	if branch == "" {
		branch = own
	}
	f, err := b.finding(ctx, p, branch, false)
	if err != nil {
		return nil, err
	}
	switch f.Status {
	case StatusAhead, StatusUnlisted:
		return nil, fmt.Errorf("%s: %s; the spec is left as it is", p.where(req.File), f.Note)
	case StatusCurrent, StatusEOL:
		return nil, nil
	}
	return f.NewestOnBranch, nil
}

func newestNote(rels []upstream.Release) string {
	if len(rels) == 0 {
		return ""
	}
	return " (newest there: " + rels[0].Version + ")"
}

// change works out the new pin: its sha256 (published, or from the tarball), the tarball
// when it is needed, and the patches checked.
func (b *Bumper) change(ctx context.Context, s *spec.Spec, p Pin, rel upstream.Release, req Request) (*Change, error) {
	c := &Change{Name: p.Name, Table: p.Table, WasDefault: p.Default,
		From: Source{p.Version, p.URL, p.SHA256}, To: Source{Version: rel.Version, URL: rel.URL}}
	if err := b.Index.ResolveSHA256(ctx, p.Name, &rel); err != nil {
		return nil, err
	}
	if rel.SHA256 == "" && upstream.Projects[p.Name].HashRequired {
		return nil, fmt.Errorf("%s: upstream lists %s %s without a sha256, which it always publishes (a release still being uploaded?); the spec is left as it is: try again later", p.where(req.File), p.Name, rel.Version)
	}
	set := patchesOf(s, p)
	need := rel.SHA256 == "" || req.Fetch || len(set.Patches) > 0
	c.To.SHA256, c.HashFrom = rel.SHA256, "index"
	if need {
		file, hash, from, err := b.obtain(ctx, p.Name, rel, req)
		if err != nil {
			return nil, err
		}
		c.Tarball = file
		switch {
		case rel.SHA256 != "":
			c.HashFrom = "index, checked against the " + from
		default:
			c.To.SHA256, c.HashFrom = hash, from
		}
	}
	if len(set.Patches) > 0 {
		res, err := b.checkPatches(ctx, s, set, p.Name, c.Tarball, rel.Version, req)
		if err != nil {
			return nil, err
		}
		c.Patches, c.Dropped = res.applied, res.released
		if set.kilns {
			c.Released = len(set.Patches)
		}
	}
	return c, nil
}

// checkEdit decodes the edited file and checks it says exactly what the old one did,
// except for the changed pins: the safety net under the in-place edit.
func checkEdit(oldText []byte, tagPinned bool, file, dir string, text []byte, changes []Change) (*spec.Spec, error) {
	fail := func(err error) error {
		return fmt.Errorf("editing %s in place went wrong, so nothing was written (please report it; edit the spec by hand meanwhile): %w", file, err)
	}
	s, err := spec.Parse(file, dir, text)
	if err != nil {
		return nil, fail(err)
	}
	if err := s.Validate(); err != nil {
		return nil, fail(err)
	}
	want, err := spec.Parse(file, dir, oldText)
	if err != nil {
		return nil, fail(err)
	}
	for _, c := range changes {
		src := &spec.Source{Version: c.To.Version, URL: c.To.URL, SHA256: c.To.SHA256}
		// A table the spec has keeps its patches (checked against the new source) but those
		// the new release carries; one bump writes in place of kiln's default has none.
		if !c.WasDefault {
			for _, d := range want.Deps() {
				if "sources."+d.Name == c.Table {
					src.Patches = kept(d.Source.Patches, c)
				}
			}
		}
		switch c.Table {
		case "package":
			want.Package.Version, want.Package.URL, want.Package.SHA256 = src.Version, src.URL, src.SHA256
			want.Package.Patches = kept(want.Package.Patches, c)
			if !tagPinned {
				want.Image.Tag = src.Version // the default tag follows the version
			}
		case "sources.lua":
			want.Sources.Lua = src
		case "sources.pcre2":
			want.Sources.PCRE2 = src
		case "sources.openssl":
			want.Sources.OpenSSL = src
		case "sources.zlib":
			want.Sources.Zlib = src
		default:
			return nil, fail(fmt.Errorf("unknown table %s", c.Table))
		}
	}
	a, err1 := json.Marshal(want)
	b, err2 := json.Marshal(s)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fail(err)
	}
	if !bytes.Equal(a, b) {
		return nil, fail(fmt.Errorf("the edited file decodes to another spec than intended:\nwant %s\ngot  %s", a, b))
	}
	return s, nil
}

// drops says whether c drops patch i of its table.
func (c Change) drops(i int) bool {
	key := fmt.Sprintf("%s.patches[%d]", c.Table, i)
	return slices.ContainsFunc(c.Dropped, func(d IncludedPatch) bool { return d.Key == key })
}

// kept is ps without the patches c drops.
func kept(ps []spec.Patch, c Change) []spec.Patch {
	var out []spec.Patch
	for i, p := range ps {
		if !c.drops(i) {
			out = append(out, p)
		}
	}
	return out
}

// unusedFiles are the files of the patches changes drop, beside the old spec, that the
// bumped spec no longer names (as a patch or an image file).
func unusedFiles(old, bumped *spec.Spec, changes []Change) []string {
	used := map[string]bool{}
	for _, set := range bumped.PatchSets() {
		for _, p := range set.Patches {
			if p.File != "" {
				used[bumped.Resolve(p.File)] = true
			}
		}
	}
	for _, f := range bumped.Image.Files {
		if f.Source != "" {
			used[bumped.Resolve(f.Source)] = true
		}
	}
	var out []string
	for _, c := range changes {
		lib := strings.TrimPrefix(c.Table, "sources.")
		if c.Table == "package" {
			lib = ""
		}
		for i, p := range old.PatchSet(lib).Patches {
			if p.File == "" || !c.drops(i) {
				continue
			}
			if f := old.Resolve(p.File); !used[f] && !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// Write replaces the spec file with the bumped one atomically (files.WriteFile: a spec
// that is a symlink stays one, the file it leads to is replaced), keeping its
// permissions. It refuses when the file changed since Plan read it.
func (p *Plan) Write() error {
	if len(p.Changes) == 0 {
		return nil
	}
	now, err := files.ReadFile(p.File, spec.MaxSize)
	var tl *files.TooLargeError
	if err != nil && !errors.As(err, &tl) {
		return fmt.Errorf("writing spec: %w", err)
	}
	if err != nil || !bytes.Equal(now, p.Old) {
		return fmt.Errorf("writing spec: %s changed while kiln bump ran; nothing was written, run it again", p.File)
	}
	if err := files.WriteFile(p.File, p.New, p.mode); err != nil {
		return err
	}
	return p.removeUnused()
}

// removeUnused removes the files of the dropped patches, once the spec no longer names
// them, and their directories left empty, up to the spec's own.
func (p *Plan) removeUnused() error {
	top, err := filepath.Abs(filepath.Dir(p.File))
	if err != nil {
		return err
	}
	realTop, err := filepath.EvalSymlinks(top)
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range p.Unused {
		// Only a file whose directory really is under the spec's (no symlink leading out,
		// as a spec's allowed directories may): one outside is not bump's to remove.
		realDir, err := filepath.EvalSymlinks(filepath.Dir(f))
		if rel, rerr := filepath.Rel(realTop, realDir); err != nil || rerr != nil || !filepath.IsLocal(rel) && rel != "." {
			continue
		}
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		p.Removed = append(p.Removed, f)
		for dir := filepath.Dir(f); dir != top && strings.HasPrefix(dir, top+string(filepath.Separator)); dir = filepath.Dir(dir) {
			if os.Remove(dir) != nil {
				break // not empty
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("the spec was written without the patches upstream released, but not all of their files could be removed (remove them by hand): %w", err)
	}
	return nil
}
