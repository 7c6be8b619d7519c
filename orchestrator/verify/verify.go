// Package verify proves a spec's build reproducible: it builds the spec, rebuilds it from
// scratch with `nix build --rebuild --keep-failed`, and compares every closure path's NAR
// hash and the packaged image's digest across rounds (and with a published image). When
// something differs it says what: the store path, the files in it, and for ELF files the
// sections.
//
// Nix 2.8 checks a rebuild itself: `--rebuild` builds the derivation again in a fresh
// sandbox and fails with "may not be deterministic: output '<out>' differs" when the new
// output's NAR hash is not the registered one; with --keep-failed it also moves the new
// output to <out>.check (not a valid store path) and keeps the build directory. verify
// reads that tree, copies it into its own scratch directory, and removes both.
package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/kilnbuild/kiln/cache"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator"
	"github.com/kilnbuild/kiln/orchestrator/image"
	"github.com/kilnbuild/kiln/orchestrator/nix"
)

// Verifier builds a spec several times and compares the results.
type Verifier struct {
	// Builder runs the builds. Its Nix must use the local store, or a chroot store given
	// as an absolute directory (Nix.Store), since the rebuilt trees are read from disk.
	Builder *orchestrator.Builder
	// Log receives progress messages (default: discard).
	Log *slog.Logger
	// TempDir is where the differing rounds' trees are copied (default os.TempDir()).
	TempDir string
}

// Request is one verification.
type Request struct {
	// Spec is what is built.
	Spec *spec.Spec
	// Mirror is a directory of source tarballs to seed the store from (air-gapped builds).
	Mirror string
	// Rounds is how many times the spec is built: one build, then Rounds-1 rebuilds
	// (default 2). With 1, nothing is rebuilt and only Against is checked.
	Rounds int
	// Image packages every round's closure into an image as kiln build does; nil: no image.
	Image *ImageOptions
	// Against is a published image every round's image must equal (needs Image).
	Against *Expected
	// KeepFailed keeps what a differing rebuild leaves (nix's <out>.check and build
	// directory, verify's copies of the trees) and lists it in Report.Kept.
	KeepFailed bool
	// KeepTrees keeps verify's copies of the differing trees (Report.Trees) for the caller
	// to inspect (diffoscope); the caller removes Report.ScratchDir.
	KeepTrees bool
}

// ImageOptions are kiln build's packaging options, so verify's image is kiln build's.
type ImageOptions struct {
	// Created is the image's one timestamp (config, history, file mtimes).
	Created time.Time
	// Compression is the layer compression.
	Compression image.Compression
}

// Report is the outcome of a verification.
type Report struct {
	// Package, Version and Toolchain name what was built.
	Package string `json:"package"`
	// Version is the package version.
	Version string `json:"version"`
	// Toolchain is the effective build toolchain.
	Toolchain string `json:"toolchain"`
	// NixVersion is the nix that built it.
	NixVersion string `json:"nix_version"`
	// Rounds is the number of builds compared.
	Rounds int `json:"rounds"`
	// Method says how rounds after the first were built.
	Method string `json:"method"`
	// Paths has one entry per closure path, sorted.
	Paths []PathResult `json:"paths"`
	// Image has the image digest per round (nil without Request.Image).
	Image *ImageResult `json:"image,omitempty"`
	// Against is the comparison with the published image (nil without Request.Against).
	Against *AgainstResult `json:"against,omitempty"`
	// Problems are findings that are not a difference between rounds (a corrupt store).
	Problems []string `json:"problems,omitempty"`
	// Reproducible is true when every path, every image and Against match.
	Reproducible bool `json:"reproducible"`
	// ScratchDir holds the copied trees when KeepTrees or KeepFailed is set.
	ScratchDir string `json:"scratch_dir,omitempty"`
	// Kept lists what KeepFailed kept.
	Kept []string `json:"kept,omitempty"`
}

// PathResult is one closure path across rounds.
type PathResult struct {
	// Path is the store path.
	Path string `json:"path"`
	// Rebuilt is true for the build's outputs, which every round rebuilds; the other
	// closure paths are inputs nix does not rebuild, compared only to the store's record.
	Rebuilt bool `json:"rebuilt"`
	// NarHashes has one NAR hash per round ("" when that round did not produce it).
	NarHashes []string `json:"nar_hashes"`
	// Same is true when every round has the same NAR hash.
	Same bool `json:"same"`
	// Diffs explains each round that differs from round 1.
	Diffs []TreeDiff `json:"diffs,omitempty"`
}

