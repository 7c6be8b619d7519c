package spec

import (
	"errors"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/internal/termsafe"
)

// FuzzParse: whatever bytes a spec holds, loading and validating it never panics, and
// every problem is a located spec error whose text cannot drive a terminal.
func FuzzParse(f *testing.F) {
	f.Add(string(DefaultTOML))
	f.Add(hostileBase + "[[image.files]]\npath = \"/etc/a\"\ncontent = \"x\"\n")
	f.Add("spec_version = 1\n[image.labels]\n\"a\\u001b\" = \"\\u0000\"\n")
	f.Add("a=\"\\\u009b\"") // the decoder quotes a bad escape raw
	f.Add("[package]\nurl = \"https://u:p@h/x.tar.gz\"\n")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, doc string) {
		s, err := Parse("fuzz.toml", dir, []byte(doc))
		if err == nil {
			err = s.Validate()
		}
		if err == nil {
			return
		}
		var se *Error
		if !errors.As(err, &se) {
			t.Fatalf("not a spec error: %T %v", err, err)
		}
		if msg := err.Error(); strings.ContainsAny(msg, "\x1b\x00\r") || termsafe.String(msg) != msg {
			t.Fatalf("error carries a control character: %q", err)
		}
	})
}
