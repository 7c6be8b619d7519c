package resultcache

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

var secret = bytes.Repeat([]byte{7}, 32)

func TestKeyIsUnambiguous(t *testing.T) {
	if Key("ab", "c") == Key("a", "bc") {
		t.Fatal("part boundaries are not part of the key")
	}
	// Two calls, not one expression compared with itself: a key that drew on
	// anything but its parts (a random salt, the time) would differ here.
	if first, second := Key("a"), Key("a"); first != second {
		t.Fatal("key is not stable")
	}
}

func TestRoundTripCorruptionAndTampering(t *testing.T) {
	c, err := New(filepath.Join(t.TempDir(), "results"), secret)
	if err != nil {
		t.Fatal(err)
	}
	key := Key("spec", "recipes")
	if _, found, err := c.Get(key); found || err != nil {
		t.Fatalf("empty cache: found=%v err=%v", found, err)
	}
	want := &Entry{Key: key, Digest: "sha256:abc", NixVersion: "2.8.0", Outputs: []string{"/nix/store/x-haproxy"}, Closure: []string{"/nix/store/x-haproxy"}}
	if err := c.Put(want); err != nil {
		t.Fatal(err)
	}
	got, found, err := c.Get(key)
	if err != nil || !found || got.Digest != want.Digest || got.Outputs[0] != want.Outputs[0] || got.NixVersion != "2.8.0" {
		t.Fatalf("Get = %+v %v %v", got, found, err)
	}
	file := filepath.Join(c.Dir(), key+".json")
	good, _ := os.ReadFile(file)

	// An entry edited by hand (one store path added to its closure) is not authentic.
	edited := bytes.Replace(good, []byte(`"closure": [`), []byte(`"closure": ["/nix/store/y-evil",`), 1)
	if bytes.Equal(edited, good) {
		t.Fatalf("test did not edit the entry: %s", good)
	}
	os.WriteFile(file, edited, 0o644)
	if _, found, err := c.Get(key); found || !errors.Is(err, ErrTampered) {
		t.Errorf("edited entry: found=%v err=%v, want ErrTampered", found, err)
	}
	// The same entry under another secret (another user's kiln, a planted file) is refused.
	os.WriteFile(file, good, 0o644)
	other, _ := New(c.Dir(), bytes.Repeat([]byte{8}, 32))
	if _, found, err := other.Get(key); found || !errors.Is(err, ErrTampered) {
		t.Errorf("foreign entry: found=%v err=%v, want ErrTampered", found, err)
	}
	for name, content := range map[string]string{
		"truncated": `{"entry": {"key": "` + key,
		"not JSON":  "\x00\x01",
	} {
		os.WriteFile(file, []byte(content), 0o644)
		if _, found, err := c.Get(key); found || err != nil {
			t.Errorf("%s entry: found=%v err=%v, want a miss", name, found, err)
		}
	}
	if _, _, err := c.Get("../../etc/passwd"); err == nil {
		t.Error("a key that is not a hex digest was accepted")
	}
	entries, _ := os.ReadDir(c.Dir())
	for _, e := range entries {
		if e.Name() != key+".json" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

func TestLoadSecret(t *testing.T) {
	p := filepath.Join(t.TempDir(), "state", "kiln", "result-cache.key")
	a, err := LoadSecret(p)
	if err != nil || len(a) != 32 {
		t.Fatal(a, err)
	}
	st, _ := os.Stat(p)
	dir, _ := os.Stat(filepath.Dir(p))
	if st.Mode().Perm() != 0o600 || dir.Mode().Perm() != 0o700 {
		t.Errorf("secret %v in dir %v, want 0600 in 0700", st.Mode(), dir.Mode())
	}
	b, err := LoadSecret(p)
	if err != nil || !bytes.Equal(a, b) {
		t.Fatal("the secret is not stable", err)
	}
	os.WriteFile(p, []byte("short\n"), 0o600)
	if _, err := LoadSecret(p); err == nil {
		t.Error("a malformed secret was accepted")
	}
	if _, err := New(t.TempDir(), []byte("short")); err == nil {
		t.Error("a short secret was accepted")
	}
}
