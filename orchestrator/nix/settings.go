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
	// Substituters are binary caches to use; empty means none (offline).
	Substituters []string
	// TrustedPublicKeys verify what Substituters serve.
	TrustedPublicKeys []string
	// Fallback builds from source when a substituter fails mid-way (a cache that went away).
	Fallback bool
	// NoBuildUsers sets build-users-group empty: root builds without nixbld users.
	NoBuildUsers bool
	// Cores is the build's -j (0 = nix's default).
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
	line("sandbox", strconv.FormatBool(s.Sandbox))
	if s.Sandbox {
		// Nix falls back to building without a sandbox when it cannot make one (in a chroot,
		// without user namespaces) and says nothing; kiln's builds never do.
		line("sandbox-fallback", "false")
	}
	// The whole sandbox is kiln's: no host path, no distribution default, whatever nix.conf
	// says. Every toolchain brings its own tools; Debian 13's Nix 2.26 default
	// (/bin/sh=/usr/bin/bash-static) would hide a recipe that still needs /bin/sh, and next
	// to a /bin bind mount it wrote the empty mount point through to the host's
	// /usr/bin/dash.
	line("sandbox-paths", "")
	line("extra-sandbox-paths", "")
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

// Environ returns environ (the caller's environment, "KEY=value" entries) with kiln's
// settings appended to its NIX_CONFIG: later lines win, so every setting kiln owns
// (features, sandbox, substituters, keys) is kiln's, while the user's others (builders for
// remote builds, cores, proxies) still apply. Everything else in environ is kept.
func Environ(environ []string, s Settings) []string {
	out := make([]string, 0, len(environ)+1)
	user := ""
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "NIX_CONFIG="); ok {
			user = v + "\n"
			continue
		}
		out = append(out, kv)
	}
	return append(out, "NIX_CONFIG="+user+s.String())
}
