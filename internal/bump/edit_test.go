package bump

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/kilnbuild/kiln/internal/tomlpos"
	"github.com/kilnbuild/kiln/nixgen/spec"
)

// tricky is TOML that a line-based edit would get wrong.
const tricky = `# a = "x"
"quoted.key" = "q"   # sha256 = "no"
a = "plain \" escaped"  # trailing
b = 'literal \ stays'
c = """
multi "line" with ""quotes"" and url = "x"
"""
d = '''raw ''' # x
e = """ends with two quotes"""""
dotted . key = "dk"
num = 1_000
date = 1979-05-27 07:32:00Z
arr = [ "one", # comment
  "two", [ "nested" ],
]
inline = { x = "ix", y = { z = "deep" } }

[t]
k = "tk"

[[aot]]
name = "first"

[[aot]]
name = "second"
[aot.sub]
v = "sub of second"
`

// The scanner finds every string value BurntSushi/toml decodes, at the right key, and
// each token decodes to the same string.
func TestScannerAgreesWithDecoder(t *testing.T) {
	docs := map[string]string{"tricky": tricky, "default.toml": string(spec.DefaultTOML)}
	for _, pattern := range []string{"../../testdata/specs/*.toml", "testdata/*.toml", "testdata/*.golden"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			docs[f] = string(b)
		}
	}
	if len(docs) < 8 {
		t.Fatalf("only %d documents found", len(docs))
	}
	for name, text := range docs {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			if _, err := toml.Decode(text, &m); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{}
			flatten("", m, want)
			d, err := tomlpos.Scan(text)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for k, sp := range d.Strings {
				var v struct{ V string }
				if _, err := toml.Decode("V = "+text[sp.Start:sp.End], &v); err != nil {
					t.Fatalf("%s: token %q: %v", k, text[sp.Start:sp.End], err)
				}
				got[k] = v.V
			}
			if a, b := keysOf(want), keysOf(got); a != b {
				t.Fatalf("keys differ:\ndecoder: %s\nscanner: %s", a, b)
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s: scanner %q, decoder %q", k, got[k], v)
				}
			}
		})
	}
}

// FuzzScanner: for any document the decoder accepts and that is within the scanner's
// limits (tomlpos.MaxDepth, MaxKeyParts: beyond them it refuses, as spec.Parse does before
// decoding), the scanner finds the same string values (go test -fuzz FuzzScanner
// ./internal/bump explores beyond the seeds).
func FuzzScanner(f *testing.F) {
	f.Add(tricky)
	f.Add(string(spec.DefaultTOML))
	f.Add("a = [\n'x',\n\t{ b = \"\"\"y\"\"\" }]\n")
	f.Fuzz(func(t *testing.T, text string) {
		var m map[string]any
		if _, err := toml.Decode(text, &m); err != nil {
			return
		}
		want := map[string]string{}
		flatten("", m, want)
		d, err := tomlpos.Scan(text)
		var limit *tomlpos.LimitError
		if errors.As(err, &limit) {
			return
		}
		if err != nil {
			t.Fatalf("the decoder accepts it, the scanner does not: %v", err)
		}
		for k, v := range want {
			sp, ok := d.Strings[k]
			if !ok {
				t.Fatalf("%s not found", k)
			}
			var got struct{ V string }
			if _, err := toml.Decode("V = "+text[sp.Start:sp.End], &got); err != nil || got.V != v {
				t.Fatalf("%s: token %q (%v), want %q", k, text[sp.Start:sp.End], err, v)
			}
		}
		// Each table's block is whole statements: cut out, what is left still decodes,
		// with fewer string values or as many.
		for k, b := range d.Tables {
			if !strings.HasPrefix(strings.TrimLeft(text[b.Header:], " \t"), "[") || b.Start > b.Header || b.Header >= b.End {
				t.Fatalf("%s: block %+v", k, b)
			}
			cut, err := apply(d, nil, []string{k})
			if err != nil {
				t.Fatal(err)
			}
			var rest map[string]any
			if _, err := toml.Decode(cut, &rest); err != nil {
				t.Fatalf("without %s the document no longer decodes: %v\n%s", k, err, cut)
			}
			left := map[string]string{}
			flatten("", rest, left)
			if len(left) > len(want) {
				t.Fatalf("without %s: %d string values, had %d", k, len(left), len(want))
			}
		}
	})
}

func flatten(prefix string, v any, out map[string]string) { flattenAt(prefix, prefix == "", v, out) }

// flattenAt names values by dotted path; top says prefix is the document itself, so that
// an empty key ("" = …) still gets its dot.
func flattenAt(prefix string, top bool, v any, out map[string]string) {
	join := func(k string) string {
		if top {
			return k
		}
		return prefix + "." + k
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			flattenAt(join(k), false, e, out)
		}
	case []map[string]any:
		for i, e := range x {
			flattenAt(fmt.Sprintf("%s[%d]", prefix, i), false, e, out)
		}
	case []any:
		for i, e := range x {
			flattenAt(fmt.Sprintf("%s[%d]", prefix, i), false, e, out)
		}
	case string:
		out[prefix] = x
	}
}

