// Package content finds the article body in a page: candidate blocks scored
// by text and link density, structure, class/id hints and position, with
// navigation, share widgets, related lists, comments, ads and captions removed.
//
// It works on the parsed tree directly, in a few iterative passes: prune
// (remove what is never text), score (one bottom-up pass that counts text,
// links and paragraphs per element and scores containers the way
// readability does), pick (the best container and its sibling content) and
// render (text and sanitized HTML, dropping boilerplate inside the article).
package content

import (
	"math"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsflow/newsflow/pkg/events"
)

// Options tune one extraction.
type Options struct {
	// BodySelector pins the body for a site (from user site rules).
	BodySelector string
	// FallbackText is the JSON-LD articleBody, used when the visible body is
	// missing or truncated. When empty, Extract reads the page's JSON-LD itself.
	FallbackText string
	// Title is the article's title, so a repeated headline can be left out of the body.
	Title string
	// BaseURL, when set, makes relative link and image addresses absolute.
	BaseURL *url.URL
	// Authors are the article's authors as the metadata reader found them;
	// a short line naming one before the first paragraph is a byline, in
	// whatever language it is written.
	Authors []string
	// Published is the article's date as the metadata reader found it; a
	// short line before the first paragraph that gives it is a dateline.
	Published time.Time
}

// Result is the extracted body.
type Result struct {
	Text       string // paragraphs separated by a blank line
	HTML       string // sanitized, structural tags only
	Images     []events.Image
	Method     string  // e.g. "dom", "jsonld", "rule"
	Confidence float64 // 0..1
}

// Extraction methods reported in Result.Method.
const (
	MethodDOM    = "dom"
	MethodRule   = "rule"
	MethodJSONLD = "jsonld"
	MethodNone   = "none"
)

// Extract finds the body of doc. It may modify doc.
func Extract(doc *goquery.Document, opts Options) Result {
	if doc == nil || len(doc.Nodes) == 0 {
		return Result{Method: MethodNone}
	}
	root := doc.Nodes[0]
	classCache := make(map[string]uint8, 256)
	scripts, base, suspects := prune(root, classCache) // the whole page, for JSON-LD in <head>
	opts.BaseURL = baseURL(opts.BaseURL, base)
	body := findBody(root)
	buf := entryPool.Get().(*[]entry)
	entries := score(body, *buf, classCache)
	defer func() {
		// Drop the node pointers so the pool does not keep this page alive.
		if cap(entries) > maxPooledEntries {
			return // a freak page; do not keep its table around
		}
		clear(entries)
		*buf = entries[:0]
		entryPool.Put(buf)
	}()

	var res Result
	if opts.BodySelector != "" {
		res = ruleBody(doc, entries, &opts)
	}
	if res.Method == "" {
		res = domBody(entries, &opts, suspects, classCache)
		if len(res.Text) < minText && len(suspects) > 0 {
			// Next to nothing: the article may sit in a container named
			// like boilerplate. Put those back and look again, trusting
			// the result less.
			restore(suspects)
			entries = score(body, entries[:0], classCache)
			for i := range entries {
				// Names misled the first look; the second goes by text.
				entries[i].hint &^= hintJunk | hintWeak | hintAd
			}
			if again := domBody(entries, &opts, nil, classCache); len(again.Text) > len(res.Text) {
				res = again
				res.Confidence = math.Round(50*res.Confidence) / 100
			}
		}
	}
	if res.Method == MethodDOM || res.Method == "" {
		res = widen(entries, res, &opts)
	}
	fallback := opts.FallbackText
	if fallback == "" && res.Method != MethodRule && weak(res.Text, rawBodyLen(scripts)) {
		// The caller found no articleBody (meta passes it when it does):
		// decode the page's JSON-LD when its raw size says it may win.
		fallback = jsonldBody(scripts)
	}
	if fallback != "" && res.Method != MethodRule && weak(res.Text, len(fallback)) {
		return jsonldResult(fallback, res.Images)
	}
	if res.Text == "" {
		res.Method = MethodNone
		res.Confidence = 0
	}
	return res
}

// minText is the length under which a DOM result counts as a failure worth
// a second, less strict look.
const minText = 200

// maxPooledEntries bounds the tables kept for reuse.
const maxPooledEntries = 1 << 16

// entryPool recycles the scoring table, the biggest allocation per page.
var entryPool = sync.Pool{New: func() any { s := make([]entry, 0, 2048); return &s }}

// baseURL is the address relative links resolve against: the page's
// <base href>, itself resolved against the page address when relative, else
// the page address.
func baseURL(page *url.URL, base string) *url.URL {
	if base == "" {
		return page
	}
	b, err := url.Parse(base)
	if err != nil {
		return page
	}
	if page != nil {
		b = page.ResolveReference(b)
	}
	if !b.IsAbs() {
		return page
	}
	return b
}

