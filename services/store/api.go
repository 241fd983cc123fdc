package store

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/obs"
)

var (
	idPattern   = regexp.MustCompile(`^[0-9a-f]{32}$`)
	langPattern = regexp.MustCompile(`^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$`)
)

// HeaderDuplicateOf carries, on a single-article response, the id of the
// earlier copy the article duplicates. The body stays a pure Article v1
// document (its schema allows no extra properties).
const HeaderDuplicateOf = "Newsflow-Duplicate-Of"

// Handler serves the public API and the web page; health and metrics are
// on the admin listener only (Run).
func (s *Store) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/articles", s.list)
	mux.HandleFunc("GET /v1/articles/by-url", s.getByURL)
	mux.HandleFunc("GET /v1/articles/{id}", s.get)
	mux.HandleFunc("GET /v1/sites", s.sites)
	mux.HandleFunc("GET /v1/languages", s.languages)
	mux.HandleFunc("GET /v1/stream", s.stream)
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			obs.WriteError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: the API is read-only")
			return
		}
		obs.WriteError(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	mountWeb(mux)
	return publicRead(mux)
}

var (
	requests = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_store_http_requests_total", Help: "API requests by route and status code.",
	}, []string{"route", "code"})
	requestSeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name: "newsflow_store_http_request_seconds", Help: "API latency by route (streams excluded).",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 12),
	}, []string{"route"})
)

// statusWriter remembers the status code; Unwrap keeps http.ResponseController
// (Flush, write deadlines) working through it.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// publicRead lets pages on other origins read the API (it is read-only) and
// counts requests by route.
func publicRead(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v1/") {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", HeaderDuplicateOf+", ETag")
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			// CORS preflight, e.g. for a conditional GET with If-None-Match.
			h.Set("Access-Control-Allow-Methods", "GET, HEAD")
			h.Set("Access-Control-Allow-Headers", "Accept, If-None-Match, Last-Event-ID")
			h.Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		route := r.Pattern // set by the mux: a bounded label, unlike the path
		if route == "" || route == "/v1/" {
			route = "other"
		}
		if sw.code == 0 {
			sw.code = http.StatusOK
		}
		requests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
		if route != "GET /v1/stream" {
			requestSeconds.WithLabelValues(route).Observe(time.Since(start).Seconds())
		}
	})
}

// paramError is a bad query parameter; its message starts with the name.
type paramError struct{ name, why string }

func (e *paramError) Error() string { return e.name + ": " + e.why }

// Parameters each endpoint takes; anything else is a 400, so a misspelt
// filter is not silently ignored.
var (
	filterParams = []string{"site", "language", "lang", "author", "tag", "q", "since", "until", "include_duplicates"}
	listParams   = append([]string{"limit", "cursor", "view"}, filterParams...)
	streamParams = append([]string{"last_event_id"}, filterParams...)
)

// ParseFilter reads the filter parameters of a listing or a stream.
func ParseFilter(q url.Values) (Filter, error) {
	var f Filter
	one := func(name string) (string, error) {
		vs := q[name]
		switch {
		case len(vs) > 1:
			return "", &paramError{name, "given more than once"}
		case len(vs) == 0:
			return "", nil
		case len(vs[0]) > 500:
			return "", &paramError{name, "longer than 500 characters"}
		}
		return strings.TrimSpace(vs[0]), nil
	}
	var err error
	var v string
	if v, err = one("site"); err != nil {
		return f, err
	} else if v != "" {
		f.Site = siteParam(v)
	}
	langName := "language"
	if q.Has("lang") {
		langName = "lang"
		if q.Has("language") {
			return f, &paramError{"lang", "give language or lang, not both"}
		}
	}
	if v, err = one(langName); err != nil {
		return f, err
	} else if v != "" {
		if !langPattern.MatchString(v) {
			return f, &paramError{langName, "not a BCP 47 language tag such as en or pt-BR"}
		}
		f.Language = strings.ToLower(strings.ReplaceAll(v, "_", "-"))
	}
	if v, err = one("author"); err != nil {
		return f, err
	}
	f.Author = normName(v)
	if v, err = one("tag"); err != nil {
		return f, err
	}
	f.Tag = normName(v)
	if v, err = one("q"); err != nil {
		return f, err
	}
	f.Q = strings.ToLower(v)
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v, err = one(p.name); err != nil {
			return f, err
		} else if v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, &paramError{p.name, "not an RFC 3339 time such as 2024-05-01T08:00:00Z"}
			}
			*p.t = t
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && f.Until.Before(f.Since) {
		return f, &paramError{"until", "before since"}
	}
	if v, err = one("include_duplicates"); err != nil {
		return f, err
	} else if v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, &paramError{"include_duplicates", "not true or false"}
		}
		f.IncludeDuplicates = b
	}
	return f, nil
}

