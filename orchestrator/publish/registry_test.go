package publish

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/kilnbuild/kiln/orchestrator/publish/publishtest"
)

// fastRetry keeps retrying tests quick.
var fastRetry = WithRetry(3, 10*time.Millisecond, 2)

// memRegistry serves go-containerregistry's in-memory registry, optionally
// behind wrap, and returns its host:port.
func memRegistry(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	var h http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// remoteDigest returns the digest the tag ref resolves to.
func remoteDigest(t *testing.T, ref string) v1.Hash {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Head(r)
	if err != nil {
		t.Fatal(err)
	}
	return desc.Digest
}

func TestPushInMemory(t *testing.T) {
	host := memRegistry(t, nil)
	img := testImage(t, "a", 0)
	ref := host + "/kiln/app:1.0"
	res, err := Write(context.Background(), img, mustTarget(t, "docker://"+ref), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	if res.Digest != digestOf(t, img) || res.Target != "docker://"+ref {
		t.Errorf("result %+v", res)
	}
	r, _ := name.ParseReference(ref)
	back, err := remote.Image(r)
	if err != nil {
		t.Fatal(err)
	}
	mustValidate(t, back)
	if d := digestOf(t, back); d != res.Digest {
		t.Errorf("pulled %s, pushed %s", d, res.Digest)
	}
}

func TestPushRealRegistry(t *testing.T) {
	host := publishtest.StartRegistry(t)
	img := testImage(t, "a", 0)
	ref := host + "/kiln/haproxy:3.0.11"
	res, err := Write(context.Background(), img, mustTarget(t, "docker://"+ref), WithInsecure(true), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	si := skopeoInspectOf(t, "--tls-verify=false", "docker://"+ref)
	if si.Digest != res.Digest.String() || si.Labels["test"] != "a" {
		t.Errorf("skopeo inspect: %+v; want digest %s", si, res.Digest)
	}
	dir := filepath.Join(t.TempDir(), "copy")
	skopeo(t, "copy", "--src-tls-verify=false", "--preserve-digests", "docker://"+ref, "oci:"+dir+":3.0.11")
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx, _ := p.ImageIndex()
	im, _ := idx.IndexManifest()
	if len(im.Manifests) != 1 || im.Manifests[0].Digest != res.Digest {
		t.Errorf("skopeo copy back: %+v; want %s", im.Manifests, res.Digest)
	}
}

func TestPushUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := l.Addr().String()
	l.Close() // now nothing listens there
	_, err = Write(context.Background(), testImage(t, "a", 0), mustTarget(t, "docker://"+host+"/kiln/app:1"), fastRetry)
	if err == nil || !strings.Contains(err.Error(), "registry "+host+" is unreachable") || !strings.Contains(err.Error(), "pushing to docker://"+host) {
		t.Errorf("error %v; want one naming %s as unreachable", err, host)
	}
}

// basicAuth guards h with HTTP basic auth, answering 401 as registries do.
func basicAuth(user, pass string) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="kiln-test"`)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
}

// staticKeychain hands out one user and password for every registry.
type staticKeychain struct{ user, pass string }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return &authn.Basic{Username: k.user, Password: k.pass}, nil
}

func TestPushCredentials(t *testing.T) {
	host := memRegistry(t, basicAuth("kiln", "s3cret"))
	img := testImage(t, "a", 0)
	tg := mustTarget(t, "docker://"+host+"/kiln/app:1")
	_, err := Write(context.Background(), img, tg, WithKeychain(staticKeychain{"kiln", "wrong"}), fastRetry)
	if err == nil || !strings.Contains(err.Error(), "registry "+host+" refused the credentials") ||
		!strings.Contains(err.Error(), "docker login "+host) || !strings.Contains(err.Error(), "podman login "+host) {
		t.Errorf("wrong credentials: error %v", err)
	}
	_, err = Write(context.Background(), img, tg, WithKeychain(authn.NewMultiKeychain()), fastRetry)
	if err == nil || !strings.Contains(err.Error(), "refused the credentials") {
		t.Errorf("no credentials: error %v", err)
	}
	if _, err := Write(context.Background(), img, tg, WithKeychain(staticKeychain{"kiln", "s3cret"}), fastRetry); err != nil {
		t.Errorf("right credentials: %v", err)
	}
}

// dropProxy forwards TCP to backend but cuts a connection once its client
// has sent more than limit bytes, for the first drops connections so cut
// (drops < 0: every time).
type dropProxy struct {
	backend string
	limit   int64
	drops   int32
	cut     atomic.Int32
	ln      net.Listener
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   map[net.Conn]bool
}

func startDropProxy(t *testing.T, backend string, limit int64, drops int32) *dropProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dropProxy{backend: backend, limit: limit, drops: drops, ln: ln, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for c := range p.conns {
			c.Close() // idle keep-alive connections would block the handlers
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *dropProxy) addr() string { return p.ln.Addr().String() }

func (p *dropProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() { defer p.wg.Done(); p.handle(c) }()
	}
}

func (p *dropProxy) handle(client net.Conn) {
	p.mu.Lock()
	p.conns[client] = true
	p.mu.Unlock()
	defer func() {
		client.Close()
		p.mu.Lock()
		delete(p.conns, client)
		p.mu.Unlock()
	}()
	server, err := net.Dial("tcp", p.backend)
	if err != nil {
		return
	}
	defer server.Close()
	go func() { io.Copy(client, server); client.Close() }()
	buf := make([]byte, 32<<10)
	var sent int64
	for {
		n, err := client.Read(buf)
		if n > 0 {
			sent += int64(n)
			if sent > p.limit && (p.drops < 0 || p.cut.Load() < p.drops) {
				p.cut.Add(1)
				client.(*net.TCPConn).SetLinger(0) // reset, as a dying middlebox would
				return
			}
			if _, werr := server.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func TestPushConnectionDropped(t *testing.T) {
	backend := memRegistry(t, nil)
	old := testImage(t, "old", 0)
	oldRef := backend + "/kiln/app:1"
	if _, err := Write(context.Background(), old, mustTarget(t, "docker://"+oldRef)); err != nil {
		t.Fatal(err)
	}
	big := testImage(t, "new", 3<<20) // a 3 MiB layer

	t.Run("every time", func(t *testing.T) {
		proxy := startDropProxy(t, backend, 512<<10, -1)
		start := time.Now()
		_, err := Write(context.Background(), big, mustTarget(t, "docker://"+proxy.addr()+"/kiln/app:1"), fastRetry)
		if err == nil || !strings.Contains(err.Error(), "pushing to docker://"+proxy.addr()) || !strings.Contains(err.Error(), proxy.addr()) {
			t.Fatalf("error %v; want one naming the registry", err)
		}
		t.Logf("error after %v and %d cut connections: %v", time.Since(start).Round(time.Millisecond), proxy.cut.Load(), err)
		if proxy.cut.Load() < 2 {
			t.Errorf("only %d connections cut: no retry happened", proxy.cut.Load())
		}
		if got := remoteDigest(t, oldRef); got != digestOf(t, old) {
			t.Errorf("tag moved to %s after a failed push; want %s", got, digestOf(t, old))
		}
	})

	t.Run("first attempt only", func(t *testing.T) {
		proxy := startDropProxy(t, backend, 512<<10, 1)
		res, err := Write(context.Background(), big, mustTarget(t, "docker://"+proxy.addr()+"/kiln/app:1"), fastRetry)
		if err != nil {
			t.Fatalf("push with one dropped connection: %v", err)
		}
		if proxy.cut.Load() != 1 {
			t.Errorf("%d connections cut; want 1", proxy.cut.Load())
		}
		if got := remoteDigest(t, oldRef); got != res.Digest || got != digestOf(t, big) {
			t.Errorf("tag resolves to %s; want the new %s", got, digestOf(t, big))
		}
	})
}

func TestPushCanceled(t *testing.T) {
	host := memRegistry(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Write(ctx, testImage(t, "a", 0), mustTarget(t, "docker://"+host+"/kiln/app:1"))
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("error %v; want context canceled", err)
	}
}

// flaky answers 503 to the first n blob-upload requests, then passes them on.
func flaky(n int32, seen *atomic.Int32) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "/blobs/uploads/") && (n < 0 || seen.Add(1) <= n) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprint(w, `{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}`)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
}

func TestPushRetriesServerErrors(t *testing.T) {
	img := testImage(t, "a", 0)
	var seen atomic.Int32
	host := memRegistry(t, flaky(1, &seen))
	if _, err := Write(context.Background(), img, mustTarget(t, "docker://"+host+"/kiln/app:1"), fastRetry); err != nil {
		t.Errorf("push after one 503: %v", err)
	}
	if seen.Load() < 2 {
		t.Errorf("%d upload requests; want a retry after the 503", seen.Load())
	}

	var always atomic.Int32
	host = memRegistry(t, flaky(-1, &always))
	_, err := Write(context.Background(), img, mustTarget(t, "docker://"+host+"/kiln/app:1"), fastRetry)
	if err == nil || !strings.Contains(err.Error(), "registry "+host+" answered") || !strings.Contains(err.Error(), "503") {
		t.Errorf("always 503: error %v", err)
	}
}
