package main

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kilnbuild/kiln/internal/upstream/upstreamtest"
	"github.com/kilnbuild/kiln/orchestrator/publish/publishtest"
)

// readmeCommands returns the command lines (kiln …, make …) of the README's sh blocks, in
// order, without their comments.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cmds []string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "```"):
			in = !in && strings.TrimPrefix(l, "```") == "sh"
		case in:
			if i := strings.Index(l, " #"); i >= 0 {
				l = l[:i]
			}
			if l = strings.TrimSpace(l); strings.HasPrefix(l, "kiln ") || strings.HasPrefix(l, "make ") {
				cmds = append(cmds, l)
			}
		}
	}
	if len(cmds) < 10 {
		t.Fatalf("found only %d command lines in the README: %q", len(cmds), cmds)
	}
	return cmds
}

// networkFailure matches kiln's error when nix could not download (nixpkgs from GitHub).
var networkFailure = regexp.MustCompile(`nix tried to download something|unable to download|Could(n't| not) resolve|no such host|is the index reachable`)

// TestReadmeCommands runs every command line of the README as written, in a fresh
// directory, in order. Placeholders become real values: DIR the source mirror, KEY the key
// `kiln cache keygen ci-1` printed, URL and file:///srv/cache a cache under the directory,
// sha256:… the digest built before, reg.example a registry on loopback (plain HTTP, so
// --insecure is added). Builds use the pinned toolchain, whose packages CI's first build put
// in the store. A line that needs the network (`--toolchain nixpkgs`: nixpkgs from GitHub;
// kiln outdated and bump: upstream's release indexes) must stop only for want of it; the
// outdated and bump lines then run again against a stand-in upstream.
func TestReadmeCommands(t *testing.T) {
	m := mirror(t)
	env := os.Environ()
	work := t.TempDir()
	repl := map[string]string{"DIR": m, "file:///srv/cache": "file://" + filepath.Join(work, "srv", "cache")}
	pending := readmeCommands(t)
	for len(pending) > 0 {
		var later []string
		for _, line := range pending {
			args := strings.Fields(line)
			ready := true
			for i, a := range args {
				switch {
				case a == "URL" || a == "KEY" || a == "sha256:…":
					v, ok := repl[a]
					ready = ready && ok
					args[i] = v
				case strings.HasPrefix(a, "docker://reg.example/"):
					reg, ok := repl["reg.example"]
					if !ok {
						reg = publishtest.StartRegistry(t)
						repl["reg.example"] = reg
					}
					args[i] = "docker://" + reg + strings.TrimPrefix(a, "docker://reg.example")
					args = append(args, "--insecure")
				case repl[a] != "":
					args[i] = repl[a]
				}
			}
			if !ready {
				later = append(later, line) // needs a value a later line makes
				continue
			}
			t.Run(line, func(t *testing.T) { runReadmeLine(t, work, m, env, args, repl) })
		}
		if len(later) == len(pending) {
			t.Fatalf("README lines use values no line makes: %q", later)
		}
		pending = later
	}
}

