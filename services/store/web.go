package store

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/newsflow/newsflow/pkg/obs"
)

// The web page: plain HTML, CSS and JS, embedded so the binary needs nothing
// beside it and there is no build step.
//
//go:embed web
var webFiles embed.FS

// pageCSP keeps the page to its own scripts and API; article images come
// from their publishers, so images may load from anywhere.
const pageCSP = "default-src 'self'; img-src 'self' https: http: data:; script-src 'self'; style-src 'self'; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func mountWeb(mux *http.ServeMux) {
	sub, err := fs.Sub(webFiles, "web")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.FileServerFS(sub)
	page := func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", pageCSP)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-cache")
		if r.URL.Path == "/" {
			http.ServeFileFS(w, r, sub, "index.html")
			return
		}
		http.StripPrefix("/static", files).ServeHTTP(w, r)
	}
	mux.HandleFunc("GET /{$}", page)
	mux.HandleFunc("GET /static/", page)
	// Every other path gets an error like the API's, not the mux's plain text.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		obs.WriteError(w, http.StatusNotFound, "no such page: "+r.URL.Path+" (the API is under /v1/, the web page at /)")
	})
}
