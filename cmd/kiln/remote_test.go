package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/orchestrator/nix"
)

// TestRemoteBuilderSSH: kiln builds through Nix's own remote-builder machinery. The machine's
// Nix (2.8) builds into a fresh store with `builders = ssh-ng://kiln-builder` and `max-jobs
// = 0` in the user's NIX_CONFIG, which kiln passes through; the builder is sshd in the
// Debian 13 root on loopback (its own port, host key and authorized key, made here), whose
// Nix 2.26 builds into a store of its own. The result equals the local build (store path,
// NAR hash, image digest), the builder's store holds it, and kiln build --json names the
// builder in built_on.
func TestRemoteBuilderSSH(t *testing.T) {
	h := requireSecondHost(t)
	testenv.Require(t, "ssh", "ssh-keygen")
	// The default spec built locally (the store path other tests build), its image written
	// where the test cleans up.
	local := buildSpec(t, "", "-o", "oci:"+filepath.Join(t.TempDir(), "local"))

	dir := filepath.Join(h.work, "ssh")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"client", "host"} {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kiln-test-"+k, "-f", filepath.Join(dir, k)).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
	}
	hostPub, _ := os.ReadFile(filepath.Join(dir, "host.pub"))
	clientPub, _ := os.ReadFile(filepath.Join(dir, "client.pub"))
	addr := freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)

	// The builder's Nix settings, for its ssh sessions only (the root's nix.conf stays as
	// it is): its own store, and a sandbox with no host path (the pinned toolchain needs
	// nothing from the builder but Nix).
	builderStore := filepath.Join(h.work, "builder-store")
	conf := "store = " + builderStore + "\nsandbox = true\nsandbox-fallback = false\nsandbox-paths =\n"
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("authorized_keys", string(clientPub))
	write("builder-nix.conf", conf)
	sshdConfig := write("sshd_config", fmt.Sprintf(`Port %s
ListenAddress 127.0.0.1
HostKey %s
AuthorizedKeysFile %s
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
SetEnv NIX_USER_CONF_FILES=%s
`, port, filepath.Join(dir, "host"), filepath.Join(dir, "authorized_keys"), filepath.Join(dir, "builder-nix.conf")))
	fields := strings.Fields(string(hostPub))
	write("known_hosts", fmt.Sprintf("[127.0.0.1]:%s %s %s\n", port, fields[0], fields[1]))
	sshConfig := write("ssh_config", fmt.Sprintf(`Host kiln-builder
  HostName 127.0.0.1
  Port %s
  User root
  IdentityFile %s
  IdentitiesOnly yes
  UserKnownHostsFile %s
  StrictHostKeyChecking yes
  BatchMode yes
`, port, filepath.Join(dir, "client"), filepath.Join(dir, "known_hosts")))

	// sshd runs in the root until the test ends; its process group is stopped then.
	args := []string{secondHostScript, "run", "--bind", h.work, "--", "sh", "-c", "mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e -f " + sshdConfig}
	sshd := exec.Command("bash", args...)
	sshd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	sshdLog := filepath.Join(h.work, "sshd.log")
	logFile, err := os.Create(sshdLog)
	if err != nil {
		t.Fatal(err)
	}
	sshd.Stdout, sshd.Stderr = logFile, logFile
	if err := sshd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-sshd.Process.Pid, syscall.SIGTERM)
		sshd.Wait()
		logFile.Close()
	})
	waitListening(t, addr, sshdLog)

	store := filepath.Join(h.work, "store")
	cmd := exec.Command(kilnBin, "build", "--toolchain", testToolchain, "--mirror", h.mirror, "--store", store,
		"--no-result-cache", "--json", "-o", "oci:"+filepath.Join(h.work, "img"))
	cmd.Env = append(os.Environ(),
		"NIX_SSHOPTS=-F "+sshConfig,
		"NIX_CONFIG=builders = ssh-ng://kiln-builder x86_64-linux - 2 1\nmax-jobs = 0")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		sshdOut, _ := os.ReadFile(sshdLog)
		t.Fatalf("kiln build through the remote builder: %v\n%s\nsshd:\n%s", err, tailLines(stderr.String(), 40), tailLines(string(sshdOut), 20))
	}
	var b struct {
		built
		Built       []string          `json:"built"`
		BuiltOn     map[string]string `json:"built_on"`
		Substituted []string          `json:"substituted"`
	}
	if err := json.Unmarshal([]byte(stdout.String()), &b); err != nil {
		t.Fatalf("kiln build --json: %v\n%s", err, stdout.String())
	}
	// The fresh store has nothing: the pinned toolchain's parts and haproxy are all built,
	// every one of them on the builder.
	remote := len(b.Substituted) == 0 && slices.ContainsFunc(b.Built, func(d string) bool { return strings.HasSuffix(d, "-haproxy-3.0.11.drv") })
	for _, d := range b.Built {
		remote = remote && b.BuiltOn[d] == "ssh-ng://kiln-builder"
	}
	if !remote {
		t.Errorf("built %v on %v, substituted %v: want the toolchain and the package built on ssh-ng://kiln-builder and nothing substituted", b.Built, b.BuiltOn, b.Substituted)
	}
	out := local.Outputs[0]
	if len(b.Outputs) != 1 || b.Outputs[0] != out || b.NarHashes[out] != local.NarHashes[out] || b.Digest != local.Digest {
		t.Errorf("remote build %v (NAR %s, image %s) differs from the local build %s (NAR %s, image %s)",
			b.Outputs, b.NarHashes[b.Outputs[0]], b.Digest, out, local.NarHashes[out], local.Digest)
	}

	// The builder's own store holds the same path with the same NAR hash.
	info, stderrB, err := h.run("nix", "path-info", "--json", "--store", builderStore, out)
	if err != nil {
		t.Fatalf("nix path-info on the builder: %v\n%s", err, stderrB)
	}
	infos, err := nix.ParsePathInfo([]byte(info))
	if err != nil || len(infos) != 1 || infos[0].NarHash != local.NarHashes[out] {
		t.Errorf("the builder's store: %+v, %v; want %s with NAR hash %s", infos, err, out, local.NarHashes[out])
	}
}

// waitListening waits until addr accepts connections, failing with the server's log.
func waitListening(t *testing.T, addr, logFile string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(logFile)
	t.Fatalf("nothing listens on %s after 10 s:\n%s", addr, log)
}
