package main

import (
	"os"
	"os/user"
	"runtime"
	"strings"

	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/nix"
)

// nixFor returns a nix driver configured with kiln's own settings for the spec's toolchain.
// This is the one place kiln's environment reaches nix: kiln's settings are appended to the
// user's NIX_CONFIG, so later lines win for every setting kiln owns (features, sandbox,
// substituters, keys) while the user's others (builders for remote builds, cores, proxies)
// still apply; the rest of the environment (HOME, NIX_REMOTE) is kept.
func nixFor(s *spec.Spec, cfg nix.Settings) *nix.Nix {
	cfg.Sandbox = true
	if s == nil || s.Build.Toolchain == spec.ToolchainHost {
		cfg.ExtraSandboxPaths = nix.HostSandboxPaths
	}
	if os.Geteuid() == 0 {
		if _, err := user.LookupGroup("nixbld"); err != nil {
			cfg.NoBuildUsers = true // root without build users: build as root in the sandbox
		}
	}
	if cfg.Cores == 0 {
		cfg.Cores = runtime.NumCPU()
	}
	env := make([]string, 0, len(os.Environ())+1)
	user := ""
	for _, kv := range os.Environ() {
		if v, ok := strings.CutPrefix(kv, "NIX_CONFIG="); ok {
			user = v + "\n"
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "NIX_CONFIG="+user+cfg.String())
	return &nix.Nix{Env: env}
}
