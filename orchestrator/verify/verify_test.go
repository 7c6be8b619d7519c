package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kilnbuild/kiln/internal/nar"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator"
	"github.com/kilnbuild/kiln/orchestrator/image"
	"github.com/kilnbuild/kiln/orchestrator/nix"
)

// fakeOut is the store path the fake nix builds.
const fakeOut = "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-haproxy-3.0.11"

// fakeNix stands in for nix 2.8 in a chroot store at root: round k's build writes
// binaries[k-1] as bin/haproxy. A --rebuild whose binary differs from the store's behaves
// as nix 2.8 does with --keep-failed: the new output goes to <out>.check, the build
// directory is kept, and the log says "may not be deterministic".
type fakeNix struct {
	root, tmp  string
	binaries   []string
	failRound  int    // round whose build fails (0: none)
	registered string // narHash path-info reports ("" = the true one)
	noCheck    bool   // a differing rebuild leaves no <out>.check
	phantom    string // a store path the log also says differs, which no derivation here has

	builds     int
	keepFailed []bool // per rebuild: was --keep-failed passed
}

func (f *fakeNix) Run(_ context.Context, c nix.Command) ([]byte, error) {
	args := c.Args
	if len(args) > 2 && args[0] == "--store" {
		args = args[2:]
	}
	say := func(lines ...string) {
		for _, l := range lines {
			fmt.Fprintln(c.Stderr, l)
		}
	}
	out := filepath.Join(f.root, fakeOut)
	switch args[0] {
	case "--version":
		return []byte("nix (Nix) 2.8.0\n"), nil
	case "--check-validity": // the sources and the toolchain's seeds are all valid here
		return nil, nil
	case "--realise": // nix-store --realise --check: the rebuild of every derivation
		args = append([]string{"build", "--rebuild"}, args...)
		fallthrough
	case "build":
		f.builds++
		round := f.builds
		result := fmt.Appendf(nil, `[{"drvPath":"/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-haproxy-3.0.11.drv","outputs":{"out":%q}}]`, fakeOut)
		buildDir := filepath.Join(f.tmp, "nix-build-haproxy-3.0.11.drv-0")
		if round == f.failRound {
			if slices.Contains(args, "--keep-failed") {
				os.MkdirAll(buildDir, 0o755)
				say(fmt.Sprintf("note: keeping build directory '%s'", buildDir))
			}
			say("error: builder for '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-haproxy-3.0.11.drv' failed with exit code 2")
			return nil, errors.New("exit status 1")
		}
		bin := f.binaries[round-1]
		if !slices.Contains(args, "--rebuild") {
			if _, err := os.Stat(out); err != nil {
				writeStoreTree(out, bin)
			}
			drvFile := filepath.Join(f.root, "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-haproxy-3.0.11.drv")
			os.WriteFile(drvFile, fmt.Appendf(nil, `Derive([("out",%q,"","")],[],[],"x86_64-linux","/bin/sh",[],[("name","haproxy-3.0.11")])`, fakeOut), 0o444)
			return result, nil
		}
		f.keepFailed = append(f.keepFailed, slices.Contains(args, "--keep-failed"))
		have, _ := os.ReadFile(filepath.Join(out, "bin", "haproxy"))
		if string(have) == bin {
			return result, nil
		}
		if !f.noCheck {
			writeStoreTree(out+".check", bin)
		}
		os.MkdirAll(filepath.Join(buildDir, "haproxy-3.0.11"), 0o755)
		say("checking outputs of '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-haproxy-3.0.11.drv'...",
			fmt.Sprintf("note: keeping build directory '%s'", buildDir),
			fmt.Sprintf("error: derivation '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-haproxy-3.0.11.drv' may not be deterministic: output '%s' differs from '%s.check'", out, out))
		if f.phantom != "" {
			p := filepath.Join(f.root, f.phantom)
			say(fmt.Sprintf("error: derivation '/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-other.drv' may not be deterministic: output '%s' differs from '%s.check'", p, p))
		}
		return nil, errors.New("exit status 1")
	case "path-info":
		h := f.registered
		if h == "" {
			var err error
			if h, err = nar.Hash(out); err != nil {
				return nil, err
			}
		}
		return json.Marshal([]nix.PathInfo{{Path: fakeOut, NarHash: h, NarSize: 1}})
	}
	return nil, fmt.Errorf("fake nix: unexpected arguments %q", c.Args)
}

