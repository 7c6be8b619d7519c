package nix

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSettingsString(t *testing.T) {
	s := Settings{Sandbox: true, Substituters: []string{"file:///c"},
		TrustedPublicKeys: []string{"k:AAAA"}, Fallback: true, NoBuildUsers: true, Cores: 3}
	got := s.String()
	for _, want := range []string{
		"experimental-features = nix-command flakes\n",
		"accept-flake-config = false\n", // a flake's nixConfig must never change kiln's settings
		"sandbox = true\n",
		"sandbox-paths = \n", // no host path in the sandbox, whatever nix.conf says
		"extra-sandbox-paths = \n",
		"substituters = file:///c\n",
		"trusted-public-keys = k:AAAA\n",
		"fallback = true\n",
		"build-users-group = \n",
		"cores = 3\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("settings lack %q:\n%s", want, got)
		}
	}
	off := Settings{}.String()
	for _, want := range []string{"sandbox = false\n", "substituters = \n", "extra-sandbox-paths = \n"} {
		if !strings.Contains(off, want) {
			t.Errorf("zero settings lack %q:\n%s", want, off)
		}
	}
	if strings.Contains(off, "build-users-group") || strings.Contains(off, "fallback") || strings.Contains(off, "cores") {
		t.Errorf("zero settings set optional keys:\n%s", off)
	}
}

func TestEnvironKeepsUserConfigUnderKiln(t *testing.T) {
	env := Environ([]string{"HOME=/h", "NIX_CONFIG=builders = ssh://b x86_64-linux\nsandbox = false", "PATH=/p"}, Settings{Sandbox: true})
	var cfg string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "NIX_CONFIG="); ok {
			if cfg != "" {
				t.Fatal("two NIX_CONFIG entries")
			}
			cfg = v
		}
	}
	if !strings.HasPrefix(cfg, "builders = ssh://b x86_64-linux\nsandbox = false\n") {
		t.Errorf("the user's settings must come first (so builders pass through): %q", cfg)
	}
	if strings.LastIndex(cfg, "sandbox = true") < strings.LastIndex(cfg, "sandbox = false") {
		t.Errorf("kiln's sandbox setting must come last, so it wins: %q", cfg)
	}
	if strings.Join(env[:2], " ") != "HOME=/h PATH=/p" {
		t.Errorf("the rest of the environment must be kept: %q", env)
	}
}

func TestActivityReadsNixLog(t *testing.T) {
	var a Activity
	lines := []string{
		"building '/nix/store/aaa-haproxy-3.0.11.drv'...",
		"copying path '/nix/store/bbb-lua-5.4.7' from 'file:///cache'...",
		"error: derivation '/nix/store/aaa-haproxy-3.0.11.drv' may not be deterministic: output '/nix/store/ccc-haproxy-3.0.11' differs from '/nix/store/ccc-haproxy-3.0.11.check'",
		"error: derivation '/nix/store/ddd-lua.drv' may not be deterministic: output '/root/s/nix/store/eee-lua' differs",
		"note: keeping build directory '/tmp/nix-build-haproxy-3.0.11.drv-0'",
		"note: keeping build directory '/home/me'", // not nix's: never taken for one
	}
	for _, l := range lines {
		a.observe(l)
	}
	if len(a.Built) != 1 || a.Built[0] != "/nix/store/aaa-haproxy-3.0.11.drv" {
		t.Errorf("built %v", a.Built)
	}
	if len(a.Substituted) != 1 || a.Substituted[0] != "/nix/store/bbb-lua-5.4.7" {
		t.Errorf("substituted %v", a.Substituted)
	}
	want := []Mismatch{
		{Derivation: "/nix/store/aaa-haproxy-3.0.11.drv", Output: "/nix/store/ccc-haproxy-3.0.11", Check: "/nix/store/ccc-haproxy-3.0.11.check"},
		{Derivation: "/nix/store/ddd-lua.drv", Output: "/root/s/nix/store/eee-lua"},
	}
	if len(a.Differs) != 2 || a.Differs[0] != want[0] || a.Differs[1] != want[1] {
		t.Errorf("differs %+v", a.Differs)
	}
	if len(a.Kept) != 1 || a.Kept[0] != "/tmp/nix-build-haproxy-3.0.11.drv-0" {
		t.Errorf("kept %v", a.Kept)
	}
}

// script is a Runner that plays back nix's stdout, stderr and exit status.
type script struct {
	stdout, stderr string
	fail           bool
	calls          []Command
}

func (s *script) Run(_ context.Context, c Command) ([]byte, error) {
	s.calls = append(s.calls, c)
	if c.Stderr != nil {
		c.Stderr.Write([]byte(s.stderr))
	}
	if s.fail {
		return nil, exec.Command("false").Run()
	}
	return []byte(s.stdout), nil
}

