package audit

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// Entry is one file of an image's root filesystem, as the rootfs audit sees it.
type Entry struct {
	// Path is the path in the image; it is cleaned and made absolute before use.
	Path string
	// Mode holds type, permission, setuid/setgid and sticky bits.
	Mode fs.FileMode
	// UID and GID are the numeric owner.
	UID, GID int
	// Linkname is a symlink's target or a hard link's source.
	Linkname string
	// Size is a regular file's size in bytes.
	Size int64
}

// RootfsOptions relaxes the rootfs audit.
type RootfsOptions struct {
	// AllowOwners permits files owned by a non-root uid, or writable by a non-root
	// group (e.g. a state directory the runtime user must write); by default every file
	// belongs to root and no group but root's may write it, so the unprivileged process
	// cannot rewrite its own binary or config.
	AllowOwners bool
}

// shellNames are interpreters that make a "no shell" image a shell image.
var shellNames = map[string]bool{
	"sh": true, "bash": true, "dash": true, "ash": true, "zsh": true,
	"ksh": true, "mksh": true, "csh": true, "tcsh": true, "fish": true,
}

// packageDBs are the roots of package manager databases: their presence means an
// attacker (or a later layer) can install software with the distro's tools.
var packageDBs = []string{
	"/var/lib/dpkg", "/var/lib/apt", "/lib/apk/db", "/etc/apk",
	"/var/lib/rpm", "/usr/lib/sysimage/rpm",
}

// stickyTmp are the directories that may be world-writable when sticky.
var stickyTmp = map[string]bool{"/tmp": true, "/var/tmp": true}

// Rootfs audits an image's files and its configured user: no shell, no package
// database, no setuid/setgid file, nothing world-writable (symlinks and a sticky
// /tmp aside), a non-root numeric uid:gid user, and no file owned by a non-root
// uid or writable by a non-root group unless opts.AllowOwners. Violations come in entry order, the user last.
func Rootfs(entries []Entry, user string, opts RootfsOptions) []Violation {
	var out []Violation
	seenDB := map[string]bool{}
	for _, e := range entries {
		p := cleanPath(e.Path)
		add := func(prop, got, want string) {
			out = append(out, Violation{File: p, Property: prop, Got: got, Want: want})
		}
		link := e.Mode&fs.ModeSymlink != 0

		if !e.Mode.IsDir() && isShell(p) {
			got := "present"
			if e.Linkname != "" {
				got = "link to " + e.Linkname
			}
			add("shell", got, "absent")
		}
		for _, db := range packageDBs {
			if (p == db || strings.HasPrefix(p, db+"/")) && !seenDB[db] {
				seenDB[db] = true
				out = append(out, Violation{File: db, Property: "package-db", Got: "present", Want: "absent"})
			}
		}
		if link {
			// A symlink's own mode and owner mean nothing to the kernel.
			continue
		}
		if e.Mode&fs.ModeSetuid != 0 {
			add("setuid", e.Mode.String(), "no setuid bit")
		}
		if e.Mode&fs.ModeSetgid != 0 {
			add("setgid", e.Mode.String(), "no setgid bit")
		}
		if e.Mode.Perm()&0o002 != 0 && !(e.Mode.IsDir() && e.Mode&fs.ModeSticky != 0 && stickyTmp[p]) {
			add("world-writable", e.Mode.String(), "not world-writable")
		}
		switch {
		case opts.AllowOwners:
		case e.UID != 0:
			add("owner", strconv.Itoa(e.UID)+":"+strconv.Itoa(e.GID), "0")
		case e.GID != 0 && e.Mode.Perm()&0o020 != 0:
			// Root's file, but writable by its group: the runtime user's (or another but
			// root's), whose processes can rewrite it as if they owned it.
			add("group-writable", e.Mode.String()+" gid "+strconv.Itoa(e.GID), "not writable by a non-root group")
		}
	}
	if v, ok := checkUser(user); !ok {
		out = append(out, v)
	}
	return out
}

// isShell says whether p is a shell: busybox anywhere, or a shell name in a bin dir
// (/bin, /usr/bin, /usr/local/sbin, /nix/store/...-bash/bin, ...).
func isShell(p string) bool {
	dir, base := path.Split(p)
	if base == "busybox" {
		return true
	}
	d := path.Base(dir)
	return shellNames[base] && (d == "bin" || d == "sbin")
}

// checkUser wants a numeric, non-root uid and gid: a name needs /etc/passwd in the
// image to resolve, "" means root, and a missing gid means group 0.
func checkUser(user string) (Violation, bool) {
	const want = "non-root numeric uid:gid"
	bad := Violation{Property: "user", Got: user, Want: want}
	uid, gid, hasGID := strings.Cut(user, ":")
	u, err := strconv.ParseUint(uid, 10, 32)
	if err != nil || u == 0 || !hasGID {
		return bad, false
	}
	g, err := strconv.ParseUint(gid, 10, 32)
	if err != nil || g == 0 {
		return bad, false
	}
	return Violation{}, true
}

// cleanPath makes an image path absolute and clean: "./bin/sh", "bin/sh/" → "/bin/sh".
func cleanPath(p string) string {
	return path.Clean("/" + p)
}

// EntriesFromTar lists the entries of an uncompressed tar layer. OCI whiteouts
// (.wh.<name>, .wh..wh..opq) are skipped: they delete files of lower layers and are
// not files of the image themselves.
func EntriesFromTar(r io.Reader) ([]Entry, error) {
	var out []Entry
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading tar layer: %w", err)
		}
		if e, ok := EntryFromHeader(h); ok {
			out = append(out, e)
		}
	}
}

// EntryFromHeader is the audit's view of one tar header; ok is false for OCI whiteouts,
// which delete rather than add a file.
func EntryFromHeader(h *tar.Header) (e Entry, ok bool) {
	if strings.HasPrefix(path.Base(h.Name), ".wh.") {
		return Entry{}, false
	}
	return Entry{
		Path:     cleanPath(h.Name),
		Mode:     h.FileInfo().Mode(),
		UID:      h.Uid,
		GID:      h.Gid,
		Linkname: h.Linkname,
		Size:     h.Size,
	}, true
}
