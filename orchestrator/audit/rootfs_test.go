package audit

import (
	"archive/tar"
	"bytes"
	"io/fs"
	"reflect"
	"testing"
)

// minimal is a clean kiln-like rootfs: a store path, config, a sticky /tmp.
var minimal = []Entry{
	{Path: "/", Mode: fs.ModeDir | 0o755},
	{Path: "/etc", Mode: fs.ModeDir | 0o755},
	{Path: "/etc/passwd", Mode: 0o644, Size: 40},
	{Path: "/etc/haproxy/haproxy.cfg", Mode: 0o444, Size: 300},
	{Path: "/nix/store/x-haproxy-3.0.11/bin/haproxy", Mode: 0o555, Size: 2194480},
	{Path: "/usr/sbin/haproxy", Mode: fs.ModeSymlink | 0o777, Linkname: "/nix/store/x-haproxy-3.0.11/bin/haproxy"},
	{Path: "/tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
}

func TestRootfs(t *testing.T) {
	with := func(extra ...Entry) []Entry { return append(append([]Entry{}, minimal...), extra...) }
	tests := []struct {
		name    string
		entries []Entry
		user    string
		opts    RootfsOptions
		want    []Violation
	}{
		{"clean", minimal, "65534:65534", RootfsOptions{}, nil},
		{"bin/sh", with(Entry{Path: "bin/sh", Mode: 0o755}), "1:1", RootfsOptions{},
			[]Violation{{File: "/bin/sh", Property: "shell", Got: "present", Want: "absent"}}},
		{"sh symlink to busybox", with(
			Entry{Path: "./bin/busybox", Mode: 0o755},
			Entry{Path: "./bin/sh", Mode: fs.ModeSymlink | 0o777, Linkname: "busybox"},
		), "1:1", RootfsOptions{}, []Violation{
			{File: "/bin/busybox", Property: "shell", Got: "present", Want: "absent"},
			{File: "/bin/sh", Property: "shell", Got: "link to busybox", Want: "absent"},
		}},
		{"busybox anywhere", with(Entry{Path: "/opt/tools/busybox", Mode: 0o755}), "1:1", RootfsOptions{},
			[]Violation{{File: "/opt/tools/busybox", Property: "shell", Got: "present", Want: "absent"}}},
		{"shells in store bin dirs", with(
			Entry{Path: "/nix/store/y-bash-5.2/bin/bash", Mode: 0o555},
			Entry{Path: "/usr/local/sbin/zsh", Mode: 0o755},
			Entry{Path: "/usr/bin/dash", Mode: 0o755},
			Entry{Path: "/bin/ash", Mode: 0o755},
		), "1:1", RootfsOptions{}, []Violation{
			{File: "/nix/store/y-bash-5.2/bin/bash", Property: "shell", Got: "present", Want: "absent"},
			{File: "/usr/local/sbin/zsh", Property: "shell", Got: "present", Want: "absent"},
			{File: "/usr/bin/dash", Property: "shell", Got: "present", Want: "absent"},
			{File: "/bin/ash", Property: "shell", Got: "present", Want: "absent"},
		}},
		{"sh outside bin dirs and a dir named sh are fine", with(
			Entry{Path: "/usr/share/doc/sh", Mode: 0o644},
			Entry{Path: "/bin/sh", Mode: fs.ModeDir | 0o755},
		), "1:1", RootfsOptions{}, nil},
		{"package databases once per root", with(
			Entry{Path: "/var/lib/dpkg", Mode: fs.ModeDir | 0o755},
			Entry{Path: "/var/lib/dpkg/status", Mode: 0o644},
			Entry{Path: "/lib/apk/db/installed", Mode: 0o644},
			Entry{Path: "/var/lib/rpm/Packages", Mode: 0o644},
			Entry{Path: "/var/lib/apt/lists/x", Mode: 0o644},
			Entry{Path: "/etc/apk/repositories", Mode: 0o644},
			Entry{Path: "/var/lib/dpkgx", Mode: 0o644},
		), "1:1", RootfsOptions{}, []Violation{
			{File: "/var/lib/dpkg", Property: "package-db", Got: "present", Want: "absent"},
			{File: "/lib/apk/db", Property: "package-db", Got: "present", Want: "absent"},
			{File: "/var/lib/rpm", Property: "package-db", Got: "present", Want: "absent"},
			{File: "/var/lib/apt", Property: "package-db", Got: "present", Want: "absent"},
			{File: "/etc/apk", Property: "package-db", Got: "present", Want: "absent"},
		}},
		{"setuid and setgid", with(
			Entry{Path: "/usr/bin/ping", Mode: fs.ModeSetuid | 0o755},
			Entry{Path: "/usr/bin/wall", Mode: fs.ModeSetgid | 0o755},
		), "1:1", RootfsOptions{}, []Violation{
			{File: "/usr/bin/ping", Property: "setuid", Got: "urwxr-xr-x", Want: "no setuid bit"},
			{File: "/usr/bin/wall", Property: "setgid", Got: "grwxr-xr-x", Want: "no setgid bit"},
		}},
		{"world-writable", with(
			Entry{Path: "/etc/haproxy/map.txt", Mode: 0o666},
			Entry{Path: "/var/run", Mode: fs.ModeDir | 0o777},
			Entry{Path: "/data", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
		), "1:1", RootfsOptions{}, []Violation{
			{File: "/etc/haproxy/map.txt", Property: "world-writable", Got: "-rw-rw-rw-", Want: "not world-writable"},
			{File: "/var/run", Property: "world-writable", Got: "drwxrwxrwx", Want: "not world-writable"},
			{File: "/data", Property: "world-writable", Got: "dtrwxrwxrwx", Want: "not world-writable"},
		}},
		{"non-sticky tmp", []Entry{{Path: "/tmp", Mode: fs.ModeDir | 0o777}}, "1:1", RootfsOptions{},
			[]Violation{{File: "/tmp", Property: "world-writable", Got: "drwxrwxrwx", Want: "not world-writable"}}},
		{"owners", with(
			Entry{Path: "/var/lib/haproxy", Mode: fs.ModeDir | 0o700, UID: 65534, GID: 65534},
			Entry{Path: "/etc/link", Mode: fs.ModeSymlink | 0o777, Linkname: "x", UID: 7},
		), "65534:65534", RootfsOptions{}, []Violation{
			{File: "/var/lib/haproxy", Property: "owner", Got: "65534:65534", Want: "0"},
		}},
		{"owners allowed", with(Entry{Path: "/var/lib/haproxy", Mode: fs.ModeDir | 0o700, UID: 65534, GID: 65534}),
			"65534:65534", RootfsOptions{AllowOwners: true}, nil},
		{"writable by a non-root group", with(
			Entry{Path: "/etc/haproxy/haproxy.cfg", Mode: 0o664, GID: 65534},
			Entry{Path: "/etc/haproxy/root-group.cfg", Mode: 0o664},
			Entry{Path: "/etc/haproxy/read-only.cfg", Mode: 0o644, GID: 65534},
		), "65534:65534", RootfsOptions{}, []Violation{
			{File: "/etc/haproxy/haproxy.cfg", Property: "group-writable", Got: "-rw-rw-r-- gid 65534", Want: "not writable by a non-root group"},
		}},
		{"group writes allowed", with(Entry{Path: "/var/lib/haproxy", Mode: fs.ModeDir | 0o770, GID: 65534}),
			"65534:65534", RootfsOptions{AllowOwners: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Rootfs(tt.entries, tt.user, tt.opts); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Rootfs =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func TestRootfsUser(t *testing.T) {
	for _, u := range []string{"", "0", "root", "0:0", "root:root", "0:1000", "1000", "1000:0", "haproxy:haproxy", "1000:", ":1000", "-1:-1", "1000:1000:1"} {
		want := []Violation{{Property: "user", Got: u, Want: "non-root numeric uid:gid"}}
		if got := Rootfs(nil, u, RootfsOptions{}); !reflect.DeepEqual(got, want) {
			t.Errorf("user %q: %v, want %v", u, got, want)
		}
	}
	for _, u := range []string{"1000:1000", "65534:65534", "1:2"} {
		if got := Rootfs(nil, u, RootfsOptions{}); got != nil {
			t.Errorf("user %q: %v, want none", u, got)
		}
	}
}

// TestEntriesFromTar writes a layer the way image builders do (./ prefixes,
// whiteouts, links, setuid bits) and reads it back.
func TestEntriesFromTar(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdrs := []*tar.Header{
		{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "./bin/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "./bin/busybox", Typeflag: tar.TypeReg, Mode: 0o4755, Size: 5},
		{Name: "./bin/sh", Typeflag: tar.TypeSymlink, Mode: 0o777, Linkname: "busybox"},
		{Name: "./bin/ash", Typeflag: tar.TypeLink, Mode: 0o755, Linkname: "bin/busybox"},
		{Name: "./etc/.wh.shadow", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "./var/.wh..wh..opq", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "./tmp/", Typeflag: tar.TypeDir, Mode: 0o1777},
		{Name: "./srv/data", Typeflag: tar.TypeReg, Mode: 0o2666, Uid: 1000, Gid: 1000, Size: 3},
	}
	for _, h := range hdrs {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := tw.Write(bytes.Repeat([]byte("x"), int(h.Size))); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}

	got, err := EntriesFromTar(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{Path: "/", Mode: fs.ModeDir | 0o755},
		{Path: "/bin", Mode: fs.ModeDir | 0o755},
		{Path: "/bin/busybox", Mode: fs.ModeSetuid | 0o755, Size: 5},
		{Path: "/bin/sh", Mode: fs.ModeSymlink | 0o777, Linkname: "busybox"},
		{Path: "/bin/ash", Mode: 0o755, Linkname: "bin/busybox"},
		{Path: "/tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
		{Path: "/srv/data", Mode: fs.ModeSetgid | 0o666, UID: 1000, GID: 1000, Size: 3},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("entries:\n%+v\nwant\n%+v", got, want)
	}

	wantV := []Violation{
		{File: "/bin/busybox", Property: "shell", Got: "present", Want: "absent"},
		{File: "/bin/busybox", Property: "setuid", Got: "urwxr-xr-x", Want: "no setuid bit"},
		{File: "/bin/sh", Property: "shell", Got: "link to busybox", Want: "absent"},
		{File: "/bin/ash", Property: "shell", Got: "link to bin/busybox", Want: "absent"},
		{File: "/srv/data", Property: "setgid", Got: "grw-rw-rw-", Want: "no setgid bit"},
		{File: "/srv/data", Property: "world-writable", Got: "grw-rw-rw-", Want: "not world-writable"},
		{File: "/srv/data", Property: "owner", Got: "1000:1000", Want: "0"},
		{Property: "user", Got: "root", Want: "non-root numeric uid:gid"},
	}
	if v := Rootfs(got, "root", RootfsOptions{}); !reflect.DeepEqual(v, wantV) {
		t.Errorf("Rootfs =\n%v\nwant\n%v", v, wantV)
	}
}

func TestEntriesFromTarCorrupt(t *testing.T) {
	if _, err := EntriesFromTar(bytes.NewReader(bytes.Repeat([]byte{1}, 1024))); err == nil {
		t.Error("garbage read as a tar layer without error")
	}
}
