package orchestrator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindProgram(t *testing.T) {
	root := t.TempDir()
	outputs := []string{"/nix/store/aaa-dev", "/nix/store/bbb-haproxy", "/nix/store/ccc-haproxy"}
	mk := func(p string, dir bool) {
		t.Helper()
		full := filepath.Join(root, filepath.FromSlash(p))
		if dir {
			if err := os.MkdirAll(full, 0o755); err != nil {
				t.Fatal(err)
			}
			return
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte("x"), 0o555); err != nil {
			t.Fatal(err)
		}
	}
	mk("/nix/store/aaa-dev/bin/haproxy", true) // a directory is not a program
	mk("/nix/store/bbb-haproxy/bin/haproxy", false)
	mk("/nix/store/ccc-haproxy/bin/haproxy", false)

	got, err := FindProgram(outputs, root, "haproxy")
	if err != nil || got != "/nix/store/bbb-haproxy/bin/haproxy" {
		t.Fatalf("FindProgram = %q, %v; want the first output's regular file", got, err)
	}
	_, err = FindProgram(outputs, root, "nginx")
	if err == nil || !strings.Contains(err.Error(), "no bin/nginx") || !strings.Contains(err.Error(), "bbb-haproxy") {
		t.Fatalf("FindProgram of a missing name: %v; want an error naming bin/nginx and the outputs", err)
	}
}
