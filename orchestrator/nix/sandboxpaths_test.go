package nix

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestSandboxPaths(t *testing.T) {
	root := t.TempDir()
	usr := filepath.Join(root, "usr")
	if err := os.MkdirAll(filepath.Join(usr, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "bin")
	if err := os.Symlink("usr/bin", bin); err != nil {
		t.Fatal(err)
	}
	got := SandboxPaths([]string{bin, usr, filepath.Join(root, "lib64"), "/x=/y"})
	want := []string{bin + "=" + filepath.Join(usr, "bin"), usr, "/x=/y"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SandboxPaths = %v, want %v", got, want)
	}
}
