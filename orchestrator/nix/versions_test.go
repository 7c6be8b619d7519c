package nix

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// The captures under testdata/nix-<version>/ are what real Nix versions printed
// (testdata/capture.sh): Debian 12's 2.8.0 and Debian 13's 2.26.3. Each test below runs
// kiln's reader on both; a new Nix version is covered by running capture.sh with it.

// capture is one Nix version's recorded outputs.
type capture struct {
	t   *testing.T
	dir string
}

func captures(t *testing.T) []capture {
	dirs, err := filepath.Glob("testdata/nix-*")
	if err != nil || len(dirs) < 2 {
		t.Fatalf("want captures of at least two Nix versions under testdata/, found %v (%v)", dirs, err)
	}
	var out []capture
	for _, d := range dirs {
		out = append(out, capture{t, d})
	}
	return out
}

func (c capture) version() string { return strings.TrimSpace(c.read("version")) }

// read returns a captured file ("" if nix printed nothing, so capture.sh kept no file).
func (c capture) read(name string) string {
	data, err := os.ReadFile(filepath.Join(c.dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		c.t.Fatal(err)
	}
	return string(data)
}

func (c capture) unquote(name string) string {
	s, err := strconv.Unquote(strings.TrimSpace(c.read(name)))
	if err != nil {
		c.t.Fatalf("%s/%s: %v", c.dir, name, err)
	}
	return s
}

func (c capture) lines(name string) []string {
	return strings.Split(strings.TrimRight(c.read(name), "\n"), "\n")
}

// replay is a Runner that answers each call with the next capture: its stdout, its log
// written to the command's stderr, its exit status (a real *exec.ExitError).
type replay struct {
	c     capture
	names []string
	calls [][]string
}

func (r *replay) Run(ctx context.Context, cmd Command) ([]byte, error) {
	if len(r.names) == 0 {
		r.c.t.Fatalf("unexpected nix call: %s %v", cmd.Name, cmd.Args)
	}
	name := r.names[0]
	r.names = r.names[1:]
	r.calls = append(r.calls, append([]string{cmd.Name}, cmd.Args...))
	if cmd.Stderr != nil {
		cmd.Stderr.Write([]byte(r.c.read(name + ".log")))
	}
	status := strings.TrimSpace(r.c.read(name + ".status"))
	if status != "0" {
		return nil, exec.Command("sh", "-c", "exit "+status).Run()
	}
	return []byte(r.c.read(name + ".out")), nil
}

func (c capture) nix(names ...string) (*Nix, *replay) {
	r := &replay{c: c, names: names}
	return New(WithRunner(r)), r
}

func TestVersionsVersion(t *testing.T) {
	for _, c := range captures(t) {
		n, _ := c.nix("version")
		v, err := n.Version(context.Background())
		if err != nil || v != c.version() {
			t.Errorf("%s: Version = %q, %v; want %s", c.dir, v, err, c.version())
		}
	}
}

func TestVersionsBuild(t *testing.T) {
	for _, c := range captures(t) {
		out, drv := c.unquote("eval-outpath.out"), c.unquote("eval-drvpath.out")
		n, _ := c.nix("build")
		var act Activity
		res, err := n.Build(context.Background(), "path:/f#default", BuildOptions{Activity: &act})
		if err != nil {
			t.Fatalf("%s: %v", c.dir, err)
		}
		if len(res) != 1 || res[0].DrvPath != drv || !reflect.DeepEqual(OutPaths(res), []string{out}) {
			t.Errorf("%s: Build = %+v, want %s → %s", c.dir, res, drv, out)
		}
		// The dependency was built first, then the package; both locally.
		if len(act.Built) != 2 || act.Built[1] != drv || !strings.HasSuffix(act.Built[0], "-kiln-capture-dep.drv") {
			t.Errorf("%s: built %v, want the dep then %s", c.dir, act.Built, drv)
		}
		for d, m := range act.BuiltOn {
			if m != LocalMachine {
				t.Errorf("%s: %s built on %q, want %q", c.dir, d, m, LocalMachine)
			}
		}
		if len(act.Substituted) != 0 {
			t.Errorf("%s: substituted %v, want nothing", c.dir, act.Substituted)
		}
	}
}

func TestVersionsRebuildIsABuild(t *testing.T) {
	for _, c := range captures(t) {
		n, _ := c.nix("rebuild")
		var act Activity
		if _, err := n.Build(context.Background(), "path:/f#default", BuildOptions{Rebuild: true, Activity: &act}); err != nil {
			t.Fatalf("%s: %v", c.dir, err)
		}
		// nix says "checking outputs of '…'" for --rebuild, not "building '…'".
		if want := []string{c.unquote("eval-drvpath.out")}; !reflect.DeepEqual(act.Built, want) {
			t.Errorf("%s: rebuild built %v, want %v", c.dir, act.Built, want)
		}
	}
}

func TestVersionsSubstitute(t *testing.T) {
	for _, c := range captures(t) {
		n, _ := c.nix("substitute")
		var act Activity
		if _, err := n.Build(context.Background(), "path:/f#default", BuildOptions{Activity: &act}); err != nil {
			t.Fatalf("%s: %v", c.dir, err)
		}
		if len(act.Built) != 0 || len(act.Substituted) != 2 || act.Substituted[1] != c.unquote("eval-outpath.out") {
			t.Errorf("%s: substitute: built %v, substituted %v", c.dir, act.Built, act.Substituted)
		}
		// "copying path '…' to '…'" (nix copy) is an upload, not a substitution.
		var up Activity
		for _, l := range c.lines("copy.log") {
			up.observe(l)
		}
		if len(up.Substituted) != 0 || len(up.Built) != 0 {
			t.Errorf("%s: nix copy's log read as %+v", c.dir, up)
		}
	}
}

func TestVersionsBuildFailure(t *testing.T) {
	for _, c := range captures(t) {
		n, _ := c.nix("build-fails")
		_, err := n.Build(context.Background(), "path:/f#fails", BuildOptions{})
		var ne *Error
		if !errors.As(err, &ne) || ne.ExitCode != 1 || !strings.Contains(strings.Join(ne.Tail, "\n"), "about to fail") || ne.NetworkError() {
			t.Errorf("%s: failed build: %#v", c.dir, err)
		}
		n, _ = c.nix("build-fetch")
		_, err = n.Build(context.Background(), "path:/f#fetch", BuildOptions{})
		if !errors.As(err, &ne) || !ne.NetworkError() {
			t.Errorf("%s: a fetch that cannot resolve its host is not seen as a network error: %v", c.dir, err)
		}
	}
}

func TestVersionsClosure(t *testing.T) {
	for _, c := range captures(t) {
		out := c.unquote("eval-outpath.out")
		n, _ := c.nix("path-info-recursive")
		infos, err := n.Closure(context.Background(), out)
		if err != nil {
			t.Fatalf("%s: %v", c.dir, err)
		}
		if len(infos) != 2 {
			t.Fatalf("%s: closure %+v, want the package and its dep", c.dir, infos)
		}
		var pkg, dep PathInfo
		for _, i := range infos {
			if i.Path == out {
				pkg = i
			} else {
				dep = i
			}
		}
		if pkg.Path == "" || !strings.HasSuffix(dep.Path, "-kiln-capture-dep") {
			t.Fatalf("%s: closure %+v", c.dir, infos)
		}
		if !strings.HasPrefix(pkg.NarHash, "sha256-") || pkg.NarSize != 536 || !reflect.DeepEqual(pkg.References, []string{dep.Path}) || pkg.Deriver != c.unquote("eval-drvpath.out") {
			t.Errorf("%s: package %+v", c.dir, pkg)
		}
		// The same dep NAR on both versions (its builder wrote the same bytes).
		if dep.NarHash != "sha256-e9vJ5kB9nT7UCtxk10a+Y2a19Y7maMawKGYAi771cgI=" || dep.NarSize != 120 || len(dep.References) != 0 {
			t.Errorf("%s: dep %+v", c.dir, dep)
		}
		// nix-store --query --requisites --include-outputs lists the same outputs.
		n, _ = c.nix("nix-store-requisites")
		build, err := n.BuildTimeClosure(context.Background(), c.unquote("eval-drvpath.out"))
		if err != nil {
			t.Fatal(err)
		}
		var outs []string
		for _, p := range build {
			if !strings.HasSuffix(p, ".drv") {
				outs = append(outs, p)
			}
		}
		if want := []string{infos[0].Path, infos[1].Path}; !reflect.DeepEqual(outs, want) || len(build) != 4 {
			t.Errorf("%s: build-time closure %v, want the outputs %v and two .drv", c.dir, build, want)
		}
	}
}

func TestVersionsPathInfoShapes(t *testing.T) {
	for _, c := range captures(t) {
		ca, err := ParsePathInfo([]byte(c.read("path-info-ca.out")))
		if err != nil || len(ca) != 1 || ca[0].Path != strings.TrimSpace(c.read("add-file.out")) || !strings.HasPrefix(ca[0].CA, "fixed:sha256:") || ca[0].Deriver != "" {
			t.Errorf("%s: content-addressed path: %+v, %v", c.dir, ca, err)
		}
		cached, err := ParsePathInfo([]byte(c.read("path-info-cache.out")))
		if err != nil || len(cached) != 1 || len(cached[0].Signatures) != 1 || !strings.HasPrefix(cached[0].Signatures[0], "kiln-capture-1:") {
			t.Errorf("%s: path in a binary cache: %+v, %v", c.dir, cached, err)
		}
		// A path that is not in the store: [{"valid": false}] on 2.8, {"path": null} on 2.26.
		_, err = ParsePathInfo([]byte(c.read("path-info-invalid.out")))
		if err == nil || !strings.Contains(err.Error(), "not valid in the store: /nix/store/00000000000000000000000000000000-kiln-capture-") {
			t.Errorf("%s: invalid path: %v", c.dir, err)
		}
	}
	for _, bad := range []string{"", "null", `"x"`, `[{"path": "/nix/store/a-b"}]`, `{"/nix/store/a-b": {"path": "/nix/store/c-d", "narHash": "sha256-x"}}`} {
		if _, err := ParsePathInfo([]byte(bad)); err == nil {
			t.Errorf("ParsePathInfo(%q) accepted it", bad)
		}
	}
}

func TestVersionsEvalAndAddFile(t *testing.T) {
	for _, c := range captures(t) {
		n, _ := c.nix("add-file")
		p, err := n.AddFile(context.Background(), "x.tar.gz", "/x")
		if err != nil || !strings.HasPrefix(p, "/nix/store/") || strings.ContainsAny(p, "\n ") {
			t.Errorf("%s: AddFile = %q, %v", c.dir, p, err)
		}
		n, _ = c.nix("copy")
		if err := n.Copy(context.Background(), "file:///c", "/nix/store/x"); err != nil {
			t.Errorf("%s: Copy: %v", c.dir, err)
		}
	}
}

func TestVersionsShowDerivation(t *testing.T) {
	for _, c := range captures(t) {
		name := "derivation-show"
		if compareVersions(c.version(), derivationShowSince) < 0 {
			name = "show-derivation"
		}
		n, r := c.nix("version", name)
		drvs, err := n.ShowDerivation(context.Background(), c.unquote("eval-drvpath.out"))
		if err != nil {
			t.Fatalf("%s: %v", c.dir, err)
		}
		if got, want := strings.Join(r.calls[1][1:3], " "), map[string]string{"derivation-show": "derivation show", "show-derivation": "show-derivation " + c.unquote("eval-drvpath.out")}[name]; got != want {
			t.Errorf("%s: ran nix %s, want nix %s", c.dir, got, want)
		}
		if len(drvs) != 1 {
			t.Fatalf("%s: %+v", c.dir, drvs)
		}
		d := drvs[0]
		if d.Path != c.unquote("eval-drvpath.out") || d.Name != "kiln-capture" || d.Outputs["out"].Path != c.unquote("eval-outpath.out") ||
			d.Builder != "/bin/sh" || d.System != "x86_64-linux" || d.Env["PATH"] != "/usr/bin:/bin" || len(d.Args) != 2 {
			t.Errorf("%s: derivation %+v", c.dir, d)
		}
		if len(d.InputDrvs) != 1 {
			t.Fatalf("%s: inputDrvs %v", c.dir, d.InputDrvs)
		}
		for in, outs := range d.InputDrvs {
			if !strings.HasSuffix(in, "-kiln-capture-dep.drv") || !reflect.DeepEqual(outs, []string{"out"}) {
				t.Errorf("%s: inputDrvs %v", c.dir, d.InputDrvs)
			}
		}
	}
	// Nix 2.26's deprecated show-derivation prints the same as derivation show.
	for _, c := range captures(t) {
		if compareVersions(c.version(), derivationShowSince) >= 0 && c.read("show-derivation.out") != c.read("derivation-show.out") {
			t.Errorf("%s: show-derivation and derivation show differ", c.dir)
		}
	}
}

func TestParseDerivationsBareNames(t *testing.T) {
	// Keys and inputs written as base names are completed with the store directory.
	data := []byte(`{"abc-x.drv": {"name": "x", "outputs": {"out": {"path": "/nix/store/def-x"}}, "inputSrcs": ["ghi-src"],
		"inputDrvs": {"jkl-y.drv": {"outputs": ["out", "dev"], "dynamicOutputs": {}}}, "env": {}}}`)
	drvs, err := ParseDerivations(data, "/nix/store")
	if err != nil {
		t.Fatal(err)
	}
	want := Derivation{Path: "/nix/store/abc-x.drv", Name: "x", Outputs: map[string]DerivationOutput{"out": {Path: "/nix/store/def-x"}},
		InputSrcs: []string{"/nix/store/ghi-src"}, InputDrvs: map[string][]string{"/nix/store/jkl-y.drv": {"out", "dev"}}, Env: map[string]string{}}
	if len(drvs) != 1 || !reflect.DeepEqual(drvs[0], want) {
		t.Errorf("got %+v\nwant %+v", drvs, want)
	}
}

// TestVersionsRemoteBuild: a build on a remote builder (Nix's build hook over SSH, here a
// Debian 13 root serving its own store on loopback) is attributed to that builder, on both
// protocols; the result copied back is not a substitution.
func TestVersionsRemoteBuild(t *testing.T) {
	for _, c := range captures(t) {
		for _, scheme := range []string{"ssh-ng", "ssh"} {
			n, _ := c.nix("build-remote-" + scheme)
			var act Activity
			res, err := n.Build(context.Background(), "path:/f#remote", BuildOptions{Activity: &act})
			if err != nil {
				t.Fatalf("%s: %s: %v", c.dir, scheme, err)
			}
			drv := res[0].DrvPath
			if !reflect.DeepEqual(act.Built, []string{drv}) || act.BuiltOn[drv] != scheme+"://kiln-builder" || len(act.Substituted) != 0 {
				t.Errorf("%s: %s: built %v on %v, substituted %v", c.dir, scheme, act.Built, act.BuiltOn, act.Substituted)
			}
		}
	}
}
