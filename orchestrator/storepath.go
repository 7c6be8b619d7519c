package orchestrator

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"

	"github.com/kilnbuild/kiln/cache"
)

// storeDir is the only store directory kiln builds for (a --store DIR chroot store keeps it).
const storeDir = "/nix/store"

// FlatStorePath is the store path of a flat sha256 fixed-output fetch called name whose
// file has sha256 sum — the path `nix store add-file --name name` gives that file.
func FlatStorePath(name string, sum []byte) string {
	inner := sha256.Sum256([]byte("fixed:out:sha256:" + hex.EncodeToString(sum) + ":"))
	return makeStorePath("output:out", inner[:], name)
}

// RecursiveStorePath is the store path of a recursive sha256 fixed-output derivation
// called name whose output's NAR has sha256 narSum — the path `nix store add-path --name
// name` gives that tree.
func RecursiveStorePath(name string, narSum []byte) string {
	return makeStorePath("source", narSum, name)
}

// makeStorePath is Nix's: the digest of "type:sha256:<hex>:/nix/store:name", folded to 160
// bits, in nix-base32.
func makeStorePath(typ string, hash []byte, name string) string {
	h := sha256.Sum256([]byte(typ + ":sha256:" + hex.EncodeToString(hash) + ":" + storeDir + ":" + name))
	var folded [20]byte
	for i, b := range h {
		folded[i%len(folded)] ^= b
	}
	return storeDir + "/" + cache.EncodeBase32(folded[:]) + "-" + name
}

// executableDirNAR is the NAR of a directory holding one directory dir with one executable
// file called file: the bootstrap's tree (bin/busybox), serialised as Nix does.
func executableDirNAR(dir, file string, data []byte) []byte {
	var b bytes.Buffer
	str := func(s string) {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		b.Write(n[:])
		b.WriteString(s)
		b.Write(make([]byte, (8-len(s)%8)%8))
	}
	for _, s := range []string{"nix-archive-1", "(", "type", "directory", "entry", "(", "name", dir, "node",
		"(", "type", "directory", "entry", "(", "name", file, "node",
		"(", "type", "regular", "executable", "", "contents"} {
		str(s)
	}
	str(string(data))
	for _, s := range []string{")", ")", ")", ")", ")"} {
		str(s)
	}
	return b.Bytes()
}