// TreeDiff is how one round's tree of a store path differs from round 1's.
type TreeDiff struct {
	// Round is the round compared with round 1.
	Round int `json:"round"`
	// Trees are the two directories compared (round 1's, round Round's), set only when
	// they outlive Run (Request.KeepFailed, Request.KeepTrees).
	Trees [2]string `json:"trees,omitzero"`
	// Files are the differing files.
	Files []FileDiff `json:"files"`
}

// ImageResult is the image packaged from each round's closure.
type ImageResult struct {
	// Compression is the layer compression used.
	Compression string `json:"compression"`
	// Created is the image's timestamp.
	Created time.Time `json:"created"`
	// Rounds has the image of each round.
	Rounds []ImageInfo `json:"rounds"`
	// Same is true when every round's image digest is the same.
	Same bool `json:"same"`
	// Diffs explains each round's image that differs from round 1's.
	Diffs map[int][]string `json:"diffs,omitempty"`
}

// AgainstResult compares the published image with round 1's.
type AgainstResult struct {
	// Ref is the --against argument.
	Ref string `json:"ref"`
	// Digest is the published image's manifest digest.
	Digest string `json:"digest"`
	// ComparedBy says what was compared: the manifest digest, or for a docker archive
	// (no manifest) the config digest and layer diff_ids.
	ComparedBy string `json:"compared_by"`
	// Same is true when every round's image is the published one.
	Same bool `json:"same"`
	// Diffs explain how round 1's image differs from the published one.
	Diffs []string `json:"diffs,omitempty"`
}

// Run builds req.Spec req.Rounds times and compares the rounds. A build that fails is an
// error; rounds that differ are not: they are in the report, with Reproducible false.
func (v *Verifier) Run(ctx context.Context, req Request) (*Report, error) {
	log := v.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rounds := req.Rounds
	if rounds == 0 {
		rounds = 2
	}
	if rounds < 1 {
		return nil, fmt.Errorf("verify: %d rounds: want at least 1", rounds)
	}
	if rounds == 1 && req.Against == nil {
		return nil, errors.New("verify: one round compares nothing: rebuild (2 rounds or more) or give an image to compare with")
	}
	if req.Against != nil && req.Image == nil {
		return nil, errors.New("verify: comparing with a published image needs the image packaged (Request.Image)")
	}
	root, err := storeRoot(v.Builder.Nix)
	if err != nil {
		return nil, err
	}
	scratch, err := os.MkdirTemp(v.TempDir, "kiln-verify-")
	if err != nil {
		return nil, fmt.Errorf("creating scratch dir: %w", err)
	}
	rep := &Report{
		Package:   req.Spec.Package.Name,
		Version:   req.Spec.Package.Version,
		Toolchain: string(req.Spec.Build.Toolchain),
		Rounds:    rounds,
		Method:    "round 1: nix build (the store's result if it has one); later rounds: nix build --rebuild --keep-failed, a fresh build in a new sandbox compared by nix and by NAR hash",
	}
	keep := req.KeepFailed || req.KeepTrees
	r := &run{v: v, req: req, log: log, root: root, scratch: scratch, rep: rep}
	if err := r.all(ctx, rounds); err != nil {
		if !req.KeepFailed {
			removeTree(scratch)
		}
		return nil, err
	}
	if keep {
		rep.ScratchDir = scratch
	} else {
		removeTree(scratch)
	}
	if req.KeepFailed {
		rep.Kept = append(rep.Kept, scratch)
	}
	if !keep { // the copies are gone when Run returns
		for i := range rep.Paths {
			for j := range rep.Paths[i].Diffs {
				rep.Paths[i].Diffs[j].Trees = [2]string{}
			}
		}
	}
	rep.Reproducible = len(rep.Problems) == 0
	for _, p := range rep.Paths {
		rep.Reproducible = rep.Reproducible && p.Same
	}
	if rep.Image != nil {
		rep.Reproducible = rep.Reproducible && rep.Image.Same
	}
	if rep.Against != nil {
		rep.Reproducible = rep.Reproducible && rep.Against.Same
	}
	return rep, nil
}