// writeStoreTree writes a store path holding bin/haproxy, read-only as nix leaves it.
func writeStoreTree(dir, bin string) {
	os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
	os.WriteFile(filepath.Join(dir, "bin", "haproxy"), []byte(bin), 0o555)
	os.WriteFile(filepath.Join(dir, "README"), []byte("same in every round\n"), 0o444)
	os.Chmod(filepath.Join(dir, "bin"), 0o555)
	os.Chmod(dir, 0o555)
}

type fakeSetup struct {
	fake    *fakeNix
	v       *Verifier
	scratch string
}

func newFake(t *testing.T, binaries ...string) *fakeSetup {
	t.Helper()
	dir := t.TempDir()
	f := &fakeNix{root: filepath.Join(dir, "store"), tmp: filepath.Join(dir, "tmp"), binaries: binaries}
	t.Cleanup(func() { removeTree(f.root) })
	scratch := filepath.Join(dir, "scratch")
	os.MkdirAll(scratch, 0o755)
	p := orchestrator.New(orchestrator.WithNixRunner(f), orchestrator.WithStore(f.root), orchestrator.WithTempDir(t.TempDir()))
	return &fakeSetup{fake: f, v: &Verifier{Pipeline: p, TempDir: scratch}, scratch: scratch}
}

func testRequest(rounds int) Request {
	s := spec.Default()
	// The fake binaries are not hardened: this tests the comparison, not the audit gate.
	s.Build.Hardening = []string{}
	return Request{
		Spec:   s,
		Rounds: rounds,
		Image:  &ImageOptions{Created: time.Unix(1, 0).UTC(), Compression: image.Gzip},
	}
}

