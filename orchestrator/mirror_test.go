package orchestrator

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kilnbuild/kiln/internal/files"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/nix"
)

// recorder is a nix Runner that records calls instead of running nix.
type recorder struct{ calls [][]string }

func (r *recorder) Run(_ context.Context, c nix.Command) ([]byte, error) {
	r.calls = append(r.calls, append([]string{c.Name}, c.Args...))
	return []byte("/nix/store/x-" + c.Args[len(c.Args)-2] + "\n"), nil
}

func TestSeedMatchesByNameThenHash(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "renamed.tgz"), []byte("source"), 0o644)
	srcs := []Source{
		{Name: "haproxy-9.9.tar.gz"},
		{Name: "missing.tar.gz", SHA256: strings.Repeat("0", 64)},
	}
	sum, _ := files.SHA256(filepath.Join(dir, "renamed.tgz"))
	srcs[0].SHA256 = sum
	rec := &recorder{}
	missing, err := Seed(context.Background(), nix.New(nix.WithRunner(rec)), dir, srcs, discard())
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) != 1 || missing[0].Name != "missing.tar.gz" {
		t.Fatalf("missing = %v", missing)
	}
	if len(rec.calls) != 1 || strings.Join(rec.calls[0], " ") != "nix store add-file --name haproxy-9.9.tar.gz "+filepath.Join(dir, "renamed.tgz") {
		t.Fatalf("nix calls %v: the file must be added under the name the fetch expects", rec.calls)
	}
}

func TestSeedHashMismatchNamesBothHashes(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "haproxy-3.0.11.tar.gz"), []byte("not the release"), 0o644)
	want := spec.Default().Package.SHA256
	rec := &recorder{}
	_, err := Seed(context.Background(), nix.New(nix.WithRunner(rec)), dir, Sources(spec.Default()), discard())
	var hm *HashMismatchError
	if !errors.As(err, &hm) {
		t.Fatalf("err = %v, want a HashMismatchError", err)
	}
	got, _ := files.SHA256(filepath.Join(dir, "haproxy-3.0.11.tar.gz"))
	if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), got) {
		t.Errorf("error does not name both hashes: %v", err)
	}
	if len(rec.calls) != 0 {
		t.Errorf("a mismatching file reached the store: %v", rec.calls)
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestSeedRefusesFIFO: a FIFO under a source's name in the mirror is refused at once.
func TestSeedRefusesFIFO(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "haproxy-3.0.11.tar.gz"), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Seed(context.Background(), nix.New(nix.WithRunner(&recorder{})), dir, Sources(spec.Default()), discard())
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file (a FIFO)") {
			t.Fatalf("Seed with a FIFO in the mirror: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Seed blocked on a FIFO")
	}
}