// run is one Run's state.
type run struct {
	v       *Verifier
	req     Request
	log     *slog.Logger
	root    string // host directory holding nix/store ("" = /)
	scratch string
	rep     *Report
	first   *orchestrator.Result
	trees   [][]string // per round, per closure path: the host directory holding it
}

// all runs every round, then compares.
func (r *run) all(ctx context.Context, rounds int) error {
	start := time.Now()
	r.log.Info("verify: round 1: building", "rounds", rounds)
	res, err := r.v.Builder.Build(ctx, orchestrator.Request{Spec: r.req.Spec, Mirror: r.req.Mirror})
	if err != nil {
		return fmt.Errorf("verify: round 1: %w", err)
	}
	r.first = res
	r.rep.NixVersion = res.NixVersion
	outputs := map[string]bool{}
	for _, o := range res.Outputs {
		outputs[o] = true
	}
	tree1 := make([]string, len(res.Closure))
	for i, p := range res.Closure {
		tree1[i] = r.host(p.Path)
		h, err := NarHash(tree1[i])
		if err != nil {
			return fmt.Errorf("verify: round 1: %w", err)
		}
		if !sameHash(h, p.NarHash) {
			r.rep.Problems = append(r.rep.Problems, fmt.Sprintf("%s: its files hash to %s but the store registered %s: the store copy is corrupt or was modified (nix store verify --repair %s)", p.Path, h, p.NarHash, p.Path))
		}
		r.rep.Paths = append(r.rep.Paths, PathResult{Path: p.Path, Rebuilt: outputs[p.Path], NarHashes: []string{h}})
	}
	r.trees = append(r.trees, tree1)
	if err := r.image(ctx, 1, r.root); err != nil {
		return err
	}
	r.log.Info("verify: round 1 done", "seconds", int(time.Since(start).Seconds()))

	for k := 2; k <= rounds; k++ {
		start := time.Now()
		r.log.Info(fmt.Sprintf("verify: round %d/%d: rebuilding from scratch (nix build --rebuild)", k, rounds))
		if err := r.rebuild(ctx, k); err != nil {
			return err
		}
		r.log.Info(fmt.Sprintf("verify: round %d/%d done", k, rounds), "seconds", int(time.Since(start).Seconds()))
	}
	return r.compare()
}

