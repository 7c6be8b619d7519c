// Package verify proves a spec's build reproducible: it builds the spec, rebuilds it —
// every derivation of the build graph that is not a fixed-output fetch (the libraries, the
// toolchain's steps, the package), or with Shallow only the package — and compares every
// output's NAR hash and the packaged image's digest across rounds, with a round in a fresh
// store built from the sources alone, and with a published image. When something differs
// it says what: the derivation, the files in its output, for ELF files the sections, for
// static libraries the member objects and their sections.
//
// Nix checks a rebuild itself: `nix-store --realise --check` builds each derivation again
// in a fresh sandbox, with its inputs from the store, and reports "may not be
// deterministic: output '<out>' differs" when the new output's NAR hash is not the
// registered one; with --keep-failed it moves the new output to <out>.check (not a valid
// store path) and keeps the build directory. verify reads that tree, copies it into its
// own scratch directory, and removes both.
package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kilnbuild/kiln/internal/drv"
	"github.com/kilnbuild/kiln/internal/nar"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator"
	"github.com/kilnbuild/kiln/orchestrator/nix"
	"github.com/kilnbuild/kiln/orchestrator/publish"
)

// Verifier builds a spec several times and compares the results.
type Verifier struct {
	// Pipeline runs the builds and packages the images, exactly as kiln build does. Its
	// store must be the local store or a chroot store given as a directory, since the
	// rebuilt trees are read from disk.
	Pipeline *orchestrator.Pipeline
	// TempDir is where the differing rounds' trees (and a fresh store) go (default
	// os.TempDir()).
	TempDir string
}

// Request is one verification.
type Request struct {
	// Spec is what is built.
	Spec *spec.Spec
	// Rounds is how many times the spec is built in the pipeline's store: one build, then
	// Rounds-1 rebuilds (default 2). With 1, nothing is rebuilt there.
	Rounds int
	// Shallow rebuilds only the package's own derivation in later rounds, taking the
	// libraries and the toolchain from the store as round 1 left them; by default every
	// derivation that is not a fixed-output fetch is rebuilt.
	Shallow bool
	// FreshStore adds a round that builds everything from the sources alone in a new,
	// empty store (nothing borrowed from the pipeline's store but the pinned downloads).
	FreshStore bool
	// FreshStoreDir is where that store is made (default: a temporary directory, removed
	// afterwards; a directory given here is kept). It must be empty or not exist.
	FreshStoreDir string
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
type ImageOptions = orchestrator.PackageOptions

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
	// Rounds is the number of builds compared (the fresh-store round included).
	Rounds int `json:"rounds"`
	// RoundNames names each round: "1", "2", …, "fresh store".
	RoundNames []string `json:"round_names"`
	// Depth is "deep" (every derivation rebuilt) or "shallow" (the package only).
	Depth string `json:"depth"`
	// Method says how rounds after the first were built.
	Method string `json:"method"`
	// Paths has one entry per output of a rebuilt derivation and per closure path, in
	// build order.
	Paths []PathResult `json:"paths"`
	// Image has the image digest per round (nil without Request.Image).
	Image *ImageResult `json:"image,omitempty"`
	// Against is the comparison with the published image (nil without Request.Against).
	Against *AgainstResult `json:"against,omitempty"`
	// Problems are findings that are not a difference between rounds (a corrupt store).
	Problems []string `json:"problems,omitempty"`
	// Reproducible is true when every path, every image and Against match.
	Reproducible bool `json:"reproducible"`
	// Seconds is how long each round took.
	Seconds []float64 `json:"seconds"`
	// ScratchDir holds the copied trees when KeepTrees or KeepFailed is set.
	ScratchDir string `json:"scratch_dir,omitempty"`
	// Kept lists what KeepFailed kept.
	Kept []string `json:"kept,omitempty"`
}

