package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kilnbuild/kiln/internal/testenv"
)

// The feature specs. Three builds cover every feature and share the library derivations:
// full (openssl + lua + pcre2 + promex: the lua, pcre2, openssl and promex tests), zlib
// (compression = "zlib", with PCRE2's JIT) and none (compression = "none").
const (
	fullSpec = "../../testdata/specs/features-full.toml"
	zlibSpec = "../../testdata/specs/features-zlib.toml"
	noneSpec = "../../testdata/specs/features-none.toml"
	specsDir = "../../testdata/specs"
)

// vv runs haproxy -vv and checks it names every want and no build path.
func vv(t *testing.T, bin string, want ...string) string {
	t.Helper()
	out, err := exec.Command(bin, "-vv").CombinedOutput()
	if err != nil {
		t.Fatalf("haproxy -vv: %v\n%s", err, out)
	}
	for _, w := range want {
		if !bytes.Contains(out, []byte(w)) {
			t.Errorf("haproxy -vv lacks %q:\n%s", w, out)
		}
	}
	if bytes.Contains(out, []byte("/nix/store")) || bytes.Contains(out, []byte("/build")) {
		t.Errorf("haproxy -vv shows a build path:\n%s", out)
	}
	return string(out)
}

// noBuildPaths checks the binary names no store path (no dependency's either) and no build dir.
func noBuildPaths(t *testing.T, bin string) {
	t.Helper()
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	// Not os.TempDir() itself: Lua's os.tmpname and OpenSSL use /tmp/ templates at run time.
	for _, leak := range []string{"/nix/store/", "/build/src/", "/build/.kiln/", "/tmp/nix-build-", os.TempDir() + "/kiln-"} {
		if bytes.Contains(data, []byte(leak)) {
			t.Errorf("%s contains a build path %q", bin, leak)
		}
	}
}

