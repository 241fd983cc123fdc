package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/newsflow/newsflow/pkg/events"
)

// HeaderDuplicateOf is the store's header naming the earlier copy of an article.
const HeaderDuplicateOf = "Newsflow-Duplicate-Of"

// ErrNotFound matches (errors.Is) the API's 404 answers.
var ErrNotFound = errors.New("newsflow: not found")

// APIError is an error answer of the API.
type APIError struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
}

func (e *APIError) Error() string { return fmt.Sprintf("newsflow API: %d %s", e.Status, e.Message) }

// Is makes errors.Is(err, ErrNotFound) hold for a 404.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// API reads the store's HTTP API (/v1).
type API struct {
	base *url.URL
	hc   *http.Client
}

// NewAPI returns a client for the store at baseURL ("http://localhost:8080").
// hc may be nil for a client with a 30 s timeout.
func NewAPI(baseURL string, hc *http.Client) (*API, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: base URL %q: want http(s)://host[:port]", baseURL)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &API{base: u, hc: hc}, nil
}

// Query selects and pages a listing; zero fields are not sent.
type Query struct {
	Site              string
	Language          string
	Author            string
	Tag               string
	Q                 string // case-insensitive substring of the title
	Since, Until      time.Time
	IncludeDuplicates bool
	Limit             int    // 1–200, default 20
	Cursor            string // NextCursor of the previous page
	Summary           bool   // List: articles without body_text, body_html and images
}

func (q Query) values() url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("site", q.Site)
	set("language", q.Language)
	set("author", q.Author)
	set("tag", q.Tag)
	set("q", q.Q)
	if !q.Since.IsZero() {
		v.Set("since", q.Since.Format(time.RFC3339))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.Format(time.RFC3339))
	}
	if q.IncludeDuplicates {
		v.Set("include_duplicates", "true")
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	set("cursor", q.Cursor)
	if q.Summary {
		v.Set("view", "summary")
	}
	return v
}

// Page is one page of a listing.
type Page struct {
	Articles []events.Article `json:"articles"`
	// DuplicateOf maps the id of each listed duplicate to its earlier copy
	// (only with IncludeDuplicates).
	DuplicateOf map[string]string `json:"duplicate_of"`
	NextCursor  string            `json:"next_cursor"` // empty on the last page
}

// Stored is one article with what the store knows about it.
type Stored struct {
	Article     events.Article
	DuplicateOf string
}

// Site is one site's article count.
type Site struct {
	Site     string `json:"site"` // the token the API's site filter takes
	Host     string `json:"host"`
	Articles int64  `json:"articles"`
}

func (c *API) do(ctx context.Context, path string, q url.Values, v any) (http.Header, error) {
	u := *c.base
	u.Path += path
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("newsflow API: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("newsflow API: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("newsflow API: read %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		e := &APIError{}
		if jsonUnmarshal(body, e) != nil || e.Message == "" {
			e = &APIError{Status: resp.StatusCode, Message: strings.TrimSpace(string(body))}
		}
		e.Status = resp.StatusCode
		return nil, e
	}
	if err := json.Unmarshal(body, v); err != nil {
		return nil, fmt.Errorf("newsflow API: decode %s: %w", path, err)
	}
	return resp.Header, nil
}

// List returns one page of articles, newest first.
func (c *API) List(ctx context.Context, q Query) (*Page, error) {
	var p Page
	if _, err := c.do(ctx, "/v1/articles", q.values(), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// All yields every article the query selects, following the cursor; it
// stops at the first error, which it yields.
func (c *API) All(ctx context.Context, q Query) iter.Seq2[*events.Article, error] {
	return func(yield func(*events.Article, error) bool) {
		for {
			p, err := c.List(ctx, q)
			if err != nil {
				yield(nil, err)
				return
			}
			for i := range p.Articles {
				if !yield(&p.Articles[i], nil) {
					return
				}
			}
			if p.NextCursor == "" {
				return
			}
			q.Cursor = p.NextCursor
		}
	}
}

// Get returns the article with id.
func (c *API) Get(ctx context.Context, id string) (*Stored, error) {
	return c.stored(ctx, "/v1/articles/"+url.PathEscape(id), nil)
}

// GetByURL returns the article at u (its URL, canonical or AMP URL, or any
// URL with the same canonical form).
func (c *API) GetByURL(ctx context.Context, u string) (*Stored, error) {
	return c.stored(ctx, "/v1/articles/by-url", url.Values{"url": {u}})
}

func (c *API) stored(ctx context.Context, path string, q url.Values) (*Stored, error) {
	var s Stored
	h, err := c.do(ctx, path, q, &s.Article)
	if err != nil {
		return nil, err
	}
	s.DuplicateOf = h.Get(HeaderDuplicateOf)
	return &s, nil
}

// Language is one primary language's article count.
type Language struct {
	Language string `json:"language"` // "en" counts en, en-GB, en-US…
	Articles int64  `json:"articles"`
}

// Languages counts the stored articles per primary language, most first.
func (c *API) Languages(ctx context.Context) ([]Language, error) {
	var r struct {
		Languages []Language `json:"languages"`
	}
	if _, err := c.do(ctx, "/v1/languages", nil, &r); err != nil {
		return nil, err
	}
	return r.Languages, nil
}

// Sites counts the stored articles per site, most first.
func (c *API) Sites(ctx context.Context) ([]Site, error) {
	var r struct {
		Sites []Site `json:"sites"`
	}
	if _, err := c.do(ctx, "/v1/sites", nil, &r); err != nil {
		return nil, err
	}
	return r.Sites, nil
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