func TestBuildTypedResults(t *testing.T) {
	ok := &script{stdout: `[{"drvPath":"/nix/store/a.drv","outputs":{"out":"/nix/store/b-x"}}]`}
	n := New(WithRunner(ok), WithStore("/s"), WithBin("/opt/nix/bin/nix"))
	res, err := n.Build(context.Background(), "path:/f#default", BuildOptions{Rebuild: true, KeepFailed: true, Offline: true})
	if err != nil || len(res) != 1 || OutPaths(res)[0] != "/nix/store/b-x" {
		t.Fatalf("build: %v %v", res, err)
	}
	got := strings.Join(ok.calls[0].Args, " ")
	want := "--store /s build --json --no-link -L --rebuild --keep-failed --option substituters  path:/f#default"
	if ok.calls[0].Name != "/opt/nix/bin/nix" || got != want {
		t.Errorf("ran %s %q, want %q", ok.calls[0].Name, got, want)
	}

	differs := &script{fail: true, stderr: "building '/nix/store/a.drv'...\n" +
		"error: derivation '/nix/store/a.drv' may not be deterministic: output '/nix/store/b-x' differs from '/nix/store/b-x.check'\n" +
		"note: keeping build directory '/tmp/nix-build-x.drv-0'\n"}
	_, err = New(WithRunner(differs)).Build(context.Background(), "path:/f#default", BuildOptions{Rebuild: true})
	var nd *NotDeterministicError
	var ne *Error
	if !errors.As(err, &nd) || len(nd.Differs) != 1 || nd.Differs[0].Check != "/nix/store/b-x.check" {
		t.Fatalf("err %v, want a NotDeterministicError naming the .check", err)
	}
	if !errors.As(err, &ne) || len(ne.Kept) != 1 || ne.Kept[0] != "/tmp/nix-build-x.drv-0" || ne.ExitCode != 1 {
		t.Fatalf("err %#v: want nix's Error with the kept dir and exit code", ne)
	}

	broken := &script{fail: true, stderr: "error: builder for '/nix/store/a.drv' failed with exit code 2\n"}
	_, err = New(WithRunner(broken)).Build(context.Background(), "path:/f#default", BuildOptions{})
	if errors.As(err, &nd) || !errors.As(err, &ne) || !strings.Contains(err.Error(), "failed with exit code 2") {
		t.Fatalf("a failed build is not a rebuild mismatch: %v", err)
	}
}

func TestSiblingProgramsShareTheRunner(t *testing.T) {
	s := &script{stdout: "/nix/store/b-x\n/nix/store/a.drv\n"}
	n := New(WithRunner(s), WithBin("/opt/nix/bin/nix"), WithStore("/s"), WithEnv([]string{"A=1"}))
	paths, err := n.BuildTimeClosure(context.Background(), "/nix/store/a.drv")
	if err != nil || len(paths) != 2 {
		t.Fatal(paths, err)
	}
	c := s.calls[0]
	if c.Name != "/opt/nix/bin/nix-store" || c.Args[0] != "--store" || c.Env[0] != "A=1" {
		t.Errorf("nix-store ran as %s %v env %v: want the nix beside Bin, with the store and env", c.Name, c.Args, c.Env)
	}
}

func TestVersion(t *testing.T) {
	for _, c := range []struct {
		out, want string
		ok        bool
	}{
		{"nix (Nix) 2.8.0\n", "2.8.0", true},
		{"nix (Nix) 2.26.3\n", "2.26.3", true},
		{"nix (Nix) 2.3.16\n", "2.3.16", false},
		{"garbage\n", "", false},
	} {
		v, err := New(WithRunner(&script{stdout: c.out})).Version(context.Background())
		if v != c.want || (err == nil) != c.ok {
			t.Errorf("%q: version %q err %v", c.out, v, err)
		}
	}
	_, err := New(WithBin(filepath.Join(t.TempDir(), "no-nix"))).Version(context.Background())
	if err == nil || !strings.Contains(err.Error(), "apt-get install nix-bin") {
		t.Errorf("missing nix: %v", err)
	}
}

// TestCancelSignalsFirst checks a cancelled command gets SIGINT (so nix can stop its
// builders and clean up) rather than SIGKILL.
func TestCancelSignalsFirst(t *testing.T) {
	mark := filepath.Join(t.TempDir(), "interrupted")
	sh := `trap 'echo yes > ` + mark + `; exit 130' INT; echo ready >&2; while :; do sleep 0.05; done`
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	w := &lineWaiter{ready: ready}
	done := make(chan error)
	go func() {
		_, err := ExecRunner{}.Run(ctx, Command{Name: "sh", Args: []string{"-c", sh}, Stderr: w})
		done <- err
	}()
	<-ready
	cancel()
	select {
	case <-done:
	case <-time.After(StopGrace / 2):
		t.Fatal("the command did not stop on SIGINT")
	}
	if data, err := os.ReadFile(mark); err != nil || strings.TrimSpace(string(data)) != "yes" {
		t.Fatalf("the command was not interrupted with SIGINT (%v)", err)
	}
}

type lineWaiter struct {
	ready chan struct{}
	once  bool
}

func (w *lineWaiter) Write(p []byte) (int, error) {
	if !w.once {
		w.once = true
		close(w.ready)
	}
	return len(p), nil
}

func TestPackageOutPaths(t *testing.T) {
	s := &script{stdout: `["/nix/store/b-lua","/nix/store/a-haproxy","/nix/store/a-haproxy"]`}
	outs, err := New(WithRunner(s)).PackageOutPaths(context.Background(), "path:/f", "x86_64-linux")
	if err != nil || strings.Join(outs, " ") != "/nix/store/a-haproxy /nix/store/b-lua" {
		t.Fatalf("PackageOutPaths = %v, %v", outs, err)
	}
	if got := strings.Join(s.calls[0].Args, " "); !strings.HasPrefix(got, "eval --json path:/f#packages.x86_64-linux --apply") {
		t.Errorf("ran nix %s", got)
	}
}
