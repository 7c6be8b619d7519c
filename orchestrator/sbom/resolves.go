package sbom

import (
	"bufio"
	"bytes"
	"regexp"
	"slices"
	"strings"
)

// cveID is a CVE identifier.
var cveID = regexp.MustCompile(`\bCVE-[0-9]{4}-[0-9]{4,}\b`)

// patchResolves are the CVEs a patch says it fixes, in its header (before the diff): the
// lines "Fixes: CVE-…" or "Fixes CVE-…" of upstream commit messages, and DEP-3's
// "Bug-Debian-Security: …/CVE-…" that Debian adds. A CVE merely named ("Add test for
// CVE-…") is not one the patch fixes, and is not listed. Sorted, each once.
func patchResolves(content []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(content))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "---" || strings.HasPrefix(line, "--- ") || strings.HasPrefix(line, "diff ") || strings.HasPrefix(line, "Index: ") {
			break // the diff starts: what follows is code, not the patch's description
		}
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "Fixes") || strings.HasPrefix(t, "Bug-Debian-Security:") {
			out = append(out, cveID.FindAllString(t, -1)...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