func TestRunFakeNix(t *testing.T) {
	elfA := func(nonce string) string {
		return string(makeELF(t, 0x1000, section{name: ".data", typ: 1, data: []byte("HAProxy version 2.6.12-nonce-" + nonce + "\x00")}))
	}
	v1, v2 := elfA("1795733203006593856"), elfA("1795733258123456789")
	cases := []struct {
		name       string
		binaries   []string
		rounds     int
		same       bool
		diffRounds []int // rounds whose tree differs from round 1
	}{
		{name: "reproducible, 2 rounds", binaries: []string{v1, v1}, rounds: 2, same: true},
		{name: "reproducible, 3 rounds", binaries: []string{v1, v1, v1}, rounds: 3, same: true},
		{name: "round 2 differs", binaries: []string{v1, v2}, rounds: 2, diffRounds: []int{2}},
		{name: "only round 3 differs", binaries: []string{v1, v1, v2}, rounds: 3, diffRounds: []int{3}},
		{name: "rounds 2 and 3 differ", binaries: []string{v1, v2, v2 + "x"}, rounds: 3, diffRounds: []int{2, 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := newFake(t, c.binaries...)
			rep, err := fs.v.Run(context.Background(), testRequest(c.rounds))
			if err != nil {
				t.Fatal(err)
			}
			if fs.fake.builds != c.rounds {
				t.Errorf("%d builds, want %d", fs.fake.builds, c.rounds)
			}
			if slices.Contains(fs.fake.keepFailed, false) {
				t.Errorf("a rebuild ran without --keep-failed")
			}
			if rep.Reproducible != c.same || rep.Image.Same != c.same || len(rep.Paths) != 1 || rep.Paths[0].Same != c.same {
				t.Fatalf("reproducible %v, image same %v, paths %+v; want %v", rep.Reproducible, rep.Image.Same, rep.Paths, c.same)
			}
			p := rep.Paths[0]
			if p.Path != fakeOut || !p.Rebuilt || len(p.NarHashes) != c.rounds || len(rep.Image.Rounds) != c.rounds {
				t.Fatalf("path %+v, %d images", p, len(rep.Image.Rounds))
			}
			var got []int
			for _, d := range p.Diffs {
				got = append(got, d.Round)
				if len(d.Files) != 1 || d.Files[0].Path != "bin/haproxy" {
					t.Errorf("round %d: files %+v, want bin/haproxy alone", d.Round, d.Files)
				}
				if d.Trees != [2]string{} {
					t.Errorf("round %d: trees %v reported though they were removed", d.Round, d.Trees)
				}
				if h := p.NarHashes[d.Round-1]; h == p.NarHashes[0] || !strings.HasPrefix(h, "sha256-") {
					t.Errorf("round %d hash %q vs round 1 %q", d.Round, h, p.NarHashes[0])
				}
			}
			if !slices.Equal(got, c.diffRounds) {
				t.Errorf("differing rounds %v, want %v", got, c.diffRounds)
			}
			for k := 1; k < c.rounds; k++ {
				imgSame := rep.Image.Rounds[k].Digest == rep.Image.Rounds[0].Digest
				if imgSame == slices.Contains(c.diffRounds, k+1) {
					t.Errorf("round %d image same %v", k+1, imgSame)
				}
			}
			// Nothing is left behind: no <out>.check, no kept build dir, no scratch copies.
			if _, err := os.Lstat(filepath.Join(fs.fake.root, fakeOut) + ".check"); err == nil {
				t.Errorf("<out>.check left in the store")
			}
			if left, _ := os.ReadDir(fs.fake.tmp); len(left) > 0 {
				t.Errorf("nix build dir left: %v", left)
			}
			if left, _ := os.ReadDir(fs.scratch); len(left) > 0 {
				t.Errorf("scratch left: %v", left)
			}
			var text bytes.Buffer
			if err := rep.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			if c.same != !strings.Contains(text.String(), "DIFFERENT") {
				t.Errorf("text report:\n%s", text.String())
			}
			if !c.same && !strings.Contains(rep.Summary(), "haproxy-3.0.11 ("+fakeOut+") differs between rounds: bin/haproxy (ELF sections .data)") {
				t.Errorf("summary %q", rep.Summary())
			}
		})
	}
}

func TestRunFakeNixKeepFailed(t *testing.T) {
	fs := newFake(t, "one", "two")
	req := testRequest(2)
	req.KeepFailed = true
	rep, err := fs.v.Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer removeTree(rep.ScratchDir)
	check := filepath.Join(fs.fake.root, fakeOut) + ".check"
	buildDir := filepath.Join(fs.fake.tmp, "nix-build-haproxy-3.0.11.drv-0")
	for _, want := range []string{check, buildDir, rep.ScratchDir} {
		if !slices.Contains(rep.Kept, want) {
			t.Errorf("kept %v lacks %s", rep.Kept, want)
		}
		if _, err := os.Stat(want); err != nil {
			t.Errorf("%s was not kept: %v", want, err)
		}
	}
	d := rep.Paths[0].Diffs[0]
	if d.Trees[0] != filepath.Join(fs.fake.root, fakeOut) || !strings.HasPrefix(d.Trees[1], rep.ScratchDir) {
		t.Errorf("trees %v", d.Trees)
	}
	data, err := os.ReadFile(filepath.Join(d.Trees[1], "bin", "haproxy"))
	if err != nil || string(data) != "two" {
		t.Errorf("round 2's copy holds %q, %v", data, err)
	}
	if d.Files[0].First == nil || d.Files[0].First.A != "one" || d.Files[0].First.B != "two" {
		t.Errorf("first difference %+v", d.Files[0].First)
	}
}

