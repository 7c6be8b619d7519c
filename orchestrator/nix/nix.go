package nix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// MinVersion is the oldest nix kiln drives (Debian 12's nix-bin).
const MinVersion = "2.8.0"

// Nix drives the nix programs (nix, and nix-store where the new CLI has no equivalent).
type Nix struct {
	runner Runner
	bin    string
	env    []string
	store  string
	log    io.Writer
	tail   int
}

// Option configures a Nix.
type Option func(*Nix)

// WithRunner runs the processes through r (default ExecRunner).
func WithRunner(r Runner) Option { return func(n *Nix) { n.runner = r } }

// WithBin is the nix program (default "nix", found on PATH). nix-store is taken from the
// same directory.
func WithBin(bin string) Option { return func(n *Nix) { n.bin = bin } }

// WithEnv is the whole environment nix runs with (default none: an empty environment).
// Build it with Environ so kiln's own settings are in NIX_CONFIG.
func WithEnv(env []string) Option { return func(n *Nix) { n.env = env } }

// WithStore passes --store to every command (default: the local store).
func WithStore(store string) Option { return func(n *Nix) { n.store = store } }

// WithLog receives nix's stderr (build progress and logs) as it happens (default discard).
func WithLog(w io.Writer) Option { return func(n *Nix) { n.log = w } }

// WithTailLines is how many log lines a failure carries (default 25).
func WithTailLines(lines int) Option { return func(n *Nix) { n.tail = lines } }

// New returns a Nix with opts applied over the defaults.
func New(opts ...Option) *Nix {
	n := &Nix{runner: ExecRunner{}, bin: "nix", env: []string{}, log: io.Discard, tail: 25}
	for _, o := range opts {
		o(n)
	}
	return n
}

// Store is the --store the commands use ("" = the local store).
func (n *Nix) Store() string { return n.store }

// sibling is another nix program installed next to the nix binary.
func (n *Nix) sibling(name string) string {
	if strings.Contains(n.bin, "/") {
		return filepath.Join(filepath.Dir(n.bin), name)
	}
	return name
}

// run runs nix with args (plus --store), returning stdout, or an *Error with the log's tail.
func (n *Nix) run(ctx context.Context, op string, onLine func(string), args ...string) ([]byte, error) {
	return n.exec(ctx, op, n.bin, n.withStore(args), onLine)
}

func (n *Nix) withStore(args []string) []string {
	if n.store == "" {
		return args
	}
	return append([]string{"--store", n.store}, args...)
}

// exec runs one nix program; every invocation goes through here.
func (n *Nix) exec(ctx context.Context, op, name string, args []string, onLine func(string)) ([]byte, error) {
	t := newTail(n.log, n.tail)
	t.onLine = onLine
	out, err := n.runner.Run(ctx, Command{Name: name, Args: args, Env: n.env, Stderr: t})
	if err == nil {
		return out, nil
	}
	var pe *fs.PathError
	if errors.Is(err, exec.ErrNotFound) || errors.As(err, &pe) && pe.Op == "fork/exec" && errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("running %s: %w", name, ErrNotInstalled)
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%s: %w", op, context.Cause(ctx))
	}
	e := &Error{Op: op, Args: args, ExitCode: -1, Tail: t.Lines(), Err: err}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		e.ExitCode = ee.ExitCode()
	}
	return nil, e
}

var versionRE = regexp.MustCompile(`\b(\d+)\.(\d+)(?:\.(\d+))?`)

// Version returns nix's version ("2.8.0") and checks it is at least MinVersion.
func (n *Nix) Version(ctx context.Context) (string, error) {
	out, err := n.exec(ctx, "checking nix version", n.bin, []string{"--version"}, nil)
	if err != nil {
		return "", err
	}
	m := versionRE.FindStringSubmatch(string(out))
	if m == nil {
		return "", fmt.Errorf("checking nix version: cannot read %q", strings.TrimSpace(string(out)))
	}
	v := m[0]
	if compareVersions(v, MinVersion) < 0 {
		return v, fmt.Errorf("nix %s is too old: kiln needs nix >= %s (flakes, nix build --json)", v, MinVersion)
	}
	return v, nil
}

func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < 3; i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// BuildOptions tune one nix build.
type BuildOptions struct {
	// Rebuild builds again although the outputs are valid, and fails if the result differs
	// (nix build --rebuild): the reproducibility check.
	Rebuild bool
	// KeepFailed keeps the build directory of a failed build and, with Rebuild, moves a
	// differing output to <out>.check (--keep-failed).
	KeepFailed bool
	// Offline disables every substituter for this build (a binary cache known to be gone).
	Offline bool
	// Activity, when set, is filled with what nix built and what it substituted.
	Activity *Activity
}

func (o BuildOptions) args() []string {
	var args []string
	if o.Rebuild {
		args = append(args, "--rebuild")
	}
	if o.KeepFailed {
		args = append(args, "--keep-failed")
	}
	if o.Offline {
		args = append(args, "--option", "substituters", "")
	}
	return args
}

// BuildResult is one built derivation.
type BuildResult struct {
	DrvPath string            `json:"drvPath"`
	Outputs map[string]string `json:"outputs"`
}

