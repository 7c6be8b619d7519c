package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/internal/testenv"
)

// The workflows are valid GitHub Actions (actionlint, built by scripts/tools.sh; shellcheck
// and pyflakes integrations off so every machine checks the same).
func TestWorkflowsLint(t *testing.T) {
	testenv.Require(t, "actionlint")
	files, err := filepath.Glob("../../.github/workflows/*.yml")
	if err != nil || len(files) < 2 {
		t.Fatalf("workflows: %v %v", files, err)
	}
	args := append([]string{"-shellcheck=", "-pyflakes=", "-no-color"}, files...)
	out, err := exec.Command("actionlint", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("actionlint %s: %v\n%s", strings.Join(files, " "), err, out)
	}
}

// Every kiln command line in the workflows uses a command and flags kiln has: a renamed
// flag breaks the test, not the scheduled run.
func TestWorkflowsUseRealFlags(t *testing.T) {
	files, _ := filepath.Glob("../../.github/workflows/*.yml")
	app := newApp()
	cmdRE := regexp.MustCompile(`bin/kiln\s+([a-z]+)((?:\s+[a-z]+)?)([^\n|>]*)`)
	flagRE := regexp.MustCompile(`\s--([a-z][a-z-]*)`)
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(b), "\\\n", " ") // join continued lines
		for _, m := range cmdRE.FindAllStringSubmatch(text, -1) {
			cmd := app.Command(m[1])
			if cmd == nil {
				t.Errorf("%s: kiln has no command %q", f, m[1])
				continue
			}
			rest := m[3]
			if sub := strings.TrimSpace(m[2]); sub != "" {
				if sc := cmd.Command(sub); sc != nil {
					cmd = sc
				} else {
					rest = m[2] + rest
				}
			}
			for _, fm := range flagRE.FindAllStringSubmatch(rest, -1) {
				if !hasFlag(cmd.Flags, fm[1]) {
					t.Errorf("%s: kiln %s has no --%s", filepath.Base(f), cmd.Name, fm[1])
				}
				seen++
			}
		}
	}
	if seen < 10 {
		t.Fatalf("only %d kiln flags found in the workflows: the pattern is broken", seen)
	}
	bump, _ := os.ReadFile("../../.github/workflows/bump.yml")
	for _, want := range []string{"schedule:", "kiln outdated", "bump --only", "--check", "gh pr create", "gh pr list"} {
		if !strings.Contains(strings.ReplaceAll(string(bump), "bin/kiln", "kiln"), want) {
			t.Errorf("bump.yml lacks %q", want)
		}
	}
}

func hasFlag(flags []cli.Flag, name string) bool {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}