// featureConfig is a spec's haproxy.cfg with its Lua file read from testdata.
func featureConfig(t *testing.T, name string) string {
	t.Helper()
	cfg, err := os.ReadFile(filepath.Join(specsDir, "features", name))
	if err != nil {
		t.Fatal(err)
	}
	lua, err := filepath.Abs(filepath.Join(specsDir, "features", "hello.lua"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(cfg), "/etc/haproxy/hello.lua", lua)
}

// runHAProxy starts bin with cfg (its "bind :8080" moved to a free loopback port), waits
// until GET / answers, and stops it (SIGUSR1) when the test ends. It returns the address.
func runHAProxy(t *testing.T, bin, cfg string) string {
	t.Helper()
	addr := freeAddr(t)
	startHAProxy(t, bin, writeConfig(t, cfg, addr), "http://"+addr+"/", nil)
	return addr
}

// startHAProxy runs bin -f cfgFile until the test ends, once probe answers 200 (client nil:
// plain HTTP).
func startHAProxy(t *testing.T, bin, cfgFile, probe string, client *http.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.Command(bin, "-db", "-f", cfgFile)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{}) // closed once haproxy has exited, waitErr set
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	if client == nil {
		client = http.DefaultClient
	}
	t.Cleanup(func() {
		// The test's idle keep-alive connections are closed first: haproxy's soft stop
		// closes the idle connections it knows of, but one that turns idle just after the
		// signal stays until "timeout client" (30 s). Without this, 7 of 400 runs of
		// TestFeaturePromex on a loaded machine did not stop within 10 s; with it, 0 of
		// 550. A stop that still takes longer is reported with haproxy's log.
		client.CloseIdleConnections()
		cmd.Process.Signal(syscall.SIGUSR1)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Errorf("haproxy did not stop on SIGUSR1 within 10 s\nhaproxy log:\n%s", logs.String())
		}
	})
	for {
		resp, err := client.Get(probe)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case <-exited:
			t.Fatalf("haproxy exited: %v\n%s", waitErr, logs.String())
		case <-ctx.Done():
			t.Fatalf("haproxy never answered %s: last error %v\n%s", probe, err, logs.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// get fetches url and returns the status and body.
func get(t *testing.T, client *http.Client, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp, string(body)
}

func TestFeaturesFullBinary(t *testing.T) {
	bin := haproxyBin(t, fullSpec)
	assertStaticPIEHardened(t, bin)
	noBuildPaths(t, bin)
	vv(t, bin, "+LUA", "+PCRE2", "+OPENSSL", "+PROMEX", "+SLZ", "-ZLIB", "-PCRE2_JIT",
		"Built with Lua version : Lua 5.4.7", "Built with OpenSSL version : OpenSSL 3.5.7",
		"Built with PCRE2 version : 10.46", "Built with the Prometheus exporter as a service")
	st, _ := os.Stat(bin)
	t.Logf("haproxy with openssl + lua + pcre2 + promex: %d bytes", st.Size())
	cfg := writeConfig(t, featureConfig(t, "full.cfg"), "")
	if out, err := exec.Command(bin, "-c", "-f", cfg).CombinedOutput(); err != nil {
		t.Fatalf("haproxy -c rejects the full-feature config: %v\n%s", err, out)
	}
}

// TestFeatureLua: a Lua HTTP service (core.register_service) answers a request.
func TestFeatureLua(t *testing.T) {
	addr := runHAProxy(t, haproxyBin(t, fullSpec), featureConfig(t, "full.cfg"))
	resp, body := get(t, nil, "http://"+addr+"/lua")
	if resp.StatusCode != 200 || body != "kiln: hello from Lua 5.4\n" {
		t.Errorf("GET /lua = %d %q, want the Lua service's answer", resp.StatusCode, body)
	}
}

// TestFeaturePCRE2: a path_reg ACL (PCRE2) routes /api/v<digits>/ and nothing else.
func TestFeaturePCRE2(t *testing.T) {
	addr := runHAProxy(t, haproxyBin(t, fullSpec), featureConfig(t, "full.cfg"))
	for path, want := range map[string]int{"/api/v2/users": 200, "/api/v10/": 200, "/api/vx/": 404, "/v2/api/v1": 404} {
		resp, body := get(t, nil, "http://"+addr+path)
		if resp.StatusCode != want || (want == 200 && body != "kiln: api route\n") {
			t.Errorf("GET %s = %d %q, want %d", path, resp.StatusCode, body, want)
		}
	}
}

// TestFeaturePromex: the Prometheus exporter serves haproxy_process_* metrics.
func TestFeaturePromex(t *testing.T) {
	addr := runHAProxy(t, haproxyBin(t, fullSpec), featureConfig(t, "full.cfg"))
	resp, body := get(t, nil, "http://"+addr+"/metrics")
	if resp.StatusCode != 200 || !strings.Contains(body, "\nhaproxy_process_uptime_seconds ") || !strings.Contains(body, "# TYPE haproxy_process_") {
		t.Errorf("GET /metrics = %d, no haproxy_process_ metrics:\n%.2000s", resp.StatusCode, body)
	}
}

// testPKI is a CA and a server certificate for kiln.test and 127.0.0.1, made for one test.
type testPKI struct {
	caPEM     []byte
	serverPEM []byte // certificate + private key, as haproxy's crt wants it
	server    tls.Certificate
	pool      *x509.CertPool
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kiln test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "kiln.test"},
		DNSNames: []string{"kiln.test"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	p := &testPKI{caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), pool: x509.NewCertPool()}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	p.serverPEM = append(certPEM, keyPEM...)
	if p.server, err = tls.X509KeyPair(certPEM, keyPEM); err != nil {
		t.Fatal(err)
	}
	p.pool.AddCert(ca)
	return p
}

// TestFeatureOpenSSL: haproxy terminates TLS with a certificate made here and curl verifies
// it against the test CA; haproxy also verifies an upstream's certificate against a
// ca-file (what image.ca_bundle is for); TLS 1.1, not built, is refused.
func TestFeatureOpenSSL(t *testing.T) {
	testenv.Require(t, "curl")
	bin := haproxyBin(t, fullSpec)
	pki := newTestPKI(t)
	dir := t.TempDir()
	caFile, crtFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "server.pem")
	os.WriteFile(caFile, pki.caPEM, 0o644)
	os.WriteFile(crtFile, pki.serverPEM, 0o600)

	upstream := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "kiln: upstream over %s\n", tlsVersion(r.TLS))
	}))
	upstream.TLS = &tls.Config{Certificates: []tls.Certificate{pki.server}}
	upstream.StartTLS()
	defer upstream.Close()

	addr := freeAddr(t)
	cfg := fmt.Sprintf(`global
    maxconn 100

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend tls
    bind %s ssl crt %s
    http-request return status 200 content-type text/plain string "kiln: tls terminated\n" if { path / }
    default_backend upstream

backend upstream
    server up %s ssl verify required ca-file %s verifyhost kiln.test sni str(kiln.test)
`, addr, crtFile, upstream.Listener.Addr(), caFile)
	cfgFile := filepath.Join(dir, "haproxy.cfg")
	os.WriteFile(cfgFile, []byte(cfg), 0o644)
	_, port, _ := net.SplitHostPort(addr)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.pool, ServerName: "kiln.test"}}}
	startHAProxy(t, bin, cfgFile, "https://"+addr+"/", client)

	out, err := exec.Command("curl", "-sS", "--fail", "--cacert", caFile, "--resolve", "kiln.test:"+port+":127.0.0.1", "https://kiln.test:"+port+"/").CombinedOutput()
	if err != nil || string(out) != "kiln: tls terminated\n" {
		t.Errorf("curl --cacert https://kiln.test:%s/: %v\n%s", port, err, out)
	}
	// Without the test CA, curl must refuse the certificate: it really was verified above.
	if out, err := exec.Command("curl", "-sS", "--fail", "--cacert", "/dev/null", "--resolve", "kiln.test:"+port+":127.0.0.1", "https://kiln.test:"+port+"/").CombinedOutput(); err == nil {
		t.Errorf("curl accepted the certificate without its CA: %s", out)
	}
	resp, body := get(t, client, "https://"+addr+"/upstream")
	if resp.StatusCode != 200 || body != "kiln: upstream over TLS 1.3\n" || resp.TLS == nil || resp.TLS.Version != tls.VersionTLS13 {
		t.Errorf("GET /upstream through haproxy = %d %q (client TLS %v)", resp.StatusCode, body, resp.TLS)
	}
	old := &tls.Config{RootCAs: pki.pool, ServerName: "kiln.test", MaxVersion: tls.VersionTLS11, MinVersion: tls.VersionTLS10}
	if c, err := tls.Dial("tcp", addr, old); err == nil {
		c.Close()
		t.Errorf("haproxy accepted a TLS 1.1 handshake; OpenSSL is built with no-tls1_1")
	}
}

