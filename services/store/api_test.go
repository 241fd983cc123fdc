package store

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/newsflow/newsflow/internal/redistest"
	"github.com/newsflow/newsflow/pkg/client"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/obs"
	"github.com/newsflow/newsflow/pkg/service"
)

func apiServer(t *testing.T) (*httptest.Server, *Articles) {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	s := New(service.Deps{Log: testLog(t)}, rdb, Config{Prefix: prefix, TTL: time.Hour})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv, s.Articles()
}

func get(t *testing.T, u string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestAPIErrors(t *testing.T) {
	srv, _ := apiServer(t)
	notFound := testutil.ToFloat64(requests.WithLabelValues("GET /v1/articles/{id}", "404"))
	other := testutil.ToFloat64(requests.WithLabelValues("other", "404"))
	for _, tc := range []struct {
		path   string
		status int
		prefix string // of the message: the parameter's name
	}{
		{"/nope", 404, "no such page: /nope"},
		{"/v1/articles?limit=0", 400, "limit:"},
		{"/v1/articles?limit=201", 400, "limit:"},
		{"/v1/articles?limit=ten", 400, "limit:"},
		{"/v1/articles?cursor=%21%21", 400, "cursor:"},
		{"/v1/articles?cursor=MTIzOg", 400, "cursor:"},
		{"/v1/articles?since=yesterday", 400, "since:"},
		{"/v1/articles?until=2024-01-01", 400, "until:"},
		{"/v1/articles?since=2024-02-01T00:00:00Z&until=2024-01-01T00:00:00Z", 400, "until:"},
		{"/v1/articles?language=e", 400, "language:"},
		{"/v1/articles?lang=english%20please", 400, "lang:"},
		{"/v1/articles?limit=5&limit=6", 400, "limit: given more than once"},
		{"/v1/articles?site=a.com&site=b.com", 400, "site: given more than once"},
		{"/v1/articles/by-url?url=https://a.example/x&url=https://b.example/y", 400, "url: given more than once"},
		{"/v1/stream?last_event_id=1&last_event_id=2", 400, "last_event_id: given more than once"},
		{"/v1/articles?lang=en&language=en", 400, "lang:"},
		{"/v1/articles?include_duplicates=maybe", 400, "include_duplicates:"},
		{"/v1/articles?view=short", 400, "view:"},
		{"/v1/articles?site=a.com&site=b.com", 400, "site:"},
		{"/v1/articles?sites=a.com", 400, "sites:"},
		{"/v1/articles?q=" + strings.Repeat("x", 501), 400, "q:"},
		{"/v1/articles/xyz", 400, "id:"},
		{"/v1/articles/0123456789abcdef0123456789abcdef", 404, "article not found"},
		{"/v1/articles/by-url", 400, "url:"},
		{"/v1/articles/by-url?url=ftp://a.com/x", 400, "url:"},
		{"/v1/articles/by-url?url=/relative", 400, "url:"},
		{"/v1/articles/by-url?url=https://a.com/none", 404, "article not found"},
		{"/v1/sites?x=1", 400, "x:"},
		{"/v1/languages?site=a.com", 400, "site:"},
		{"/v1/nothing", 404, "no such endpoint"},
		// A pair the query parser cannot read is refused, not dropped.
		{"/v1/articles?site=%zz", 400, "query:"},
		{"/v1/articles?limit=1;site=a.com", 400, "query:"},
		{"/v1/stream?%zz=1", 400, "query:"},
		{"/v1/articles/by-url?url=https://a.com/x;y", 400, "query:"},
		{"/v1/sites?%", 400, "query:"},
		{"/v1/articles/0123456789abcdef0123456789abcdef?view=summary", 400, "view:"},
	} {
		resp, body := get(t, srv.URL+tc.path)
		var e obs.Error
		if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != tc.status || e.Status != tc.status ||
			!strings.HasPrefix(e.Message, tc.prefix) || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("GET %s: %d %s, want %d with a message starting %q", tc.path, resp.StatusCode, body, tc.status, tc.prefix)
		}
	}
	for _, method := range []string{http.MethodPost, http.MethodDelete} {
		req, _ := http.NewRequest(method, srv.URL+"/v1/articles", strings.NewReader("{}"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s /v1/articles: %d, want 405 with Allow", method, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/v1/articles/0123456789abcdef0123456789abcdef", nil)
	req.Header.Set("Origin", "https://dashboard.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "if-none-match")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "If-None-Match") {
		t.Errorf("CORS preflight: %d %v", resp.StatusCode, resp.Header)
	}
	// Requests are counted by route pattern, not by path.
	if n := testutil.ToFloat64(requests.WithLabelValues("GET /v1/articles/{id}", "404")) - notFound; n != 1 {
		t.Errorf("counted %v 404s of GET /v1/articles/{id}, want 1", n)
	}
	if n := testutil.ToFloat64(requests.WithLabelValues("other", "404")) - other; n != 1 {
		t.Errorf("counted %v 404s of unknown endpoints, want 1", n)
	}
}

type listResponse struct {
	Articles    []events.Article  `json:"articles"`
	DuplicateOf map[string]string `json:"duplicate_of"`
	NextCursor  string            `json:"next_cursor"`
}

func TestAPIReads(t *testing.T) {
	srv, s := apiServer(t)
	ctx := t.Context()
	wire := withBody(words("wire", 80))
	orig := art("www.a.com", 1, base, wire, func(a *events.Article) { a.Language, a.Tags = "en", []string{"World"} })
	copy := art("b.com", 2, base.Add(time.Hour), wire, func(a *events.Article) { a.Language = "en" })
	other := art("b.com", 3, base.Add(2*time.Hour), func(a *events.Article) { a.Language, a.Title = "fr", "Le titre" })
	for _, a := range []*events.Article{orig, copy, other} {
		if _, err := s.Put(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	var l listResponse
	resp, body := get(t, srv.URL+"/v1/articles?limit=1")
	if err := json.Unmarshal(body, &l); err != nil || resp.StatusCode != 200 || len(l.Articles) != 1 || l.Articles[0].ID != other.ID || l.NextCursor == "" {
		t.Fatalf("first page: %d %s", resp.StatusCode, body)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("the read API is not open to other origins")
	}
	cur := l.NextCursor
	var raw struct{ Articles []json.RawMessage }
	_, body = get(t, srv.URL+"/v1/articles?view=summary&limit=1")
	if err := json.Unmarshal(body, &raw); err != nil || len(raw.Articles) != 1 {
		t.Fatalf("summary: %s", body)
	}
	if err := events.ValidateArticleJSON(raw.Articles[0]); err != nil {
		t.Errorf("a summary is not a valid Article v1: %v", err)
	}
	if a := decode(t, raw.Articles[0]); a.BodyText != "" || a.Title != other.Title || a.ID != other.ID {
		t.Errorf("summary: %s", raw.Articles[0])
	}
	l = listResponse{}
	_, body = get(t, srv.URL+"/v1/articles?limit=1&cursor="+url.QueryEscape(cur))
	if err := json.Unmarshal(body, &l); err != nil || len(l.Articles) != 1 || l.Articles[0].ID != orig.ID || l.NextCursor != "" {
		t.Errorf("last page (the copy hidden): %s", body)
	}
	l = listResponse{}
	_, body = get(t, srv.URL+"/v1/articles?include_duplicates=true&site=b.com&lang=EN")
	if err := json.Unmarshal(body, &l); err != nil || len(l.Articles) != 1 || l.DuplicateOf[copy.ID] != orig.ID || l.NextCursor != "" {
		t.Errorf("duplicates on b.com in English: %s", body)
	}
	l = listResponse{}
	_, body = get(t, srv.URL+"/v1/articles?site="+url.QueryEscape("https://www.b.com/some/page"))
	if err := json.Unmarshal(body, &l); err != nil || len(l.Articles) != 1 || l.Articles[0].ID != other.ID || l.DuplicateOf != nil {
		t.Errorf("b.com without duplicates: %s", body)
	}
	l = listResponse{}
	_, body = get(t, srv.URL+"/v1/articles?tag=world&q=STORY&since=2024-01-01T00:00:00Z&until=2030-01-01T00:00:00%2B02:00")
	if err := json.Unmarshal(body, &l); err != nil || len(l.Articles) != 1 || l.Articles[0].ID != orig.ID {
		t.Errorf("tag world: %s", body)
	}

	for _, path := range []string{
		"/v1/articles/" + copy.ID,
		"/v1/articles/by-url?url=" + url.QueryEscape(copy.URL),
		"/v1/articles/by-url?url=" + url.QueryEscape(copy.URL+"?utm_source=feed"),
	} {
		resp, body := get(t, srv.URL+path)
		var a events.Article
		if err := json.Unmarshal(body, &a); err != nil || resp.StatusCode != 200 || a.ID != copy.ID {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		if err := events.ValidateArticleJSON(body); err != nil {
			t.Errorf("GET %s: the body is not a valid Article v1: %v", path, err)
		}
		if d := resp.Header.Get(HeaderDuplicateOf); d != orig.ID {
			t.Errorf("GET %s: %s = %q, want %s", path, HeaderDuplicateOf, d, orig.ID)
		}
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
		again, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		again.Body.Close()
		if again.StatusCode != http.StatusNotModified || resp.Header.Get("ETag") == "" {
			t.Errorf("GET %s with its ETag: %d, want 304", path, again.StatusCode)
		}
	}
	var sites struct{ Sites []SiteCount }
	_, body = get(t, srv.URL+"/v1/sites")
	if err := json.Unmarshal(body, &sites); err != nil || len(sites.Sites) != 2 ||
		sites.Sites[0] != (SiteCount{"b_com", "b.com", 2}) || sites.Sites[1] != (SiteCount{"a_com", "www.a.com", 1}) {
		t.Errorf("sites: %s", body)
	}
	_, body = get(t, srv.URL+"/v1/languages")
	if string(body) != `{"languages":[{"language":"en","articles":2},{"language":"fr","articles":1}]}`+"\n" {
		t.Errorf("languages: %s", body)
	}
}

// The Go client of pkg/client against the real API.
func TestGoAPIClient(t *testing.T) {
	srv, s := apiServer(t)
	ctx := t.Context()
	wire := withBody(words("wire", 80))
	orig := art("a.com", 1, base, wire)
	dup := art("b.com", 2, base.Add(time.Hour), wire)
	var want []string
	for i, a := range []*events.Article{orig, dup, art("a.com", 3, base.Add(-time.Hour)), art("c.com", 4, base.Add(-2*time.Hour))} {
		if _, err := s.Put(ctx, a); err != nil {
			t.Fatal(err)
		}
		if i != 1 {
			want = append(want, a.ID)
		}
	}
	api, err := client.NewAPI(srv.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for a, err := range api.All(ctx, client.Query{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a.ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("All = %v, want %v", got, want)
	}
	if p, err := api.List(ctx, client.Query{Summary: true, Limit: 1}); err != nil || len(p.Articles) != 1 || p.Articles[0].BodyText != "" || p.Articles[0].Title == "" {
		t.Errorf("List of summaries: %+v, %v", p, err)
	}
	p, err := api.List(ctx, client.Query{Site: "b.com", IncludeDuplicates: true, Since: base, Until: base.Add(time.Hour)})
	if err != nil || len(p.Articles) != 1 || p.DuplicateOf[dup.ID] != orig.ID || p.NextCursor != "" {
		t.Errorf("List b.com with duplicates: %+v, %v", p, err)
	}
	st, err := api.Get(ctx, dup.ID)
	if err != nil || st.Article.URL != dup.URL || st.DuplicateOf != orig.ID {
		t.Errorf("Get: %+v, %v", st, err)
	}
	st, err = api.GetByURL(ctx, orig.URL)
	if err != nil || st.Article.ID != orig.ID || st.DuplicateOf != "" {
		t.Errorf("GetByURL: %+v, %v", st, err)
	}
	if _, err := api.Get(ctx, events.ArticleID("https://nowhere.example/")); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("Get of a missing article: %v, want ErrNotFound", err)
	}
	var apiErr *client.APIError
	if _, err := api.List(ctx, client.Query{Language: "x"}); !errors.As(err, &apiErr) || apiErr.Status != 400 || !strings.HasPrefix(apiErr.Message, "language:") {
		t.Errorf("bad language: %v", err)
	}
	sites, err := api.Sites(ctx)
	if err != nil || len(sites) != 3 || sites[0] != (client.Site{Site: "a_com", Host: "a.com", Articles: 2}) {
		t.Errorf("Sites: %+v, %v", sites, err)
	}
	langs, err := api.Languages(ctx)
	if err != nil || !slices.Equal(langs, []client.Language{{Language: "en", Articles: 4}}) {
		t.Errorf("Languages: %+v, %v", langs, err)
	}
}