func TestRunFakeNixAgainst(t *testing.T) {
	fs := newFake(t, "same", "same")
	rep, err := fs.v.Run(context.Background(), testRequest(2))
	if err != nil || !rep.Reproducible {
		t.Fatalf("%v, %+v", err, rep)
	}
	built := rep.Image.Rounds[0]

	cases := []struct {
		name   string
		rounds int
		want   ImageInfo
		same   bool
		diffs  []string // substrings of Against.Diffs
	}{
		{name: "digest", rounds: 2, want: ImageInfo{Digest: built.Digest}, same: true},
		{name: "one round", rounds: 1, want: ImageInfo{Digest: built.Digest}, same: true},
		{name: "wrong digest", rounds: 1, want: ImageInfo{Digest: "sha256:" + strings.Repeat("0", 64)}, diffs: []string{"manifest digest: sha256:0000", "only the digest is known"}},
		{name: "whole image", rounds: 1, want: built, same: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs.fake.builds = 0
			fs.fake.binaries = []string{"same", "same"}
			req := testRequest(c.rounds)
			req.Against = &Expected{Ref: "test", Image: c.want}
			rep, err := fs.v.Run(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Against == nil || rep.Against.Same != c.same || rep.Reproducible != c.same {
				t.Fatalf("against %+v, reproducible %v; want same %v", rep.Against, rep.Reproducible, c.same)
			}
			for _, w := range c.diffs {
				if !slices.ContainsFunc(rep.Against.Diffs, func(d string) bool { return strings.Contains(d, w) }) {
					t.Errorf("diffs %q lack %q", rep.Against.Diffs, w)
				}
			}
			if !c.same && !strings.Contains(rep.Summary(), "is not --against test") {
				t.Errorf("summary %q", rep.Summary())
			}
		})
	}
}

func TestRunFakeNixErrors(t *testing.T) {
	t.Run("round 2 fails to build", func(t *testing.T) {
		fs := newFake(t, "a", "a")
		fs.fake.failRound = 2
		_, err := fs.v.Run(context.Background(), testRequest(2))
		if err == nil || !strings.Contains(err.Error(), "round 2") || !strings.Contains(err.Error(), "failed with exit code 2") {
			t.Fatalf("error %v", err)
		}
		if left, _ := os.ReadDir(fs.fake.tmp); len(left) > 0 {
			t.Errorf("nix's kept build dir left: %v", left)
		}
	})
	t.Run("one round, nothing to compare", func(t *testing.T) {
		fs := newFake(t, "a")
		if _, err := fs.v.Run(context.Background(), testRequest(1)); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("store registered another hash", func(t *testing.T) {
		fs := newFake(t, "a", "a")
		fs.fake.registered = "sha256-" + strings.Repeat("A", 43) + "="
		rep, err := fs.v.Run(context.Background(), testRequest(2))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Reproducible || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "nix store verify --repair") {
			t.Fatalf("reproducible %v, problems %q", rep.Reproducible, rep.Problems)
		}
	})
	// Every output nix says differs is compared, or verify fails: none counts as the
	// same as round 1 for want of something to compare.
	t.Run("a differing output without <out>.check", func(t *testing.T) {
		fs := newFake(t, "a", "b")
		fs.fake.noCheck = true
		_, err := fs.v.Run(context.Background(), testRequest(2))
		if err == nil || !strings.Contains(err.Error(), "the rebuild of "+fakeOut+" differs but left no") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("a differing output verify did not rebuild", func(t *testing.T) {
		fs := newFake(t, "a", "b")
		fs.fake.phantom = "/nix/store/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-other"
		_, err := fs.v.Run(context.Background(), testRequest(2))
		if err == nil || !strings.Contains(err.Error(), "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-other differs, which is not an output") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("remote store", func(t *testing.T) {
		fs := newFake(t, "a", "a")
		fs.v.Pipeline = orchestrator.New(orchestrator.WithNixRunner(fs.fake), orchestrator.WithStore("ssh://builder"))
		if _, err := fs.v.Run(context.Background(), testRequest(2)); err == nil || !strings.Contains(err.Error(), "local store") {
			t.Fatalf("error %v", err)
		}
	})
}
