package cache

import (
	"os"
	"path/filepath"
	"testing"
)

func TestResultKeyIsUnambiguous(t *testing.T) {
	if ResultKey("ab", "c") == ResultKey("a", "bc") {
		t.Fatal("part boundaries are not part of the key")
	}
	if ResultKey("a") != ResultKey("a") {
		t.Fatal("key is not stable")
	}
}

func TestResultsRoundTripAndCorruption(t *testing.T) {
	r := Results{Dir: filepath.Join(t.TempDir(), "results")}
	key := ResultKey("spec", "recipes")
	if _, found, err := r.Get(key); found || err != nil {
		t.Fatalf("empty cache: found=%v err=%v", found, err)
	}
	want := &Result{Key: key, Digest: "sha256:abc", Outputs: []string{"/nix/store/x-haproxy"}, Closure: []string{"/nix/store/x-haproxy"}}
	if err := r.Put(want); err != nil {
		t.Fatal(err)
	}
	got, found, err := r.Get(key)
	if err != nil || !found || got.Digest != want.Digest || got.Outputs[0] != want.Outputs[0] {
		t.Fatalf("Get = %+v %v %v", got, found, err)
	}
	for name, content := range map[string]string{
		"truncated":       `{"key": "` + key,
		"other key":       `{"key": "` + ResultKey("x") + `", "digest": "sha256:a", "outputs": ["/nix/store/a"]}`,
		"escaping output": `{"key": "` + key + `", "digest": "sha256:a", "outputs": ["/nix/store/../../etc"]}`,
	} {
		os.WriteFile(filepath.Join(r.Dir, key+".json"), []byte(content), 0o644)
		if _, found, err := r.Get(key); found || err != nil {
			t.Errorf("%s entry: found=%v err=%v, want a miss", name, found, err)
		}
	}
	if _, _, err := r.Get("../../etc/passwd"); err == nil {
		t.Error("a key that is not a hex digest was accepted")
	}
	entries, _ := os.ReadDir(r.Dir)
	for _, e := range entries {
		if e.Name() != key+".json" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
