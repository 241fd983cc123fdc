package fetcher

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/obs"
	"github.com/newsflow/newsflow/pkg/urls"
)

// Handler serves the feed registry (GET/POST/DELETE /v1/feeds), behind the
// bearer token when one is set. Health and metrics are on the admin
// listener (Run).
func (f *Fetcher) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/feeds", func(w http.ResponseWriter, r *http.Request) {
		list, err := ListFeeds(r.Context(), f.feeds)
		if err != nil {
			obs.WriteError(w, http.StatusServiceUnavailable, err.Error())
			return
		}
		sort.Slice(list, func(i, j int) bool { return list[i].URL < list[j].URL })
		shown := make([]FeedState, 0, len(list))
		for _, st := range list {
			shown = append(shown, st.Shown())
		}
		list = shown
		obs.WriteJSON(w, http.StatusOK, map[string]any{"feeds": list})
	})
	mux.HandleFunc("POST /v1/feeds", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			URL string `json:"url"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&body); err != nil || body.URL == "" {
			obs.WriteError(w, http.StatusBadRequest, `url: want a JSON body {"url": "https://…"}`)
			return
		}
		if err := AddFeed(r.Context(), f.feeds, body.URL); err != nil {
			obs.WriteError(w, http.StatusBadRequest, "url: "+err.Error())
			return
		}
		obs.WriteJSON(w, http.StatusCreated, map[string]string{"url": urls.Redact(body.URL)})
	})
	mux.HandleFunc("DELETE /v1/feeds", func(w http.ResponseWriter, r *http.Request) {
		u := r.URL.Query().Get("url")
		if u == "" {
			obs.WriteError(w, http.StatusBadRequest, "url: required")
			return
		}
		err := RemoveFeed(r.Context(), f.feeds, u)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			obs.WriteError(w, http.StatusNotFound, "feed not registered")
		case err != nil:
			obs.WriteError(w, http.StatusBadRequest, "url: "+err.Error())
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
	// Every other request gets the API's JSON error, not the mux's plain text.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/feeds" {
			w.Header().Set("Allow", "GET, HEAD, POST, DELETE")
			obs.WriteError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed on /v1/feeds")
			return
		}
		obs.WriteError(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path+" (the feed API is /v1/feeds)")
	})
	return requireToken(f.cfg.APIToken, mux)
}