func tlsVersion(cs *tls.ConnectionState) string {
	if cs == nil {
		return "plain HTTP"
	}
	return tls.VersionName(cs.Version)
}

// TestFeatureZlibAndPCRE2JIT: compression = "zlib" links zlib instead of SLZ and compresses
// responses; pcre2_jit builds PCRE2 with its JIT and regex ACLs still route.
func TestFeatureZlibAndPCRE2JIT(t *testing.T) {
	bin := haproxyBin(t, zlibSpec)
	assertStaticPIEHardened(t, bin)
	noBuildPaths(t, bin)
	vv(t, bin, "+ZLIB", "-SLZ", "+PCRE2", "+PCRE2_JIT", "-LUA", "-OPENSSL",
		"Built with zlib version : 1.3.1", "PCRE2 library supports JIT : yes")
	// An application behind haproxy, serving text worth compressing.
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "kiln: compressible ")
		for i := 0; i < 2000; i++ {
			fmt.Fprintf(w, "line %d of a response haproxy gzips with zlib\n", i)
		}
	}))
	defer app.Close()
	cfg := featureConfig(t, "compress.cfg")
	if !strings.Contains(cfg, "    default_backend none\n") {
		t.Fatalf("compress.cfg has no default_backend to put the app before:\n%s", cfg)
	}
	cfg = strings.Replace(cfg, "    default_backend none\n", "    use_backend app if { path /big }\n    default_backend none\n", 1)
	cfg += "\nbackend app\n    server app " + app.Listener.Addr().String() + "\n"
	addr := runHAProxy(t, bin, cfg)
	resp, body := get(t, nil, "http://"+addr+"/big", "Accept-Encoding", "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("GET /big with Accept-Encoding: gzip: Content-Encoding %q, headers %v", resp.Header.Get("Content-Encoding"), resp.Header)
	}
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !strings.HasPrefix(string(plain), "kiln: compressible ") || len(plain) <= len(body) {
		t.Errorf("gunzip: %v; %d bytes from %d compressed: %.60q", err, len(plain), len(body), plain)
	}
	for path, want := range map[string]int{"/api/v3/x": 200, "/api/v/": 404} {
		if resp, _ := get(t, nil, "http://"+addr+path); resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}
}

// TestFeatureCompressionNone: no compression library at all; responses go out as they are.
func TestFeatureCompressionNone(t *testing.T) {
	bin := haproxyBin(t, noneSpec)
	assertStaticPIEHardened(t, bin)
	vv(t, bin, "-ZLIB", "-SLZ", "-LUA", "-PCRE2", "-OPENSSL", "-PROMEX")
	serveAndGet(t, bin, defaultConfig(t), "kiln: haproxy is up\n")
}

