package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"groundtruth/web"
)

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	return w
}

func TestHandlerServesThePageAndItsAssets(t *testing.T) {
	h := web.Handler(web.Options{TileURL: "https://tiles.example.org/{z}/{x}/{y}.png"})
	for _, tc := range []struct {
		path, ctype, contains string
		code                  int
	}{
		{"/", "text/html", `<script src="/assets/app.js" defer></script>`, 200},
		{"/assets/app.js", "javascript", "function route()", 200},
		{"/assets/app.css", "text/css", ".tiles", 200},
		{"/assets/vendor/uPlot.iife.min.js", "javascript", "uPlot", 200},
		{"/assets/vendor/leaflet.js", "javascript", "Leaflet", 200},
		{"/config.json", "application/json", `"tile_url":"https://tiles.example.org/{z}/{x}/{y}.png"`, 200},
		{"/api/v1/nothing", "application/problem+json", `"status":404`, 404},
		{"/elsewhere", "text/plain", "404", 404},
	} {
		w := get(t, h, tc.path)
		if w.Code != tc.code || !strings.Contains(w.Header().Get("Content-Type"), tc.ctype) || !strings.Contains(w.Body.String(), tc.contains) {
			t.Errorf("GET %s = %d %q, body %.80q; want %d %s containing %q", tc.path, w.Code, w.Header().Get("Content-Type"), w.Body.String(), tc.code, tc.ctype, tc.contains)
		}
		csp := w.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
			!strings.Contains(csp, "img-src 'self' data: https://tiles.example.org") || w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: headers %v", tc.path, w.Header())
		}
	}
}

func TestNoTileHostWithoutTiles(t *testing.T) {
	csp := get(t, web.Handler(web.Options{}), "/").Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "img-src 'self' data:;") {
		t.Errorf("CSP without tiles = %q", csp)
	}
}
