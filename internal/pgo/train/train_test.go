package train

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// TestLoadsSendWhatTheyCount: each load sends exactly conns × requests requests (pipelined
// loads depth at a time, on the same connection), reads every answer, and the gzip load
// refuses an answer that came back uncompressed: a recording that did not exercise the
// compression path must fail, not pin a profile without it.
func TestLoadsSendWhatTheyCount(t *testing.T) {
	var requests, conns atomic.Int64
	compress := atomic.Bool{}
	compress.Store(true)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Header.Get("Accept-Encoding") != "" && compress.Load() {
			w.Header().Set("Content-Encoding", "gzip")
		}
		w.Write([]byte("ok\n"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	port, _ := strconv.Atoi(srv.URL[strings.LastIndex(srv.URL, ":")+1:])
	for _, l := range []load{
		{name: "direct", conns: 3, requests: 40, depth: 1, keepAlive: true, path: "/"},
		{name: "pipelined", conns: 2, requests: 64, depth: 16, keepAlive: true, path: "/"},
		{name: "gzip", conns: 2, requests: 10, depth: 1, keepAlive: true, gzip: true, path: "/big"},
		{name: "new connections", conns: 2, requests: 15, depth: 1, path: "/close"},
	} {
		requests.Store(0)
		conns.Store(0)
		if err := l.run(context.Background(), port); err != nil {
			t.Fatalf("%s: %v", l.name, err)
		}
		if got, want := requests.Load(), int64(l.conns*l.requests); got != want {
			t.Errorf("%s: %d requests, want %d", l.name, got, want)
		}
		wantConns := int64(l.conns)
		if !l.keepAlive {
			wantConns = int64(l.conns * l.requests)
		}
		if got := conns.Load(); got != wantConns {
			t.Errorf("%s: %d connections, want %d", l.name, got, wantConns)
		}
	}
	compress.Store(false)
	gz := load{name: "gzip", conns: 1, requests: 2, depth: 1, keepAlive: true, gzip: true, path: "/big"}
	if err := gz.run(context.Background(), port); err == nil || !strings.Contains(err.Error(), "uncompressed") {
		t.Errorf("an uncompressed answer to the gzip load: %v", err)
	}
}

// TestTrainingBodyIsFixed: the gzip load's body is 64 KiB of text, the same every run.
func TestTrainingBodyIsFixed(t *testing.T) {
	a, b := trainingBody(), trainingBody()
	if len(a) != 64*1024 || string(a) != string(b) || strings.ContainsRune(string(a), 0) {
		t.Errorf("body: %d bytes, stable %t", len(a), string(a) == string(b))
	}
}
