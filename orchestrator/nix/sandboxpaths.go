package nix

import (
	"os"
	"path/filepath"
	"strings"
)

// SandboxPaths turns host paths into sandbox-paths entries that every Nix version accepts
// on this machine. A path that is a symlink — /bin, /lib and /lib64 on a merged-/usr system
// (Debian 12 and 13 both) — becomes "PATH=TARGET", the directory it points to mounted at
// PATH: Nix 2.8 copies such a symlink into the sandbox, but Nix 2.26 fails to set the
// sandbox up ("creating directory '….chroot/root/bin': No such file or directory"). A path
// that does not exist is left out (/lib64 on some systems); "TARGET=SOURCE" entries are kept.
func SandboxPaths(paths []string) []string {
	var out []string
	for _, p := range paths {
		if strings.Contains(p, "=") {
			out = append(out, p)
			continue
		}
		fi, err := os.Lstat(p)
		switch {
		case err != nil:
			continue
		case fi.Mode()&os.ModeSymlink != 0:
			target, err := filepath.EvalSymlinks(p)
			if err != nil {
				continue
			}
			out = append(out, p+"="+target)
		default:
			out = append(out, p)
		}
	}
	return out
}