// queryParams is r's query after checkParams, or a paramError when it
// cannot be parsed: r.URL.Query() would silently drop a pair with a bad
// escape (site=%zz) or a ';' separator, serving what was not asked for.
func queryParams(r *http.Request, allowed []string) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, &paramError{"query", "cannot be parsed (" + err.Error() + ")"}
	}
	return q, checkParams(q, allowed)
}

// checkParams refuses unknown parameters and repeated ones: every
// parameter takes one value, so a second one is a mistake, not a choice.
func checkParams(q url.Values, allowed []string) error {
	for name, vs := range q {
		if !slices.Contains(allowed, name) {
			return &paramError{name, "unknown parameter (known: " + strings.Join(allowed, ", ") + ")"}
		}
		if len(vs) > 1 {
			return &paramError{name, "given more than once"}
		}
	}
	return nil
}

func badRequest(w http.ResponseWriter, err error) bool {
	var pe *paramError
	if errors.As(err, &pe) {
		obs.WriteError(w, http.StatusBadRequest, pe.Error())
		return true
	}
	return false
}

func (s *Store) unavailable(w http.ResponseWriter, what string, err error) {
	s.deps.Log.Error(what, "err", err)
	obs.WriteError(w, http.StatusServiceUnavailable, "storage unavailable")
}

func (s *Store) list(w http.ResponseWriter, r *http.Request) {
	q, err := queryParams(r, listParams)
	if badRequest(w, err) {
		return
	}
	f, err := ParseFilter(q)
	if badRequest(w, err) {
		return
	}
	limit := 20
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			obs.WriteError(w, http.StatusBadRequest, "limit: must be an integer from 1 to 200")
			return
		}
		limit = n
	}
	switch q.Get("view") {
	case "", "full":
	case "summary":
		f.Summary = true
	default:
		obs.WriteError(w, http.StatusBadRequest, "view: want full or summary")
		return
	}
	page, err := s.articles.List(r.Context(), f, limit, q.Get("cursor"))
	if errors.Is(err, ErrBadCursor) {
		obs.WriteError(w, http.StatusBadRequest, "cursor: invalid (use next_cursor of a previous page)")
		return
	}
	if err != nil {
		s.unavailable(w, "list articles", err)
		return
	}
	obs.WriteJSON(w, http.StatusOK, page)
}

func (s *Store) writeStored(w http.ResponseWriter, r *http.Request, st Stored, err error) {
	if errors.Is(err, ErrNotFound) {
		obs.WriteError(w, http.StatusNotFound, "article not found")
		return
	}
	if err != nil {
		s.unavailable(w, "get article", err)
		return
	}
	if st.DuplicateOf != "" {
		w.Header().Set(HeaderDuplicateOf, st.DuplicateOf)
	}
	// The content hash names the version, and the duplicate verdict can
	// change without it: both go into the validator.
	etag := `"` + st.ContentHash + "-" + st.DuplicateOf + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	if inm := r.Header.Get("If-None-Match"); inm != "" && (inm == etag || inm == "*") {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(st.JSON)
}

func (s *Store) get(w http.ResponseWriter, r *http.Request) {
	if _, err := queryParams(r, nil); badRequest(w, err) {
		return
	}
	id := r.PathValue("id")
	if !idPattern.MatchString(id) {
		obs.WriteError(w, http.StatusBadRequest, "id: must be 32 hex characters")
		return
	}
	st, err := s.articles.Get(r.Context(), id)
	s.writeStored(w, r, st, err)
}

func (s *Store) getByURL(w http.ResponseWriter, r *http.Request) {
	q, err := queryParams(r, []string{"url"})
	if badRequest(w, err) {
		return
	}
	raw := q.Get("url")
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		obs.WriteError(w, http.StatusBadRequest, "url: want an absolute http(s) URL")
		return
	}
	st, err := s.articles.GetByURL(r.Context(), raw)
	s.writeStored(w, r, st, err)
}

func (s *Store) sites(w http.ResponseWriter, r *http.Request) {
	if _, err := queryParams(r, nil); badRequest(w, err) {
		return
	}
	sites, err := s.articles.Sites(r.Context())
	if err != nil {
		s.unavailable(w, "count sites", err)
		return
	}
	obs.WriteJSON(w, http.StatusOK, struct {
		Sites []SiteCount `json:"sites"`
	}{sites})
}

func (s *Store) languages(w http.ResponseWriter, r *http.Request) {
	if _, err := queryParams(r, nil); badRequest(w, err) {
		return
	}
	langs, err := s.articles.Languages(r.Context())
	if err != nil {
		s.unavailable(w, "count languages", err)
		return
	}
	obs.WriteJSON(w, http.StatusOK, struct {
		Languages []LanguageCount `json:"languages"`
	}{langs})
}

// siteParam takes a host, a site token, or a pasted URL of the site.
func siteParam(v string) string {
	if strings.Contains(v, "/") {
		if u, err := url.Parse(v); err == nil && u.Hostname() != "" {
			v = u.Hostname()
		}
	}
	return events.SiteToken(v)
}
