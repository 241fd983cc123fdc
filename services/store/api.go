package store

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"

	"github.com/newsflow/newsflow/pkg/obs"
)

var idPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Handler serves the API, health and metrics.
func (s *Store) Handler() http.Handler {
	mux := http.NewServeMux()
	obs.Mount(mux, s.Ready)
	mux.HandleFunc("GET /v1/articles", s.list)
	mux.HandleFunc("GET /v1/articles/{id}", s.get)
	return mux
}

// apiError is every error the API returns.
type apiError struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{Status: status, Message: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Store) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 20
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			writeError(w, http.StatusBadRequest, "limit: must be an integer from 1 to 200")
			return
		}
		limit = n
	}
	page, err := s.articles.List(r.Context(), limit, q.Get("cursor"))
	if errors.Is(err, ErrBadCursor) {
		writeError(w, http.StatusBadRequest, "cursor: invalid")
		return
	}
	if err != nil {
		s.deps.Log.Error("list articles", "err", err)
		writeError(w, http.StatusServiceUnavailable, "storage unavailable")
		return
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Store) get(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !idPattern.MatchString(id) {
		writeError(w, http.StatusBadRequest, "id: must be 32 hex characters")
		return
	}
	data, err := s.articles.Get(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, "article not found")
		return
	}
	if err != nil {
		s.deps.Log.Error("get article", "err", err)
		writeError(w, http.StatusServiceUnavailable, "storage unavailable")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(data)
}
