package nix

import (
	"strconv"
	"strings"
)

// Settings are the nix.conf settings kiln runs nix with, passed as NIX_CONFIG so kiln never
// depends on the user's nix.conf for them.
type Settings struct {
	// Sandbox builds in Nix's sandbox (always on for kiln's builds).
	Sandbox bool
	// ExtraSandboxPaths are host paths visible in the sandbox; the host toolchain needs
	// /bin /usr /lib /lib64.
	ExtraSandboxPaths []string
	// Substituters are binary caches to use; empty means none (offline).
	Substituters []string
	// TrustedPublicKeys verify what Substituters serve.
	TrustedPublicKeys []string
	// Fallback builds from source when a substituter fails mid-way (a cache that went away).
	Fallback bool
	// NoBuildUsers sets build-users-group empty: root builds without nixbld users.
	NoBuildUsers bool
	// Cores is the build's -j (0 = all cores).
	Cores int
}

// String renders the settings in nix.conf syntax.
func (s Settings) String() string {
	var b strings.Builder
	line := func(k, v string) { b.WriteString(k + " = " + v + "\n") }
	line("experimental-features", "nix-command flakes")
	// A flake must never change kiln's settings (its nixConfig could add substituters).
	line("accept-flake-config", "false")
	line("warn-dirty", "false")
	if s.Sandbox {
		line("sandbox", "true")
		// Nix falls back to building without a sandbox when it cannot make one (in a chroot,
		// without user namespaces) and says nothing; kiln's builds never do.
		line("sandbox-fallback", "false")
	} else {
		line("sandbox", "false")
	}
	// The whole sandbox is kiln's: no distribution default. Debian 13's Nix 2.26 puts
	// /bin/sh=/usr/bin/bash-static there; next to the host toolchain's /bin (a symlink to
	// usr/bin on merged-/usr systems) that makes 2.26 fail to set the sandbox up, and with
	// /bin given as a directory (/bin=/usr/bin) it writes the empty mount point for /bin/sh
	// through the bind mount — truncating the host's /usr/bin/dash.
	line("sandbox-paths", "")
	line("extra-sandbox-paths", strings.Join(s.ExtraSandboxPaths, " "))
	line("substituters", strings.Join(s.Substituters, " "))
	line("trusted-public-keys", strings.Join(s.TrustedPublicKeys, " "))
	if s.Fallback {
		line("fallback", "true")
	}
	if s.NoBuildUsers {
		line("build-users-group", "")
	}
	if s.Cores > 0 {
		line("cores", strconv.Itoa(s.Cores))
	}
	return b.String()
}

// HostSandboxPaths are the host directories the host toolchain needs inside the sandbox.
var HostSandboxPaths = []string{"/bin", "/usr", "/lib", "/lib64"}