// rebuild runs round k: nix build --rebuild --keep-failed, then reads the differing
// outputs nix left at <out>.check.
func (r *run) rebuild(ctx context.Context, k int) error {
	res := r.first
	for _, o := range res.Outputs {
		// A stale <out>.check from an earlier run would pass for this round's result.
		if err := removeTree(r.host(o) + ".check"); err != nil {
			return fmt.Errorf("verify: round %d: removing a stale %s.check: %w", k, o, err)
		}
	}
	_, err := r.v.Builder.Build(ctx, orchestrator.Request{Spec: r.req.Spec, Mirror: r.req.Mirror, Rebuild: true, NixArgs: []string{"--keep-failed"}})
	var differing map[string]string // output → host dir of its rebuild
	if err != nil {
		var ne *nix.Error
		if !errors.As(err, &ne) {
			return fmt.Errorf("verify: round %d: %w", k, err)
		}
		// --keep-failed keeps the build directory of any failure; nix's log names it.
		for _, dir := range keptBuildDirs(ne.Tail) {
			if r.req.KeepFailed {
				r.rep.Kept = append(r.rep.Kept, dir)
			} else if err := removeTree(dir); err != nil {
				r.log.Warn("could not remove nix's kept build directory", "dir", dir, "error", err)
			}
		}
		if !notDeterministic(ne.Tail) {
			return fmt.Errorf("verify: round %d: %w", k, err)
		}
		differing = map[string]string{}
		for _, o := range res.Outputs {
			if check := r.host(o) + ".check"; exists(check) {
				differing[o] = check
			}
		}
		if len(differing) == 0 {
			return fmt.Errorf("verify: round %d: nix says the rebuild differs but left no <out>.check to compare: %w", k, err)
		}
	}

	// Round k's tree of each closure path: the store path itself when nix found the
	// rebuild bit-identical (nix discards it then), else a copy of <out>.check placed at
	// the store path's name under round k's own root, so the image can be packaged from it.
	// An output nix did not get to check (it stops at the first difference) has no hash.
	roundRoot := ""
	trees := make([]string, len(res.Closure))
	for i, p := range res.Closure {
		pr := &r.rep.Paths[i]
		check, differs := differing[p.Path]
		switch {
		case differing == nil || !pr.Rebuilt:
			trees[i] = r.trees[0][i]
			pr.NarHashes = append(pr.NarHashes, pr.NarHashes[0])
		case differs:
			roundRoot = filepath.Join(r.scratch, fmt.Sprintf("round-%d", k))
			dst := filepath.Join(roundRoot, filepath.FromSlash(p.Path))
			if err := copyTree(check, dst); err != nil {
				return fmt.Errorf("verify: round %d: copying %s: %w", k, check, err)
			}
			h, err := NarHash(dst)
			if err != nil {
				return fmt.Errorf("verify: round %d: %w", k, err)
			}
			trees[i] = dst
			pr.NarHashes = append(pr.NarHashes, h)
			if r.req.KeepFailed {
				r.rep.Kept = append(r.rep.Kept, check)
			} else if err := removeTree(check); err != nil {
				r.log.Warn("could not remove nix's differing output (nix-collect-garbage removes it)", "path", check, "error", err)
			}
		default:
			trees[i] = ""
			pr.NarHashes = append(pr.NarHashes, "")
		}
	}
	r.trees = append(r.trees, trees)
	if differing == nil {
		return r.image(ctx, k, r.root)
	}
	// Every closure path must be under round k's root for the image: copy the unchanged.
	for i, p := range res.Closure {
		if trees[i] == r.trees[0][i] {
			if err := copyTree(trees[i], filepath.Join(roundRoot, filepath.FromSlash(p.Path))); err != nil {
				return fmt.Errorf("verify: round %d: copying %s: %w", k, p.Path, err)
			}
		} else if trees[i] == "" {
			r.log.Warn("nix stopped before checking this output; round's image is not packaged", "round", k, "path", p.Path)
			return r.noImage(k)
		}
	}
	return r.image(ctx, k, roundRoot)
}

// image packages round k's closure, found under root, as kiln build does.
func (r *run) image(ctx context.Context, k int, root string) error {
	opts := r.req.Image
	if opts == nil {
		return nil
	}
	if r.rep.Image == nil {
		r.rep.Image = &ImageResult{Compression: string(opts.Compression), Created: opts.Created.UTC()}
	}
	rootfs, cfg, err := orchestrator.ImageInput(r.req.Spec, r.first, root, opts.Created)
	if err != nil {
		return fmt.Errorf("verify: round %d: %w", k, err)
	}
	img, err := image.Build(ctx, rootfs, cfg, image.Options{Compression: opts.Compression, MTime: opts.Created})
	if err != nil {
		return fmt.Errorf("verify: round %d: %w", k, err)
	}
	info, err := Describe(img)
	if err != nil {
		return fmt.Errorf("verify: round %d: %w", k, err)
	}
	r.log.Info(fmt.Sprintf("verify: round %d image", k), "digest", info.Digest)
	r.rep.Image.Rounds = append(r.rep.Image.Rounds, info)
	return nil
}

// noImage records that round k has no image.
func (r *run) noImage(k int) error {
	if r.rep.Image != nil {
		r.rep.Image.Rounds = append(r.rep.Image.Rounds, ImageInfo{})
	}
	return nil
}