// findBody returns the <body> element, or root when the page has none.
func findBody(root *html.Node) *html.Node {
	var body *html.Node
	walk(root, func(n *html.Node) bool {
		if body != nil {
			return false
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.Body {
			body = n
			return false
		}
		return n.Type == html.DocumentNode || n.Type == html.ElementNode && n.DataAtom == atom.Html
	}, nil)
	if body == nil {
		return root
	}
	return body
}

// weak reports whether the DOM text is clearly shorter than a fallback of
// fallbackLen bytes: missing, or cut short by a paywall or a "read more".
func weak(text string, fallbackLen int) bool {
	return float64(len(text)) < 0.6*float64(fallbackLen)
}

// domBody renders the chosen container and what merges with it, and the
// standfirst of the article's own header among the suspects prune removed.
func domBody(entries []entry, opts *Options, suspects []removed, cache map[string]uint8) Result {
	top := pickTop(entries)
	if top < 0 {
		return Result{}
	}
	r := newRenderer(entries, opts)
	parts := merge(entries, top, siblings(entries, top), opts.Title)
	intros := headerIntros(entries, top, parts, suspects, opts, cache)
	at := make([]mark, len(intros))
	chars := 0
	for _, i := range parts {
		chars += int(entries[i].chars)
	}
	// Text is about the counted characters plus spaces; HTML adds tags.
	r.text = make([]byte, 0, chars*5/4+64)
	r.html = make([]byte, 0, chars*3/2+256)
	k := 0
	for _, i := range parts {
		for ; k < len(intros) && intros[k].pos < entries[i].end; k++ {
			at[k] = mark{text: len(r.text), html: len(r.html), span: len(r.spans)}
		}
		r.render(i, i == top)
	}
	for ; k < len(intros); k++ {
		at[k] = mark{text: len(r.text), html: len(r.html), span: len(r.spans)}
	}
	r.insertIntros(intros, at)
	res := r.result(MethodDOM)
	res.Confidence = confidence(entries, top, parts, r)
	return res
}

func ruleBody(doc *goquery.Document, entries []entry, opts *Options) Result {
	sel := doc.Find(opts.BodySelector)
	if sel.Length() == 0 {
		return Result{}
	}
	r := newRenderer(entries, opts)
	// Render matches in document order, each once: a match inside another
	// match is already part of it.
	next := int32(0)
	for i := int32(0); i < int32(len(entries)); i++ {
		if i < next {
			continue
		}
		for _, n := range sel.Nodes {
			if entries[i].n == n {
				r.render(i, true)
				next = entries[i].end
				break
			}
		}
	}
	res := r.result(MethodRule)
	if res.Text == "" {
		return Result{}
	}
	res.Confidence = 0.95
	return res
}

func newRenderer(entries []entry, opts *Options) *renderer {
	return &renderer{entries: entries, opts: opts, figure: -1, lastImage: -1}
}

func (r *renderer) result(method string) Result {
	r.dropTail()
	return Result{Text: string(r.text), HTML: string(r.html), Images: r.images, Method: method}
}

// confidence grows with the amount of text and paragraphs found and falls
// with link density and with how much of the page's text was left out.
func confidence(entries []entry, top int32, parts []int32, r *renderer) float64 {
	if r.blocks == 0 {
		return 0
	}
	chars := 0
	var links int32
	for _, i := range parts {
		chars += int(entries[i].chars)
		links += entries[i].linkChars
	}
	size := math.Min(1, float64(chars)/1500)
	paras := math.Min(1, float64(r.paras)/4)
	ld := 0.0
	if chars > 0 {
		ld = float64(links) / float64(chars)
	}
	return math.Round(100*(0.2+0.4*size+0.4*paras)*(1-ld)) / 100
}

// jsonldResult turns an articleBody into a result: its lines become
// paragraphs. Some sites put HTML in articleBody; that is rendered like a
// page's article (sanitized, blocks kept).
func jsonldResult(body string, images []events.Image) Result {
	if strings.Contains(body, "</") || strings.Contains(body, "<p") || strings.Contains(body, "<br") {
		if root, err := html.Parse(strings.NewReader(body)); err == nil {
			cache := map[string]uint8{}
			prune(root, cache) // nothing to keep from it but the cleaning
			b := findBody(root)
			entries := score(b, nil, cache)
			r := newRenderer(entries, &Options{})
			r.render(0, true)
			res := r.result(MethodJSONLD)
			if res.Text != "" {
				res.Images, res.Confidence = images, 0.6
				return res
			}
		}
	}
	body = html.UnescapeString(body)
	var text, h strings.Builder
	for _, line := range strings.Split(body, "\n") {
		line = strings.Join(strings.Fields(line), " ")
		if line == "" {
			continue
		}
		if text.Len() > 0 {
			text.WriteString("\n\n")
		}
		text.WriteString(line)
		h.WriteString("<p>" + html.EscapeString(line) + "</p>")
	}
	return Result{Text: text.String(), HTML: h.String(), Images: images, Method: MethodJSONLD, Confidence: 0.6}
}
