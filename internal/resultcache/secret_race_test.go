package resultcache

import (
	"bytes"
	"path/filepath"
	"sync"
	"testing"
)

// kiln runs that start at once on a machine with no secret yet (parallel CI jobs, a fresh
// container) all end up with the one secret on disk: an entry one of them writes is not
// refused as tampered by the next.
func TestLoadSecretConcurrentFirstUse(t *testing.T) {
	for round := 0; round < 5; round++ {
		path := filepath.Join(t.TempDir(), "kiln", "result-cache.key")
		const n = 8
		secrets := make([][]byte, n)
		errs := make([]error, n)
		var start, wg sync.WaitGroup
		start.Add(1)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start.Wait()
				secrets[i], errs[i] = LoadSecret(path)
			}()
		}
		start.Done()
		wg.Wait()
		onDisk, err := LoadSecret(path)
		if err != nil {
			t.Fatal(err)
		}
		distinct := 0
		for i := 0; i < n; i++ {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if !bytes.Equal(secrets[i], onDisk) {
				distinct++
			}
		}
		if distinct > 0 {
			t.Fatalf("round %d: %d of %d concurrent LoadSecret calls returned a secret that is not the one on disk", round, distinct, n)
		}
	}
}
