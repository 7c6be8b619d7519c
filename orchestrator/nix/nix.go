package nix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// MinVersion is the oldest nix kiln drives (Debian 12's nix-bin).
const MinVersion = "2.8.0"

// Nix drives the nix command.
type Nix struct {
	// Runner runs the processes (default ExecRunner).
	Runner Runner
	// Bin is the nix program (default "nix").
	Bin string
	// Env is the whole environment nix runs with; cmd/ builds it with kiln's own settings
	// (see Settings), so the user's nix.conf never decides experimental features.
	Env []string
	// Store is passed as --store when set (a temporary store for reproducibility checks).
	Store string
	// Log receives nix's stderr (build progress and logs) as it happens (default discard).
	Log io.Writer
	// TailLines is how many log lines a failure carries (default 25).
	TailLines int
}

func (n *Nix) runner() Runner {
	if n.Runner == nil {
		return ExecRunner{}
	}
	return n.Runner
}

func (n *Nix) bin() string {
	if n.Bin == "" {
		return "nix"
	}
	return n.Bin
}

// run runs nix with args (plus --store), returning stdout, or an *Error with the log's tail.
func (n *Nix) run(ctx context.Context, op string, args ...string) ([]byte, error) {
	return n.runLines(ctx, op, nil, args...)
}

// runLines is run with onLine seeing every line of nix's stderr.
func (n *Nix) runLines(ctx context.Context, op string, onLine func(string), args ...string) ([]byte, error) {
	if n.Store != "" {
		args = append([]string{"--store", n.Store}, args...)
	}
	return n.runCmdLines(ctx, op, n.bin(), args, onLine)
}

func (n *Nix) runCmd(ctx context.Context, op, name string, args []string) ([]byte, error) {
	return n.runCmdLines(ctx, op, name, args, nil)
}

func (n *Nix) runCmdLines(ctx context.Context, op, name string, args []string, onLine func(string)) ([]byte, error) {
	lines := n.TailLines
	if lines == 0 {
		lines = 25
	}
	var log io.Writer = io.Discard
	if n.Log != nil {
		log = n.Log
	}
	t := newTail(log, lines)
	t.onLine = onLine
	out, err := n.runner().Run(ctx, Command{Name: name, Args: args, Env: n.Env, Stderr: t})
	if err == nil {
		return out, nil
	}
	if errors.Is(err, exec.ErrNotFound) {
		return nil, ErrNotInstalled
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%s: %w", op, ctx.Err())
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
	out, err := n.runCmd(ctx, "checking nix version", n.bin(), []string{"--version"})
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
	// Extra are more arguments, e.g. --option pairs for a binary cache.
	Extra []string
	// Activity, when set, is filled with what nix built and what it substituted.
	Activity *Activity
}

// BuildResult is one built derivation.
type BuildResult struct {
	DrvPath string            `json:"drvPath"`
	Outputs map[string]string `json:"outputs"`
}

// Build builds installable (e.g. path:/tmp/flake#default) and returns what nix built.
// Build logs stream to Log as they happen (-L).
func (n *Nix) Build(ctx context.Context, installable string, opts BuildOptions) ([]BuildResult, error) {
	args := []string{"build", "--json", "--no-link", "-L"}
	if opts.Rebuild {
		args = append(args, "--rebuild")
	}
	args = append(args, opts.Extra...)
	args = append(args, installable)
	var onLine func(string)
	if opts.Activity != nil {
		onLine = opts.Activity.observe
	}
	out, err := n.runLines(ctx, "building "+installable, onLine, args...)
	if err != nil {
		return nil, err
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
	out, err := n.run(ctx, "querying closure", args...)
	if err != nil {
		return nil, err
	}
	return ParsePathInfo(out)
}

// AddFile adds file to the store as a flat, sha256 fixed-output path called name — the
// same path a fetchurl of a URL ending in name with that file's hash produces.
func (n *Nix) AddFile(ctx context.Context, name, file string) (string, error) {
	out, err := n.run(ctx, "adding "+file+" to the store", "store", "add-file", "--name", name, file)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// EvalOutPaths returns the output paths of installable without building anything, so a
// binary cache can be asked about them first.
func (n *Nix) EvalOutPaths(ctx context.Context, installable string) ([]string, error) {
	out, err := n.run(ctx, "evaluating "+installable, "eval", "--json", installable+".outPath")
	if err != nil {
		return nil, err
	}
	var p string
	if err := json.Unmarshal(out, &p); err != nil {
		return nil, fmt.Errorf("reading nix eval output: %w", err)
	}
	return []string{p}, nil
}

// BuildTimeClosure lists the valid store paths a derivation's build used and produced:
// sources, recipe files, dependency outputs and the outputs themselves — what a binary
// cache needs so the next build neither fetches nor compiles anything.
func (n *Nix) BuildTimeClosure(ctx context.Context, drvPath string) ([]string, error) {
	args := []string{"--query", "--requisites", "--include-outputs", drvPath}
	if n.Store != "" {
		args = append([]string{"--store", n.Store}, args...)
	}
	out, err := n.runCmd(ctx, "querying build-time closure", "nix-store", args)
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
	_, err := n.run(ctx, "copying to "+redactURL(to), args...)
	return err
}

// redactURL hides query parameters (secret-key paths, credentials) in messages.
func redactURL(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i] + "?…"
	}
	return u
}
