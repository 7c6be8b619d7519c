package spec

import (
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// lineOf returns the line of key, or of its nearest enclosing key that has one.
func lineOf(lines map[string]int, key string) int {
	for key != "" {
		if l, ok := lines[key]; ok {
			return l
		}
		cut := strings.LastIndexAny(key, ".[")
		if cut < 0 {
			return 0
		}
		key = key[:cut]
	}
	return 0
}

// keyLines holds the line of every key of a document by the name the decoder gives it: its
// parts joined by dots, unquoted as the scanner keeps them, without array indexes
// (package.patches.file); a key written more than once (one per [[package.patches]]) has
// its first line.
type keyLines map[string]int

var indexRE = regexp.MustCompile(`\[\d+\]`)

func newKeyLines(lines map[string]int) keyLines {
	kl := keyLines{}
	for k, l := range lines {
		if strings.Contains(k, "[") {
			k = indexRE.ReplaceAllString(k, "")
		}
		if first, ok := kl[k]; !ok || l < first {
			kl[k] = l
		}
	}
	return kl
}

// line returns the line of a key the decoder names, or of its nearest enclosing key that
// has one. It goes by the key's parts: a quoted part may hold a dot or a space.
func (kl keyLines) line(key toml.Key) int {
	for n := len(key); n > 0; n-- {
		if l, ok := kl[strings.Join(key[:n], ".")]; ok {
			return l
		}
	}
	return 0
}