func keysOf[V any](m map[string]V) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}

func TestApplyKeepsQuoteStyle(t *testing.T) {
	d, err := tomlpos.Scan(tricky)
	if err != nil {
		t.Fatal(err)
	}
	out, err := apply(d, []edit{{"b", "new literal"}, {"a", `with "quotes"`}, {"inline.y.z", "z2"}, {"aot[1].sub.v", "v2"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`b = 'new literal'`, `a = "with \"quotes\""  # trailing`, `y = { z = "z2" } }`, `v = "v2"`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Count(out, "\n") != strings.Count(tricky, "\n") {
		t.Error("line count changed")
	}
	if _, err := apply(d, []edit{{"num", "2"}}, nil); err == nil {
		t.Error("editing a number as a string was accepted")
	}
	// A literal string cannot hold a quote: the value switches to a basic string.
	out, _ = apply(d, []edit{{"b", "it's"}}, nil)
	if !strings.Contains(out, `b = "it's"`) {
		t.Errorf("got %s", out)
	}
}

func TestScannerLines(t *testing.T) {
	d, err := tomlpos.Scan(tricky)
	if err != nil {
		t.Fatal(err)
	}
	for key, line := range map[string]int{"a": 3, "c": 5, "d": 8, "t.k": 19, "aot[1].name": 25, "aot[1].sub.v": 27} {
		if d.Keys[key] != line {
			t.Errorf("%s on line %d, want %d", key, d.Keys[key], line)
		}
	}
}

// Cutting tables: a table's comment lines go with it, the blank line that separated it
// stays (one, not two), and the comment above an array's first table stays while another
// table of the array does.
func TestApplyCutsTables(t *testing.T) {
	doc := "[package]\nversion = \"1\"\n# the patches, in order\n[[package.patches]]\nfile = \"a\"\n\n# b fixes CVE-1\n[[package.patches]]\nfile = \"b\"\n\n[[package.patches]]\nfile = \"c\"\n\n[build]\nx = 1\n"
	tests := []struct {
		drops []string
		want  string
	}{
		{[]string{"package.patches[1]"}, "[package]\nversion = \"2\"\n# the patches, in order\n[[package.patches]]\nfile = \"a\"\n\n[[package.patches]]\nfile = \"c\"\n\n[build]\nx = 1\n"},
		{[]string{"package.patches[0]", "package.patches[1]"}, "[package]\nversion = \"2\"\n# the patches, in order\n[[package.patches]]\nfile = \"c\"\n\n[build]\nx = 1\n"},
		{[]string{"package.patches[2]"}, "[package]\nversion = \"2\"\n# the patches, in order\n[[package.patches]]\nfile = \"a\"\n\n# b fixes CVE-1\n[[package.patches]]\nfile = \"b\"\n\n[build]\nx = 1\n"},
		{[]string{"package.patches[0]", "package.patches[1]", "package.patches[2]"}, "[package]\nversion = \"2\"\n\n[build]\nx = 1\n"},
	}
	d, err := tomlpos.Scan(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		got, err := apply(d, []edit{{"package.version", "2"}}, tt.drops)
		if err != nil || got != tt.want {
			t.Errorf("cut %v: %v\n%s\nwant\n%s", tt.drops, err, got, tt.want)
		}
	}
	if _, err := apply(d, nil, []string{"package"}); err != nil {
		t.Errorf("cutting a plain table: %v", err)
	}
	if _, err := apply(d, nil, []string{"package.version"}); err == nil {
		t.Error("cutting a key was accepted")
	}
}

// Cutting a table ends after its last key: the comment lines after it (a section's
// heading, commented-out tables at the end of the file, the next header's description)
// stay.
func TestApplyKeepsCommentsAfterACutTable(t *testing.T) {
	const head = "[package]\nversion = \"1\"\n\n"
	const patch = "[[package.patches]]\nfile = \"a\"\n"
	for _, rest := range []string{
		"\n# To pin Lua yourself, uncomment:\n# [sources.lua]\n# version = \"5.4.8\"\n",
		"\n# ---- how we build ----\n\n[build]\ntoolchain = \"pinned\"\n",
		"# how we build\n[build]\ntoolchain = \"pinned\"\n",
		"\n# how we build\n[build]\ntoolchain = \"pinned\"\n",
	} {
		d, err := tomlpos.Scan(head + patch + rest)
		if err != nil {
			t.Fatal(err)
		}
		got, err := apply(d, nil, []string{"package.patches[0]"})
		if want := head + strings.TrimPrefix(rest, "\n"); err != nil || got != want {
			t.Errorf("cut the patch table of\n%s%s%s: %v\ngot\n%s\nwant\n%s", head, patch, rest, err, got, want)
		}
	}
}