// TestFeatureImages: every feature spec's image passes the audit (kiln build gates on it, and
// kiln audit agrees), names its libraries in a label, and stays within its size target.
func TestFeatureImages(t *testing.T) {
	type imageResult struct {
		Digest         string `json:"digest"`
		CompressedSize int64  `json:"compressed_size"`
	}
	cases := []struct {
		spec, deps, compression string
		max                     int64
	}{
		{fullSpec, "lua 5.4.7, pcre2 10.46, openssl 3.5.7", "gzip", 3_000_000},
		{zlibSpec, "pcre2 10.46 (jit), zlib 1.3.1", "gzip", 0},
		{noneSpec, "", "gzip", 1_000_000},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.spec), func(t *testing.T) {
			spec, _ := filepath.Abs(c.spec)
			dir := t.TempDir()
			img := filepath.Join(dir, "img")
			stdout, stderr, err := kiln(t, "-q", "build", "--mirror", mirror(t), "--json", "--compression", c.compression, "-o", "oci:"+img, spec)
			if err != nil {
				t.Fatalf("kiln build %s: %v\n%s", c.spec, err, tailLines(stderr, 30))
			}
			var r imageResult
			json.Unmarshal([]byte(stdout), &r)
			t.Logf("%s image (%s): %d B", filepath.Base(c.spec), c.compression, r.CompressedSize)
			if c.max > 0 && r.CompressedSize > c.max {
				t.Errorf("image is %d B (%s), target <= %d", r.CompressedSize, c.compression, c.max)
			}
			if out, stderr, err := kiln(t, "audit", "oci:"+img); err != nil {
				t.Errorf("kiln audit: %v\n%s%s", err, out, stderr)
			}
			labels := imageLabels(t, img)
			if got, ok := labels["dev.kiln.deps"]; got != c.deps || ok != (c.deps != "") {
				t.Errorf("dev.kiln.deps = %q (set: %v), want %q", got, ok, c.deps)
			}
		})
	}
}

// TestFeatureImageCABundle: image.ca_bundle puts the pinned bundle at
// /etc/ssl/certs/ca-certificates.crt, and says so in a label. The nix build is the full
// spec's, already in the store: only the image differs.
func TestFeatureImageCABundle(t *testing.T) {
	haproxyBin(t, fullSpec) // the shared build: this test only repackages it
	dir := t.TempDir()
	pki := newTestPKI(t)
	bundle := filepath.Join(dir, "bundle.pem")
	os.WriteFile(bundle, pki.caPEM, 0o644)
	sum := sha256.Sum256(pki.caPEM)
	doc, err := os.ReadFile(fullSpec)
	if err != nil {
		t.Fatal(err)
	}
	// The files the spec puts in the image, beside it (kiln reads nothing outside its dir).
	if err := os.CopyFS(filepath.Join(dir, "features"), os.DirFS(filepath.Join(specsDir, "features"))); err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	text += fmt.Sprintf("\n[image.ca_bundle]\nsource = %q\nsha256 = %q\n", bundle, hex.EncodeToString(sum[:]))
	spec := filepath.Join(dir, "ca.toml")
	os.WriteFile(spec, []byte(text), 0o644)
	img := filepath.Join(dir, "img")
	if _, stderr, err := kiln(t, "-q", "build", "--mirror", mirror(t), "-o", "oci:"+img, spec); err != nil {
		t.Fatalf("kiln build with image.ca_bundle: %v\n%s", err, tailLines(stderr, 30))
	}
	stdout, stderr, err := kiln(t, "inspect", "--json", "oci:"+img)
	if err != nil {
		t.Fatalf("kiln inspect: %v\n%s", err, stderr)
	}
	var ins struct {
		Files []struct {
			Path string
			Mode string
			Size int64
		}
	}
	json.Unmarshal([]byte(stdout), &ins)
	var found bool
	for _, f := range ins.Files {
		if f.Path == "/etc/ssl/certs/ca-certificates.crt" {
			found = f.Size == int64(len(pki.caPEM))
		}
	}
	if !found {
		t.Errorf("no /etc/ssl/certs/ca-certificates.crt of %d bytes in the image: %s", len(pki.caPEM), stdout)
	}
	if got := imageLabels(t, img)["dev.kiln.ca_bundle"]; got != "/etc/ssl/certs/ca-certificates.crt sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("dev.kiln.ca_bundle = %q", got)
	}

	// The bundle changed on disk: the spec no longer describes it, and nothing is built.
	os.WriteFile(bundle, append(pki.caPEM, '\n'), 0o644)
	if _, stderr, err := kiln(t, "-q", "build", "--mirror", mirror(t), "-o", "oci:"+filepath.Join(dir, "img2"), spec); err == nil || !strings.Contains(stderr, "image.ca_bundle.sha256") {
		t.Errorf("kiln build with a changed bundle: %v\n%s", err, stderr)
	}
}

