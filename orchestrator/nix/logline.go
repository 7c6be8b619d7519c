package nix

import (
	"regexp"
	"strings"
)

// The lines of nix's build log kiln reads, the same from Nix 2.8 to 2.26 (checked on both;
// see testdata/nix-*/*.log):
//
//	building '/nix/store/…drv'...                        a local build
//	building '/nix/store/…drv' on 'ssh-ng://host'...     a build on a remote builder
//	checking outputs of '/nix/store/…drv'...             a --rebuild (local or '… on …')
//	copying path '/nix/store/…' from 'https://cache'...  a substitution
//	copying path '/nix/store/…' from 'ssh-ng://host'...  a remote build's result coming
//	                                                     back (2.26 says 'ssh-ng://')
//
// A line "copying path '…' to '…'" is an upload (nix copy, or inputs sent to a remote
// builder), not a substitution.
var (
	buildingRE = regexp.MustCompile(`^(?:building|checking outputs of) '(/[^']+\.drv)'(?: on '([^']+)')?`)
	copyingRE  = regexp.MustCompile(`^copying path '(/[^']+)' from '([^']+)'`)
)

// LocalMachine is the Activity.BuiltOn value of a derivation built by the local nix.
const LocalMachine = "local"

// The kept-directory line:
//
//	note: keeping build directory '/tmp/nix-build-….drv-0'   (2.26: '…drv-0/build')

// fromBuilder reports whether a copy's source is one of the remote builders: Nix 2.26
// names an ssh-ng builder without its host there ("from 'ssh-ng://'"), a binary cache is
// never named so.
func (a *Activity) fromBuilder(source string) bool {
	if a.builders[source] {
		return true
	}
	if scheme, rest, ok := strings.Cut(source, "://"); ok && rest == "" {
		for b := range a.builders {
			if strings.HasPrefix(b, scheme+"://") {
				return true
			}
		}
	}
	return false
}

// appendNew appends s unless list already holds it: nix repeats a "building" line when a
// remote builder's log is forwarded or a build is retried.
func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