// compare fills in what is the same and what differs.
func (r *run) compare() error {
	for i := range r.rep.Paths {
		pr := &r.rep.Paths[i]
		pr.Same = true
		for k := 1; k < len(pr.NarHashes); k++ {
			if pr.NarHashes[k] == "" || !sameHash(pr.NarHashes[k], pr.NarHashes[0]) {
				pr.Same = false
			}
			a, b := r.trees[0][i], r.trees[k][i]
			if b == "" || b == a || sameHash(pr.NarHashes[k], pr.NarHashes[0]) {
				continue
			}
			files, err := CompareTrees(a, b)
			if err != nil {
				return fmt.Errorf("verify: %w", err)
			}
			pr.Diffs = append(pr.Diffs, TreeDiff{Round: k + 1, Trees: [2]string{a, b}, Files: files})
		}
	}
	if im := r.rep.Image; im != nil {
		im.Same = true
		for k := 1; k < len(im.Rounds); k++ {
			if im.Rounds[k].Digest != im.Rounds[0].Digest {
				im.Same = false
				if im.Rounds[k].Digest != "" {
					if im.Diffs == nil {
						im.Diffs = map[int][]string{}
					}
					im.Diffs[k+1] = CompareImages(im.Rounds[0], im.Rounds[k])
				}
			}
		}
		if want := r.req.Against; want != nil {
			ar := &AgainstResult{Ref: want.Ref, Digest: want.Image.Digest, Same: true, ComparedBy: "manifest digest"}
			if want.Image.ManifestLess {
				ar.ComparedBy = "config digest and layer diff_ids (a docker archive stores no manifest)"
			}
			for _, got := range im.Rounds {
				if !SameImage(want.Image, got) {
					ar.Same = false
				}
			}
			if !SameImage(want.Image, im.Rounds[0]) {
				ar.Diffs = CompareImages(want.Image, im.Rounds[0])
			}
			r.rep.Against = ar
		}
	}
	return nil
}

// host is where store path p lives on this machine.
func (r *run) host(p string) string {
	return filepath.Join(r.root, filepath.FromSlash(p))
}

// storeRoot is the host directory holding nix/store for n's store: "" for the local
// store, the directory of a chroot store given as an absolute path.
func storeRoot(n *nix.Nix) (string, error) {
	switch s := n.Store; {
	case s == "", s == "auto", s == "local", s == "daemon":
		return "", nil
	case strings.HasPrefix(s, "/"):
		return filepath.Clean(s), nil
	default:
		return "", fmt.Errorf("verify: store %q: verify reads rebuilt trees from disk, so it needs the local store or a chroot store given as a directory", s)
	}
}

// sameHash compares two NAR hashes in any of the spellings Nix prints.
func sameHash(a, b string) bool {
	if a == b {
		return true
	}
	ha, errA := cache.ParseHash(a)
	hb, errB := cache.ParseHash(b)
	return errA == nil && errB == nil && ha.Equal(hb)
}

// notDeterministic reports whether nix's log says a --rebuild differed.
func notDeterministic(tail []string) bool {
	for _, l := range tail {
		if strings.Contains(l, "may not be deterministic") {
			return true
		}
	}
	return false
}

// keptBuildRE matches Nix's "note: keeping build directory '/tmp/nix-build-….drv-0'".
var keptBuildRE = regexp.MustCompile(`keeping build directory '([^']+)'`)

// keptBuildDirs returns the build directories nix kept (--keep-failed), only those named
// like nix's (nix-build-…), so nothing else is ever removed. Nix 2.26 may name the "build"
// directory inside its own nix-build-… directory; the whole nix-build-… directory is kept.
func keptBuildDirs(tail []string) []string {
	var out []string
	for _, l := range tail {
		m := keptBuildRE.FindStringSubmatch(l)
		if m == nil || !filepath.IsAbs(m[1]) {
			continue
		}
		dir := path.Clean(m[1])
		if path.Base(dir) == "build" && strings.HasPrefix(path.Base(path.Dir(dir)), "nix-build-") {
			dir = path.Dir(dir)
		}
		if strings.HasPrefix(path.Base(dir), "nix-build-") {
			out = append(out, dir)
		}
	}
	return out
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// removeTree removes p recursively, making read-only directories (store trees are 0555)
// writable first. A missing p is not an error.
func removeTree(p string) error {
	if !exists(p) {
		return nil
	}
	filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(q, 0o755)
		}
		return nil
	})
	return os.RemoveAll(p)
}

// copyTree copies the tree at src to dst (which must not exist): directories, regular
// files with their exec bit, symlinks. Copies stay writable so they can be removed.
func copyTree(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		switch t := d.Type(); {
		case t == fs.ModeDir:
			return os.Mkdir(to, 0o755)
		case t == fs.ModeSymlink:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		case t.IsRegular():
			fi, err := d.Info()
			if err != nil {
				return err
			}
			mode := fs.FileMode(0o644)
			if fi.Mode()&0o100 != 0 {
				mode = 0o755
			}
			return copyFile(p, to, mode)
		}
		return fmt.Errorf("%s: unsupported file type %s", p, d.Type())
	})
}

func copyFile(from, to string, mode fs.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
