// Package train runs an instrumented HAProxy under kiln profile's training load, which
// writes the .gcda files a pinned profile is made of (package pgo packs them).
package train

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kilnbuild/kiln/internal/loadgen"
)

// A load is one part of the training: conns connections, each sending requests, depth at
// a time (pipelined when depth > 1), to one of the training haproxy's frontends.
type load struct {
	name      string
	frontend  string
	path      string
	conns     int
	requests  int // per connection
	depth     int
	gzip      bool
	keepAlive bool
}

// loads is the training: the request paths kiln's benchmark measures (README, Speed
// under load) — a direct answer, 16-deep pipelining, a proxied request, a gzip'd 64 KiB
// body — and new connections. Counts, not durations, so every recording does the same
// work; the instrumented program is 2-3 times slower than the optimised one.
var loads = []load{
	{name: "direct", frontend: "direct", path: "/", conns: 8, requests: 2500, depth: 1, keepAlive: true},
	{name: "pipelined", frontend: "direct", path: "/", conns: 8, requests: 2560, depth: 16, keepAlive: true},
	{name: "proxied", frontend: "proxied", path: "/small", conns: 8, requests: 1000, depth: 1, keepAlive: true},
	{name: "gzip", frontend: "gzip", path: "/big", conns: 4, requests: 150, depth: 1, keepAlive: true, gzip: true},
	{name: "new connections", frontend: "direct", path: "/close", conns: 4, requests: 250, depth: 1},
}

// Recorded describes the training for the manifest.
func Recorded() string {
	var parts []string
	for _, l := range loads {
		parts = append(parts, fmt.Sprintf("%s: %d x %d", l.name, l.conns, l.requests))
	}
	return "kiln profile's training, requests per connection: " + strings.Join(parts, ", ")
}

// Run runs the instrumented haproxy bin under the training loads in dir (its config, body
// and the profile it writes, under dir/gcda) and stops it gracefully, which is when it
// writes its .gcda files. It returns the prefix they are under (Collect).
func Run(ctx context.Context, bin, dir string, log io.Writer) (string, error) {
	ports := map[string]int{}
	for _, n := range []string{"direct", "proxied", "gzip", "origin"} {
		p, err := loadgen.FreePort()
		if err != nil {
			return "", err
		}
		ports[n] = p
	}
	body := filepath.Join(dir, "body.txt")
	if err := os.WriteFile(body, trainingBody(), 0o644); err != nil {
		return "", err
	}
	cfg := fmt.Sprintf(`global
    nbthread 1
    maxconn 4096
    tune.bufsize 131072
    tune.memory.hot-size 8388608

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend direct
    bind 127.0.0.1:%d
    http-request return status 200 content-type text/plain string "kiln: haproxy is up\n"

frontend proxied
    bind 127.0.0.1:%d
    default_backend origin

frontend gzip
    bind 127.0.0.1:%d
    compression algo gzip
    compression type text/plain
    default_backend origin

backend origin
    server s1 127.0.0.1:%d

frontend origin
    bind 127.0.0.1:%d
    http-request return status 200 content-type text/plain file %s if { path /big }
    http-request return status 200 content-type text/plain string "ok\n"
`, ports["direct"], ports["proxied"], ports["gzip"], ports["origin"], ports["origin"], body)
	cfgPath := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return "", err
	}
	prefix := filepath.Join(dir, "gcda")
	cmd := exec.Command(bin, "-f", cfgPath, "-db")
	cmd.Env = []string{"GCOV_PREFIX=" + prefix, "PATH=/usr/bin:/bin"}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("starting the instrumented haproxy: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	for _, n := range []string{"direct", "proxied", "gzip", "origin"} {
		if err := waitListening(ctx, ports[n], done, &out); err != nil {
			return "", err
		}
	}
	for _, l := range loads {
		start := time.Now()
		if err := l.run(ctx, ports[l.frontend]); err != nil {
			return "", fmt.Errorf("training load %q: %w (haproxy said: %s)", l.name, err, strings.TrimSpace(out.String()))
		}
		fmt.Fprintf(log, "kiln profile: %s: %d connections x %d requests in %.1fs\n", l.name, l.conns, l.requests, time.Since(start).Seconds())
	}
	// SIGUSR1 is haproxy's graceful stop: it returns from its main loop and exits, and the
	// profile is written on the way out.
	if err := cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		return "", err
	}
	select {
	case err := <-done:
		stopped = true
		if err != nil {
			return "", fmt.Errorf("the instrumented haproxy did not exit cleanly (%v): %s", err, strings.TrimSpace(out.String()))
		}
	case <-time.After(60 * time.Second):
		return "", errors.New("the instrumented haproxy did not stop within 60 s of SIGUSR1")
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return prefix, nil
}

func waitListening(ctx context.Context, port int, done chan error, out *bytes.Buffer) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case err := <-done:
			done <- err
			return fmt.Errorf("the instrumented haproxy exited before listening (%v): %s", err, strings.TrimSpace(out.String()))
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the instrumented haproxy is not listening on port %d after 30 s: %s", port, strings.TrimSpace(out.String()))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// run sends the load's requests and checks every answer.
func (l load) run(ctx context.Context, port int) error {
	var wg sync.WaitGroup
	errs := make(chan error, l.conns)
	for range l.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.conn(ctx, port); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func (l load) conn(ctx context.Context, port int) error {
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var req strings.Builder
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: kiln-profile.test\r\nUser-Agent: kiln-profile/1\r\nAccept: */*\r\n", l.path)
	if l.gzip {
		req.WriteString("Accept-Encoding: gzip, deflate\r\n")
	}
	if !l.keepAlive {
		req.WriteString("Connection: close\r\n")
	}
	req.WriteString("\r\n")
	batch := []byte(strings.Repeat(req.String(), l.depth))
	var c net.Conn
	var br *bufio.Reader
	for sent := 0; sent < l.requests; sent += l.depth {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if c == nil {
			var err error
			if c, err = net.DialTimeout("tcp", addr, 5*time.Second); err != nil {
				return err
			}
			br = bufio.NewReader(c)
		}
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := c.Write(batch); err != nil {
			c.Close()
			return err
		}
		for range l.depth {
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				c.Close()
				return err
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch {
			case err != nil:
				c.Close()
				return err
			case resp.StatusCode != http.StatusOK:
				c.Close()
				return fmt.Errorf("status %d", resp.StatusCode)
			case l.gzip && resp.Header.Get("Content-Encoding") != "gzip":
				c.Close()
				return fmt.Errorf("the body came back uncompressed (%d bytes): the training would not exercise the compression path", n)
			}
		}
		if !l.keepAlive {
			c.Close()
			c = nil
		}
	}
	if c != nil {
		c.Close()
	}
	return nil
}

// trainingBody is the gzip load's 64 KiB text body, the same bytes every run (and not the
// benchmark's body: a profile trained on what it is measured with proves less).
func trainingBody() []byte {
	return loadgen.Prose(`a proxy forwards each request to a server chosen by its balancing
		algorithm and relays the answer while checks watch every server and stick tables
		count what clients do so that rules may deny slow down or redirect them`, 7, 11)
}
