package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/kilnbuild/kiln/internal/files"
)

// fileTransport serves file:// caches through the same HTTP client as remote ones, so
// that not-found, size limits and errors behave alike whatever the cache's scheme.
type fileTransport struct{ root string }

// RoundTrip answers GET requests from the file system under root.
func (t fileTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	p := filepath.Clean(filepath.FromSlash(req.URL.Path))
	if p != t.root && !strings.HasPrefix(p, t.root+string(filepath.Separator)) {
		return nil, fmt.Errorf("file cache: %s is outside %s", p, t.root)
	}
	if req.Method != http.MethodGet {
		return t.respond(req, http.StatusMethodNotAllowed, nil, 0), nil
	}
	// Only regular files are served, and opening never blocks: a FIFO or a device where
	// a narinfo or a NAR should be is as good as missing.
	f, err := files.Open(p)
	if errors.Is(err, files.ErrNotRegular) {
		return t.respond(req, http.StatusNotFound, nil, 0), nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		// A missing cache directory means the cache isn't there, not that it lacks
		// this one file: report it like a refused connection.
		if _, rerr := os.Stat(t.root); rerr != nil {
			return nil, fmt.Errorf("file cache: %w", rerr)
		}
		return t.respond(req, http.StatusNotFound, nil, 0), nil
	}
	if err != nil {
		return nil, fmt.Errorf("file cache: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("file cache: %w", err)
	}
	return t.respond(req, http.StatusOK, f, st.Size()), nil
}

// respond builds a response with the given status and body (nil for none).
func (t fileTransport) respond(req *http.Request, status int, body *os.File, size int64) *http.Response {
	resp := &http.Response{
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{},
		Body:          http.NoBody,
		ContentLength: size,
		Request:       req,
	}
	if body != nil {
		resp.Body = body
	}
	return resp
}