// PathResult is one store path across rounds.
type PathResult struct {
	// Path is the store path.
	Path string `json:"path"`
	// Derivation is the .drv whose output it is ("" for a closure path kiln did not see
	// being built).
	Derivation string `json:"derivation,omitempty"`
	// Name is the derivation's name (haproxy-3.0.11, lua-5.4.7, …).
	Name string `json:"name,omitempty"`
	// InImage is true for the closure paths the image carries.
	InImage bool `json:"in_image"`
	// Rebuilt is true when later rounds rebuilt it; the others are compared only to the
	// store's record (and, in a fresh store, built there like everything else).
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
	// Round is the round compared with round 1 (1-based, as in RoundNames).
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

// Run builds req.Spec and rebuilds it as req asks, and compares the rounds. A build that
// fails is an error; rounds that differ are not: they are in the report, with
// Reproducible false.
func (v *Verifier) Run(ctx context.Context, req Request) (*Report, error) {
	log := v.Pipeline.Logger()
	rounds := req.Rounds
	if rounds == 0 {
		rounds = 2
	}
	if rounds < 1 {
		return nil, fmt.Errorf("verify: %d rounds: want at least 1", rounds)
	}
	if rounds == 1 && req.Against == nil && !req.FreshStore {
		return nil, errors.New("verify: one round compares nothing: rebuild (2 rounds or more), add a fresh-store round, or give an image to compare with")
	}
	if req.Against != nil && req.Image == nil {
		return nil, errors.New("verify: comparing with a published image needs the image packaged (Request.Image)")
	}
	if req.FreshStoreDir != "" {
		req.FreshStore = true
		if entries, err := os.ReadDir(req.FreshStoreDir); err == nil && len(entries) > 0 {
			return nil, fmt.Errorf("verify: fresh store %s is not empty: give a new directory (the round must borrow nothing)", req.FreshStoreDir)
		}
	}
	root, err := storeRoot(v.Pipeline)
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
		Depth:     "deep",
		Method:    "round 1: nix build (the store's result if it has one); rounds 2…: nix-store --realise --check --keep-going, every derivation of the build graph that is not a fixed-output fetch rebuilt in a new sandbox with its inputs from the store, and compared by nix and by NAR hash",
	}
	if req.Shallow {
		rep.Depth = "shallow"
		rep.Method = "round 1: nix build (the store's result if it has one); rounds 2…: nix-store --realise --check of the package's own derivation only (libraries and toolchain as round 1 left them)"
	}
	if req.FreshStore {
		rep.Method += "; fresh store: everything built again from the pinned sources in a new, empty Nix store"
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
	checked []string   // the derivations later rounds rebuild, in build order
	trees   [][]string // per round, per path: the host directory holding it ("" = none)
}

// all runs every round, then compares.
func (r *run) all(ctx context.Context, rounds int) error {
	start := time.Now()
	r.log.Info("verify: round 1: building", "rounds", rounds, "depth", r.rep.Depth, "fresh_store", r.req.FreshStore)
	res, err := r.v.Pipeline.Build(ctx, r.req.Spec, orchestrator.BuildOptions{})
	if err != nil {
		return fmt.Errorf("verify: round 1: %w", err)
	}
	r.first = res
	r.rep.NixVersion = res.NixVersion
	if err := r.paths(res); err != nil {
		return err
	}
	tree1 := make([]string, len(r.rep.Paths))
	for i := range r.rep.Paths {
		pr := &r.rep.Paths[i]
		tree1[i] = r.host(pr.Path)
		h, err := nar.Hash(tree1[i])
		if err != nil {
			return fmt.Errorf("verify: round 1: %w", err)
		}
		if reg := r.registered(pr.Path); reg != "" && !nar.SameHash(h, reg) {
			r.rep.Problems = append(r.rep.Problems, fmt.Sprintf("%s: its files hash to %s but the store registered %s: the store copy is corrupt or was modified (nix store verify --repair %s)", pr.Path, h, reg, pr.Path))
		}
		pr.NarHashes = []string{h}
	}
	r.trees = append(r.trees, tree1)
	r.rep.RoundNames = append(r.rep.RoundNames, "1")
	if err := r.image(ctx, 1, r.v.Pipeline, res, r.root); err != nil {
		return err
	}
	r.done(1, start)

	for k := 2; k <= rounds; k++ {
		start := time.Now()
		r.log.Info(fmt.Sprintf("verify: round %d/%d: rebuilding %d derivation(s) from scratch", k, rounds, len(r.checked)))
		r.rep.RoundNames = append(r.rep.RoundNames, fmt.Sprint(k))
		if err := r.rebuild(ctx, k); err != nil {
			return err
		}
		r.done(k, start)
	}
	if r.req.FreshStore {
		start := time.Now()
		k := len(r.trees) + 1
		r.rep.RoundNames = append(r.rep.RoundNames, "fresh store")
		if err := r.fresh(ctx, k); err != nil {
			return err
		}
		r.done(k, start)
	}
	r.rep.Rounds = len(r.trees)
	return r.compare()
}

func (r *run) done(k int, start time.Time) {
	sec := time.Since(start).Seconds()
	r.rep.Seconds = append(r.rep.Seconds, sec)
	r.log.Info(fmt.Sprintf("verify: round %s done", r.rep.RoundNames[k-1]), "seconds", int(sec))
}

// paths lists what is compared: every output of the derivations later rounds rebuild (the
// whole non-fixed-output graph, or the package's own derivation when shallow), in build
// order, then the closure paths not among them.
func (r *run) paths(res *orchestrator.Result) error {
	inImage := map[string]bool{}
	for _, p := range res.ClosurePaths() {
		inImage[p] = true
	}
	seen := map[string]bool{}
	add := func(pr PathResult) {
		if !seen[pr.Path] {
			seen[pr.Path] = true
			pr.InImage = inImage[pr.Path]
			r.rep.Paths = append(r.rep.Paths, pr)
		}
	}
	read := func(p string) ([]byte, error) { return os.ReadFile(r.host(p)) }
	for _, top := range res.DrvPaths {
		nodes := []drv.Node{}
		if r.req.Shallow {
			data, err := read(top)
			if err != nil {
				return fmt.Errorf("verify: reading %s: %w", top, err)
			}
			d, err := drv.Parse(data)
			if err != nil {
				return fmt.Errorf("verify: %s: %w", top, err)
			}
			nodes = append(nodes, drv.Node{Path: top, Derivation: d})
		} else {
			var err error
			if nodes, err = drv.Graph(top, read); err != nil {
				return fmt.Errorf("verify: reading the build graph: %w", err)
			}
		}
		for _, n := range nodes {
			if n.FixedOutput() || slices.Contains(r.checked, n.Path) {
				continue
			}
			r.checked = append(r.checked, n.Path)
			for _, out := range n.OutputPaths() {
				add(PathResult{Path: out, Derivation: n.Path, Name: n.Name(), Rebuilt: true})
			}
		}
	}
	for _, p := range res.ClosurePaths() {
		add(PathResult{Path: p})
	}
	return nil
}

// registered is the NAR hash the store registered for p ("" when kiln did not ask).
func (r *run) registered(p string) string {
	for _, c := range r.first.Closure {
		if c.Path == p {
			return c.NarHash
		}
	}
	return ""
}

// rebuild runs round k: nix-store --realise --check of every derivation to check, then
// reads the differing outputs nix left at <out>.check.
func (r *run) rebuild(ctx context.Context, k int) error {
	for _, pr := range r.rep.Paths {
		// A stale <out>.check from an earlier run would pass for this round's result.
		if err := removeTree(r.host(pr.Path) + ".check"); err != nil {
			return fmt.Errorf("verify: round %d: removing a stale %s.check: %w", k, pr.Path, err)
		}
	}
	act := &nix.Activity{}
	err := r.v.Pipeline.Nix(r.req.Spec).Check(ctx, r.checked, true, act)
	for _, dir := range act.Kept {
		if r.req.KeepFailed {
			r.rep.Kept = append(r.rep.Kept, dir)
		} else if err := removeTree(dir); err != nil {
			r.log.Warn("could not remove nix's kept build directory", "dir", dir, "error", err)
		}
	}
	differing := map[string]string{} // output → host dir of its rebuild
	if err != nil {
		var nd *nix.NotDeterministicError
		if !errors.As(err, &nd) {
			return fmt.Errorf("verify: round %d: %w", k, err)
		}
		// Every output nix says differs is compared: one that could not be would
		// otherwise count as the same as round 1.
		for _, d := range nd.Differs {
			check := d.Check
			if check == "" {
				check = d.Output + ".check"
			}
			found := false
			for _, pr := range r.rep.Paths {
				if r.host(pr.Path) != d.Output {
					continue
				}
				if !exists(check) {
					return fmt.Errorf("verify: round %d: nix says the rebuild of %s differs but left no %s to compare: %w", k, pr.Path, check, err)
				}
				differing[pr.Path], found = check, true
			}
			if !found {
				return fmt.Errorf("verify: round %d: nix says %s differs, which is not an output of the derivations verify rebuilt: %w", k, d.Output, err)
			}
		}
		if len(differing) == 0 {
			return fmt.Errorf("verify: round %d: nix says a rebuild differs but names no output to compare: %w", k, err)
		}
	}

	// Round k's tree of each path: the store path itself when nix found the rebuild
	// bit-identical (nix discards it then), else a copy of <out>.check placed at the store
	// path's name under round k's own root, so the image can be packaged from it.
	roundRoot := filepath.Join(r.scratch, fmt.Sprintf("round-%d", k))
	trees := make([]string, len(r.rep.Paths))
	for i := range r.rep.Paths {
		pr := &r.rep.Paths[i]
		check, differs := differing[pr.Path]
		if !differs {
			trees[i] = r.trees[0][i]
			pr.NarHashes = append(pr.NarHashes, pr.NarHashes[0])
			continue
		}
		dst := filepath.Join(roundRoot, filepath.FromSlash(pr.Path))
		if err := copyTree(check, dst); err != nil {
			return fmt.Errorf("verify: round %d: copying %s: %w", k, check, err)
		}
		h, err := nar.Hash(dst)
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
	}
	r.trees = append(r.trees, trees)
	imageRoot := r.root
	for i, pr := range r.rep.Paths {
		if !pr.InImage {
			continue
		}
		if trees[i] != r.trees[0][i] {
			imageRoot = roundRoot
		}
	}
	if imageRoot == roundRoot {
		// Every closure path must be under round k's root for the image: copy the unchanged.
		for i, pr := range r.rep.Paths {
			if pr.InImage && trees[i] == r.trees[0][i] {
				if err := copyTree(trees[i], filepath.Join(roundRoot, filepath.FromSlash(pr.Path))); err != nil {
					return fmt.Errorf("verify: round %d: copying %s: %w", k, pr.Path, err)
				}
			}
		}
	}
	return r.image(ctx, k, r.v.Pipeline, r.first, imageRoot)
}

// fresh runs round k in a new, empty store: everything is built from the pinned sources
// (the only paths copied in), nothing is taken from the pipeline's store.
func (r *run) fresh(ctx context.Context, k int) error {
	dir := r.req.FreshStoreDir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp(r.v.TempDir, "kiln-verify-store-"); err != nil {
			return fmt.Errorf("verify: fresh store: %w", err)
		}
		if r.req.KeepFailed {
			r.rep.Kept = append(r.rep.Kept, dir)
		} else {
			defer removeTree(dir)
		}
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	r.log.Info("verify: fresh store round: building everything from the sources", "store", dir)
	p := r.v.Pipeline.With(orchestrator.WithStore(dir))
	res, err := p.Build(ctx, r.req.Spec, orchestrator.BuildOptions{})
	if err != nil {
		return fmt.Errorf("verify: fresh store round: %w", err)
	}
	trees := make([]string, len(r.rep.Paths))
	for i := range r.rep.Paths {
		pr := &r.rep.Paths[i]
		host := filepath.Join(dir, filepath.FromSlash(pr.Path))
		if !exists(host) {
			pr.NarHashes = append(pr.NarHashes, "")
			continue
		}
		h, err := nar.Hash(host)
		if err != nil {
			return fmt.Errorf("verify: fresh store round: %w", err)
		}
		trees[i] = host
		pr.NarHashes = append(pr.NarHashes, h)
	}
	r.trees = append(r.trees, trees)
	if err := r.image(ctx, k, p, res, dir); err != nil {
		return err
	}
	if r.req.FreshStoreDir == "" && !r.req.KeepFailed {
		// The trees go with the store: compare what differs now.
		return r.compareRound(len(r.trees) - 1)
	}
	return nil
}

// image packages round k's closure, found under root, as kiln build does.
func (r *run) image(ctx context.Context, k int, p *orchestrator.Pipeline, res *orchestrator.Result, root string) error {
	opts := r.req.Image
	if opts == nil {
		return nil
	}
	if r.rep.Image == nil {
		r.rep.Image = &ImageResult{Compression: string(opts.Compression.OrDefault()), Created: opts.Created.UTC()}
	}
	po := *opts
	po.Root = root
	img, err := p.Package(ctx, res, po)
	if err != nil {
		return fmt.Errorf("verify: round %d: %w", k, err)
	}
	desc, err := publish.Describe(ctx, img.Image)
	if err != nil {
		return fmt.Errorf("verify: round %d: %w", k, err)
	}
	info := imageInfo(desc)
	r.log.Info(fmt.Sprintf("verify: round %d image", k), "digest", info.Digest)
	r.rep.Image.Rounds = append(r.rep.Image.Rounds, info)
	return nil
}

// compare fills in what is the same and what differs.
func (r *run) compare() error {
	for k := 1; k < len(r.trees); k++ {
		if err := r.compareRound(k); err != nil {
			return err
		}
	}
	for i := range r.rep.Paths {
		pr := &r.rep.Paths[i]
		pr.Same = true
		for k := 1; k < len(pr.NarHashes); k++ {
			if pr.NarHashes[k] == "" || !nar.SameHash(pr.NarHashes[k], pr.NarHashes[0]) {
				pr.Same = false
			}
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

// compareRound explains, once, how round k+1's trees differ from round 1's.
func (r *run) compareRound(k int) error {
	for i := range r.rep.Paths {
		pr := &r.rep.Paths[i]
		if k >= len(pr.NarHashes) || slices.ContainsFunc(pr.Diffs, func(d TreeDiff) bool { return d.Round == k+1 }) {
			continue
		}
		a, b := r.trees[0][i], r.trees[k][i]
		if b == "" || b == a || nar.SameHash(pr.NarHashes[k], pr.NarHashes[0]) {
			continue
		}
		files, err := CompareTrees(a, b)
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		d := TreeDiff{Round: k + 1, Files: files}
		if strings.HasPrefix(b, r.scratch) {
			d.Trees = [2]string{a, b}
		}
		pr.Diffs = append(pr.Diffs, d)
	}
	return nil
}

// host is where store path p lives on this machine.
func (r *run) host(p string) string {
	return filepath.Join(r.root, filepath.FromSlash(p))
}

// storeRoot is the host directory holding nix/store for the pipeline's store: "" for the
// local store, the directory of a chroot store given as an absolute path.
func storeRoot(p *orchestrator.Pipeline) (string, error) {
	switch s := p.Store(); {
	case s == "", s == "auto", s == "local", s == "daemon":
		return "", nil
	case strings.HasPrefix(s, "/"):
		return filepath.Clean(s), nil
	default:
		return "", fmt.Errorf("verify: store %q: verify reads rebuilt trees from disk, so it needs the local store or a chroot store given as a directory", s)
	}
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