func runReadmeLine(t *testing.T, work, mirror string, env, args []string, repl map[string]string) {
	if args[0] == "make" {
		runReadmeMake(t, mirror, args[1:])
		return
	}
	run := func(ctx context.Context, args []string) (string, string, error) {
		cmd := exec.CommandContext(ctx, kilnBin, args...)
		cmd.Dir, cmd.Env = work, env
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}
	kilnArgs := args[1:]
	joined := strings.Join(kilnArgs, " ")
	fresh := kilnArgs[0] == "outdated" || kilnArgs[0] == "bump"
	if strings.Contains(joined, "--toolchain nixpkgs") || fresh {
		// As written: nixpkgs comes from GitHub, upstream release indexes from their
		// projects' sites; neither is reachable here, and that must be the only reason
		// the line stops.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		_, stderr, err := run(ctx, kilnArgs)
		cancel()
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			t.Logf("as written it was still running after 2 min (network reachable?); stopped")
		case err == nil && !fresh:
			t.Logf("as written it succeeded: the network is reachable here")
		case err == nil || !networkFailure.MatchString(stderr):
			if fresh && exitCode(err) == 2 {
				t.Logf("as written it ran: upstream is reachable here")
				break
			}
			t.Fatalf("as written it failed, and not for want of the network:\n%s", tailLines(stderr, 20))
		default:
			t.Logf("as written: stops where the network is needed (none here)")
		}
		if !fresh {
			return
		}
		if strings.Contains(joined, "--check") {
			// Building the release a bump moves to needs its tarball: TestBumpCheck runs
			// bump --check against a stand-in upstream serving one.
			return
		}
		// Again against a stand-in upstream (its releases as the real sites list them), on
		// copies of the specs so that later lines see them as written.
		site := upstreamtest.New(t)
		if kilnArgs[0] == "bump" {
			// The default spec's patches are checked against the release bump moves to,
			// so the stand-in serves the tarballs of the releases these lines move to
			// (3.0.11's, repacked).
			for branch, v := range map[string]string{"3.0": "3.0.12", "3.2": "3.2.4"} {
				site.AddHAProxy(t, branch, v, repackHAProxy(t, filepath.Join(mirror, "haproxy-3.0.11.tar.gz"), v), true)
			}
		}
		scratch := t.TempDir()
		args := append([]string{kilnArgs[0]}, site.Flags()...)
		for _, a := range kilnArgs[1:] {
			if strings.HasSuffix(a, ".toml") {
				copyFileMode(t, filepath.Join(work, a), filepath.Join(scratch, a))
				// and the patches kiln init wrote beside it
				if p := filepath.Join(work, filepath.Dir(a), "patches"); fileExists(p) {
					if err := os.CopyFS(filepath.Join(scratch, filepath.Dir(a), "patches"), os.DirFS(p)); err != nil {
						t.Fatal(err)
					}
				}
			}
			args = append(args, a)
		}
		cmd := exec.Command(kilnBin, args...)
		cmd.Dir, cmd.Env = scratch, env
		out, err := cmd.CombinedOutput()
		want := 0
		if kilnArgs[0] == "outdated" {
			want = 2 // the stand-in lists 3.0.12: the default spec's 3.0.11 is behind
		}
		if exitCode(err) != want {
			t.Fatalf("kiln %s against a stand-in upstream: exit %d, want %d\n%s", strings.Join(args, " "), exitCode(err), want, tailLines(string(out), 20))
		}
		return
	}
	stdout, stderr, err := run(context.Background(), kilnArgs)
	if err != nil {
		t.Fatalf("kiln %s: %v\n%s", strings.Join(kilnArgs, " "), err, tailLines(stderr, 30))
	}
	switch {
	case kilnArgs[0] == "init":
		if _, err := os.Stat(filepath.Join(work, kilnArgs[1])); err != nil {
			t.Errorf("kiln init wrote no spec: %v", err)
		}
	case kilnArgs[0] == "gen":
		if _, err := os.Stat(filepath.Join(work, "flake", "flake.nix")); err != nil {
			t.Errorf("kiln gen wrote no flake: %v", err)
		}
	case kilnArgs[0] == "cache" && kilnArgs[1] == "keygen":
		repl["KEY"] = strings.TrimSpace(stdout)
	case kilnArgs[0] == "cache" && kilnArgs[1] == "push":
		repl["URL"] = kilnArgs[3]
	case kilnArgs[0] == "build" && strings.Contains(strings.Join(kilnArgs, " "), "--json"):
		if !strings.Contains(stdout, `"outputs"`) {
			t.Errorf("--json printed no outputs:\n%s", stdout)
		}
	case kilnArgs[0] == "build" && !strings.Contains(strings.Join(kilnArgs, " "), "--no-image"):
		digest := strings.TrimSpace(stdout)
		if !strings.HasPrefix(digest, "sha256:") {
			t.Errorf("kiln build printed %q, want the image digest", stdout)
		}
		if _, ok := repl["sha256:…"]; !ok && !strings.Contains(strings.Join(kilnArgs, " "), "--compression zstd") {
			repl["sha256:…"] = digest // what kiln verify (gzip by default) must reproduce
		}
	}
}

// runReadmeMake runs a make target of the README in a copy of the work tree.
func runReadmeMake(t *testing.T, mirror string, targets []string) {
	if len(targets) == 1 && targets[0] == "test" {
		t.Skip("make test is what runs this test")
	}
	root, _ := filepath.Abs("../..")
	list, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	src := filepath.Join(t.TempDir(), "kiln")
	for _, f := range strings.Split(strings.TrimRight(string(list), "\x00"), "\x00") {
		if fi, err := os.Stat(filepath.Join(root, f)); err != nil || fi.IsDir() {
			continue
		}
		os.MkdirAll(filepath.Dir(filepath.Join(src, f)), 0o755)
		copyFileMode(t, filepath.Join(root, f), filepath.Join(src, f))
	}
	cmd := exec.Command("make", append(targets, "MIRROR="+mirror)...)
	cmd.Dir = src
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make %s: %v\n%s", strings.Join(targets, " "), err, tailLines(string(out), 30))
	}
	if targets[0] == "demo" {
		if _, err := os.Stat(filepath.Join(src, "out", "haproxy.tar")); err != nil || !strings.Contains(string(out), "Built the default HAProxy image: sha256:") {
			t.Errorf("make demo wrote no image: %v\n%s", err, tailLines(string(out), 20))
		}
	}
}

func copyFileMode(t *testing.T, from, to string) {
	t.Helper()
	fi, err := os.Stat(from)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, fi.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
