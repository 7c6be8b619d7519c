package drv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/internal/testenv"
)

const fetch = `Derive([("out","/nix/store/wch76gbjqixyw4bxqjciv9pg7jxp4vlv-haproxy-3.0.11.tar.gz","sha256","a133e2d550c5fd9a849b5c7ab17bb945bcdad209ca140d41f45ebf31943ae783")],[],[],"builtin","builtin:fetchurl",[],[("builder","builtin:fetchurl"),("name","haproxy-3.0.11.tar.gz"),("out","/nix/store/wch76gbjqixyw4bxqjciv9pg7jxp4vlv-haproxy-3.0.11.tar.gz"),("outputHash","a133e2d550c5fd9a849b5c7ab17bb945bcdad209ca140d41f45ebf31943ae783"),("outputHashAlgo","sha256"),("outputHashMode","flat"),("system","builtin"),("urls","https://x/y")])`

const lib = `Derive([("out","/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-lua-5.4.7","","")],[("/nix/store/ffffffffffffffffffffffffffffffff-lua-5.4.7.tar.gz.drv",["out"])],["/nix/store/cccccccccccccccccccccccccccccccc-lua.sh"],"x86_64-linux","/bin/sh",["-e","/nix/store/cccccccccccccccccccccccccccccccc-lua.sh"],[("name","lua-5.4.7"),("script","a \"quoted\"\nline\\\\end"),("out","/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-lua-5.4.7")])`

const top = `Derive([("out","/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-haproxy-3.0.11","","")],[("/nix/store/hvm8d2hn9rigsn43b0lgm1mkfx9hg13k-haproxy-3.0.11.tar.gz.drv",["out"]),("/nix/store/llllllllllllllllllllllllllllllll-lua-5.4.7.drv",["out"])],[],"x86_64-linux","/bin/sh",[],[("name","haproxy-3.0.11")])`

func TestParse(t *testing.T) {
	d, err := Parse([]byte(fetch))
	if err != nil {
		t.Fatal(err)
	}
	if !d.FixedOutput() || d.Name() != "haproxy-3.0.11.tar.gz" || d.Builder != "builtin:fetchurl" || d.Outputs["out"].HashAlgo != "sha256" {
		t.Errorf("fetch: %+v", d)
	}
	d, err = Parse([]byte(lib))
	if err != nil {
		t.Fatal(err)
	}
	if d.FixedOutput() || d.Env["script"] != "a \"quoted\"\nline\\\\end" || len(d.InputDrvs) != 1 || d.Args[0] != "-e" {
		t.Errorf("lib: %+v", d)
	}
	for _, bad := range []string{"", "Derive(", lib + "x", strings.Replace(lib, "],[", "][", 1), `Derive([("out")],`} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%.40q) accepted", bad)
		}
	}
}

func TestGraphOrder(t *testing.T) {
	files := map[string]string{
		"/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-haproxy-3.0.11.drv":        top,
		"/nix/store/hvm8d2hn9rigsn43b0lgm1mkfx9hg13k-haproxy-3.0.11.tar.gz.drv": fetch,
		"/nix/store/llllllllllllllllllllllllllllllll-lua-5.4.7.drv":             lib,
		"/nix/store/ffffffffffffffffffffffffffffffff-lua-5.4.7.tar.gz.drv":      strings.Replace(fetch, "haproxy-3.0.11", "lua-5.4.7", -1),
	}
	nodes, err := Graph("/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-haproxy-3.0.11.drv", func(p string) ([]byte, error) {
		s, ok := files[p]
		if !ok {
			return nil, os.ErrNotExist
		}
		return []byte(s), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	pos := map[string]int{}
	for i, n := range nodes {
		pos[n.Path] = i
	}
	if len(nodes) != 4 || pos["/nix/store/llllllllllllllllllllllllllllllll-lua-5.4.7.drv"] < pos["/nix/store/ffffffffffffffffffffffffffffffff-lua-5.4.7.tar.gz.drv"] ||
		nodes[3].Path != "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-haproxy-3.0.11.drv" {
		t.Errorf("order %v", nodes)
	}
}

// TestParseRealDerivations parses every .drv of the local store: the parser reads what
// nix writes.
func TestParseRealDerivations(t *testing.T) {
	drvs, _ := filepath.Glob("/nix/store/*.drv")
	if len(drvs) == 0 {
		testenv.Env(t, "KILN_TEST_STOREPATH", "a build in /nix/store, so that there are derivations to parse")
		t.Fatal("no derivation in /nix/store although a build ran")
	}
	if len(drvs) > 300 {
		drvs = drvs[:300]
	}
	for _, p := range drvs {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if _, err := Parse(data); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}