// imageLabels reads the image config's labels from an OCI layout with skopeo-free Go: the
// index, the manifest, then the config blob.
func imageLabels(t *testing.T, dir string) map[string]string {
	t.Helper()
	blob := func(digest string, v any) {
		data, err := os.ReadFile(filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(digest, "sha256:")))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, v); err != nil {
			t.Fatal(err)
		}
	}
	var index struct{ Manifests []struct{ Digest string } }
	data, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(data, &index)
	if len(index.Manifests) != 1 {
		t.Fatalf("index.json lists %d manifests", len(index.Manifests))
	}
	var manifest struct{ Config struct{ Digest string } }
	blob(index.Manifests[0].Digest, &manifest)
	var config struct {
		Config struct{ Labels map[string]string }
	}
	blob(manifest.Config.Digest, &config)
	return config.Config.Labels
}

// TestNixpkgsFullFeatureEvalAgainstStandIn renders the full-feature spec, plus zlib and
// PCRE2's JIT, for the nixpkgs toolchain and has nix evaluate it against the stand-in:
// every library derivation and haproxy's must evaluate (OpenSSL's needs pkgs.perl). Nothing
// is built: that is what the pinned-toolchain tests do.
func TestNixpkgsFullFeatureEvalAgainstStandIn(t *testing.T) {
	testenv.Short(t)
	testenv.Require(t, "nix")
	dir := t.TempDir()
	doc, err := os.ReadFile(fullSpec)
	if err != nil {
		t.Fatal(err)
	}
	// The files the spec puts in the image, beside it (kiln reads nothing outside its dir).
	if err := os.CopyFS(filepath.Join(dir, "features"), os.DirFS(filepath.Join(specsDir, "features"))); err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(doc), `toolchain = "pinned"`, `toolchain = "nixpkgs"`, 1)
	text = strings.Replace(text, "[features]\n", "[features]\ncompression = \"zlib\"\npcre2_jit = true\n", 1)
	text += "\n[nixpkgs]\nurl = \"github:NixOS/nixpkgs/030ba1976b7c0e1a67d9716b17308ccdab5b381e\"\n"
	spec := filepath.Join(dir, "nixpkgs.toml")
	os.WriteFile(spec, []byte(text), 0o644)
	flake := filepath.Join(dir, "flake")
	if _, stderr, err := kiln(t, "gen", "-o", flake, spec); err != nil {
		t.Fatalf("kiln gen: %v\n%s", err, stderr)
	}
	standin := nixpkgsStandIn(t)
	override := []string{"--no-write-lock-file", "--override-input", "nixpkgs", "path:" + standin}
	eval := func(attr string, args ...string) string {
		return nixCmd(t, append(append([]string{"eval"}, args...), append(override, "path:"+flake+"#packages.x86_64-linux."+attr)...)...)
	}
	if got := eval("default.drvPath", "--raw"); !strings.HasSuffix(got, "-haproxy-3.0.11.drv") {
		t.Errorf("haproxy drvPath %q", got)
	}
	for attr, name := range map[string]string{"lua": "lua-5.4.7", "pcre2": "pcre2-jit-10.46", "openssl": "openssl-3.5.7", "zlib": "zlib-1.3.1"} {
		if got := eval(attr+".drvPath", "--raw"); !strings.HasSuffix(got, "-"+name+".drv") {
			t.Errorf("%s drvPath %q, want a %s derivation", attr, got, name)
		}
	}
	if got := eval("openssl.PATH", "--raw"); !strings.Contains(got, "-standin-perl/bin") {
		t.Errorf("openssl's PATH has no nixpkgs perl: %s", got)
	}
	if got := eval("default.PATH", "--raw"); strings.Contains(got, "perl") {
		t.Errorf("haproxy's PATH has perl, which only OpenSSL's build needs: %s", got)
	}
}
