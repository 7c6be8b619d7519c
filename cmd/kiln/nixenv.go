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
// This is the one place kiln's environment reaches nix: NIX_CONFIG is replaced, the rest of
// the user's environment (HOME, proxies, NIX_REMOTE) is kept.
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
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NIX_CONFIG=") {
			env = append(env, kv)
		}
	}
	env = append(env, "NIX_CONFIG="+cfg.String())
	return &nix.Nix{Env: env}
}
