// Package web is the dashboard (SPEC §13): a page and its scripts, embedded in the
// binary, that call the JSON API with the user's API key. There is no build step; the
// vendored libraries (uPlot 1.6.32, Leaflet 1.9.4) are their npm dist files, under their
// licences in static/vendor.
package web

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
)

//go:embed static
var static embed.FS

// Options configure the dashboard.
type Options struct {
	// TileURL is a map tile template ("https://tile.example/{z}/{x}/{y}.png"); empty
	// draws the map's GeoJSON layers on a blank background (no internet needed).
	TileURL string
}

// Handler serves the dashboard: / and /assets/... . Requests under /api/ are answered
// 404 (the API serves its own routes). Every answer forbids framing and scripts from
// anywhere but the server itself.
func Handler(o Options) http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.StripPrefix("/assets/", http.FileServerFS(sub))
	index, err := fs.ReadFile(sub, "index.html")
	if err != nil {
		panic(err)
	}
	img := "'self' data:"
	if u, err := url.Parse(o.TileURL); err == nil && u.Scheme != "" && u.Host != "" {
		img += " " + u.Scheme + "://" + u.Host
	}
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; img-src " + img +
		"; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
	config, _ := json.Marshal(map[string]string{"tile_url": o.TileURL})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		switch p := r.URL.Path; {
		case strings.HasPrefix(p, "/api/"):
			h.Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"title":"Not Found","status":404,"detail":"no such route"}`))
		case p == "/" || p == "/index.html":
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Cache-Control", "no-cache")
			w.Write(index)
		case p == "/config.json":
			h.Set("Content-Type", "application/json")
			h.Set("Cache-Control", "no-cache")
			w.Write(config)
		case strings.HasPrefix(p, "/assets/"):
			h.Set("Cache-Control", "no-cache")
			files.ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}