// Build builds installable (e.g. path:/tmp/flake#default) and returns what nix built.
// Build logs stream to the log writer as they happen (-L). A --rebuild whose result
// differs fails with a *NotDeterministicError.
func (n *Nix) Build(ctx context.Context, installable string, opts BuildOptions) ([]BuildResult, error) {
	args := append([]string{"build", "--json", "--no-link", "-L"}, opts.args()...)
	args = append(args, installable)
	act := opts.Activity
	if act == nil {
		act = &Activity{}
	}
	out, err := n.run(ctx, "building "+installable, act.observe, args...)
	if err != nil {
		var ne *Error
		if errors.As(err, &ne) {
			ne.Kept = append([]string(nil), act.Kept...)
		}
		return nil, act.explain(err)
	}
	var res []BuildResult
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("reading nix build --json output: %w", err)
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("building %s: nix reported no outputs", installable)
	}
	return res, nil
}

// OutPaths lists every output path of results, sorted.
func OutPaths(results []BuildResult) []string {
	var paths []string
	for _, r := range results {
		for _, p := range r.Outputs {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	return paths
}

// PathInfo is one store path as nix path-info --json describes it.
type PathInfo struct {
	Path       string   `json:"path"`
	NarHash    string   `json:"narHash"`
	NarSize    int64    `json:"narSize"`
	References []string `json:"references"`
	Deriver    string   `json:"deriver,omitempty"`
	Signatures []string `json:"signatures,omitempty"`
	CA         string   `json:"ca,omitempty"`
}

// Closure returns every store path paths depend on, themselves included, sorted by path.
func (n *Nix) Closure(ctx context.Context, paths ...string) ([]PathInfo, error) {
	args := append([]string{"path-info", "--recursive", "--json"}, paths...)
	out, err := n.run(ctx, "querying closure", nil, args...)
	if err != nil {
		return nil, err
	}
	return ParsePathInfo(out)
}

// AddFile adds file to the store as a flat, sha256 fixed-output path called name — the
// same path a fetchurl of a URL ending in name with that file's hash produces.
func (n *Nix) AddFile(ctx context.Context, name, file string) (string, error) {
	out, err := n.run(ctx, "adding "+file+" to the store", nil, "store", "add-file", "--name", name, file)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// PackageOutPaths returns the output path of every package a flake offers for system
// (packages.<system>.*), sorted, without building anything — so a binary cache can be
// asked about them first.
func (n *Nix) PackageOutPaths(ctx context.Context, flake, system string) ([]string, error) {
	attr := flake + "#packages." + system
	out, err := n.run(ctx, "evaluating "+attr, nil, "eval", "--json", attr,
		"--apply", "ps: map (name: ps.${name}.outPath) (builtins.attrNames ps)")
	if err != nil {
		return nil, err
	}
	var paths []string
	if err := json.Unmarshal(out, &paths); err != nil {
		return nil, fmt.Errorf("reading nix eval output: %w", err)
	}
	sort.Strings(paths)
	return slices.Compact(paths), nil
}

// BuildTimeClosure lists the valid store paths a derivation's build used and produced:
// sources, recipe files, dependency outputs and the outputs themselves — what a binary
// cache needs so the next build neither fetches nor compiles anything.
func (n *Nix) BuildTimeClosure(ctx context.Context, drvPath string) ([]string, error) {
	out, err := n.exec(ctx, "querying build-time closure", n.sibling("nix-store"),
		n.withStore([]string{"--query", "--requisites", "--include-outputs", drvPath}), nil)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			paths = append(paths, l)
		}
	}
	sort.Strings(paths)
	return paths, nil
}

// Copy copies paths (and their closures) to a binary cache URL such as
// file:///srv/cache?compression=zstd&secret-key=/path/sk; paths already there are skipped.
func (n *Nix) Copy(ctx context.Context, to string, paths ...string) error {
	args := append([]string{"copy", "--to", to}, paths...)
	_, err := n.run(ctx, "copying to "+redactURL(to), nil, args...)
	return err
}

// redactURL hides query parameters (secret-key paths, credentials) in messages.
func redactURL(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i] + "?…"
	}
	return u
}

// Invalid returns the paths that are not valid in the store (absent, or present but not
// registered).
func (n *Nix) Invalid(ctx context.Context, paths ...string) ([]string, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	args := append([]string{"--check-validity", "--print-invalid"}, paths...)
	out, err := n.exec(ctx, "checking store paths", n.sibling("nix-store"), n.withStore(args), nil)
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(out)), nil
}

// CopyFromLocal copies paths from the local store (/nix/store) into the store the driver
// uses (WithStore), verifying them as nix copies.
func (n *Nix) CopyFromLocal(ctx context.Context, paths ...string) error {
	args := append([]string{"copy", "--to", n.store}, paths...)
	_, err := n.exec(ctx, "copying sources into "+n.store, n.bin, args, nil)
	return err
}

// Check rebuilds derivations whose outputs are already valid and compares each new output
// with the store's, bit for bit (nix-store --realise --check), every one of them even
// after a difference (--keep-going). A difference fails with a *NotDeterministicError
// listing every differing output; with keepFailed each is kept at <out>.check.
func (n *Nix) Check(ctx context.Context, drvs []string, keepFailed bool, act *Activity) error {
	if act == nil {
		act = &Activity{}
	}
	args := []string{"--realise", "--check", "--keep-going"}
	if keepFailed {
		args = append(args, "--keep-failed")
	}
	args = append(args, drvs...)
	_, err := n.exec(ctx, fmt.Sprintf("rebuilding %d derivations", len(drvs)), n.sibling("nix-store"), n.withStore(args), act.observe)
	if err != nil {
		var ne *Error
		if errors.As(err, &ne) {
			ne.Kept = append([]string(nil), act.Kept...)
		}
		return act.explain(err)
	}
	return nil
}
