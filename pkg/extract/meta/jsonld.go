package meta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// ldArticle is what newsflow reads from the page's JSON-LD article object.
type ldArticle struct {
	headline    string
	description string
	section     string
	body        string
	lang        string
	published   string
	modified    string
	url         string
	publisher   string
	authors     []string
	keywords    []string
	image       ldImage
	free        *bool
}

type ldImage struct {
	url, caption, credit string
}

// articleTypes are the schema.org types whose object describes the page's
// article.
var articleTypes = map[string]int{
	"newsarticle": 3, "reportagenewsarticle": 3, "analysisnewsarticle": 3, "opinionnewsarticle": 3, "reviewnewsarticle": 3,
	"backgroundnewsarticle": 3, "askpublicnewsarticle": 3, "liveblogposting": 2, "reportage": 2,
	"article": 2, "blogposting": 2, "techarticle": 1, "scholarlyarticle": 1, "report": 1, "socialmediaposting": 1,
	"posting": 1, "webpage": 0, "itempage": 0, "creativework": 0, "videoobject": -1,
}

var orgTypes = map[string]bool{
	"organization": true, "newsmediaorganization": true, "corporation": true, "organisation": true, "ngo": true,
	"governmentorganization": true, "educationalorganization": true, "localbusiness": true, "website": true, "brand": true,
}

const (
	maxLDDepth   = 12
	maxLDObjects = 400
)

// ldDoc holds every JSON-LD object of a page, flattened, with an index by
// @id so references like "author": {"@id": "#person"} resolve.
type ldDoc struct {
	objs []map[string]any
	byID map[string]map[string]any
	// persons are the names people() read from objects typed Person: a
	// single given name there is still a person's ("Regan" on a blog).
	persons map[string]bool
}

// parseLD decodes the page's ld+json scripts, repairing the common faults
// (trailing commas, raw newlines in strings, HTML comment wrappers) and
// skipping what still does not parse.
func parseLD(scripts []string) *ldDoc {
	d := &ldDoc{}
	for _, s := range scripts {
		// Breadcrumbs, search boxes and organisation cards are most of a
		// page's JSON-LD; decoding only what may hold an article (or a
		// @graph that links one) saves most of the JSON work.
		if !containsAny(s, "rticle", "osting", "eport", "@graph", "@id") {
			continue
		}
		vals, err := decodeLD(s)
		if err != nil {
			continue
		}
		for _, v := range vals {
			d.collect(v, 0)
		}
	}
	return d
}

func decodeLD(s string) ([]any, error) {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err == nil {
		return []any{v}, nil
	}
	fixed := repairJSON(s)
	dec := json.NewDecoder(bytes.NewReader(fixed))
	var out []any
	for len(out) < 16 {
		var v any
		err := dec.Decode(&v)
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(out) > 0 {
				return out, nil
			}
			return nil, fmt.Errorf("decode ld+json: %w", err)
		}
		out = append(out, v)
	}
	return out, nil
}

// repairJSON fixes what CMS templates get wrong most often: comment or
// CDATA wrappers, control characters inside strings, invalid escapes and
// trailing commas.
func repairJSON(s string) []byte {
	s = strings.TrimSpace(s)
	for _, p := range []string{"<!--", "//<![CDATA[", "/*<![CDATA[*/", "<![CDATA["} {
		s = strings.TrimPrefix(s, p)
	}
	for _, p := range []string{"-->", "//]]>", "/*]]>*/", "]]>"} {
		s = strings.TrimSuffix(strings.TrimSpace(s), p)
	}
	b := make([]byte, 0, len(s)+16)
	inStr, esc := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inStr {
			switch {
			case esc:
				esc = false
				if !strings.ContainsRune(`"\/bfnrtu`, rune(c)) {
					// \' and friends: drop the backslash.
					b = b[:len(b)-1]
				}
				b = append(b, c)
			case c == '\\':
				esc = true
				b = append(b, c)
			case c == '"':
				inStr = false
				b = append(b, c)
			case c == '\n' || c == '\r' || c == '\t':
				b = append(b, ' ')
			case c < 0x20:
			default:
				b = append(b, c)
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case ',':
			j := i + 1
			for j < len(s) && (s[j] == ' ' || s[j] == '\n' || s[j] == '\r' || s[j] == '\t') {
				j++
			}
			if j < len(s) && (s[j] == '}' || s[j] == ']') {
				continue
			}
		}
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			continue
		}
		b = append(b, c)
	}
	return b
}

// collect flattens v into d.objs: arrays, @graph and nested objects
// (mainEntity, hasPart...) all contribute.
func (d *ldDoc) collect(v any, depth int) {
	if depth > maxLDDepth || len(d.objs) >= maxLDObjects {
		return
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			d.collect(e, depth+1)
		}
	case map[string]any:
		if _, ok := x["@type"]; ok || x["@id"] != nil {
			d.objs = append(d.objs, x)
			if id, ok := x["@id"].(string); ok && id != "" && len(x) > 1 {
				if d.byID == nil {
					d.byID = map[string]map[string]any{}
				}
				if _, dup := d.byID[id]; !dup {
					d.byID[id] = x
				}
			}
		}
		// A fixed key order keeps the result independent of map iteration.
		for _, k := range nestedKeys {
			if e, ok := x[k]; ok {
				d.collect(e, depth+1)
			}
		}
	}
}

var nestedKeys = []string{"@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "item", "hasPart", "isPartOf", "author", "publisher", "image", "subjectOf", "about"}

// resolve follows a {"@id": ...} reference.
func (d *ldDoc) resolve(v any) any {
	m, ok := v.(map[string]any)
	if !ok || d.byID == nil {
		return v
	}
	if id, ok := m["@id"].(string); ok && len(m) <= 2 {
		if full, ok := d.byID[id]; ok {
			return full
		}
	}
	return v
}

func typesOf(m map[string]any) []string {
	switch t := m["@type"].(type) {
	case string:
		return []string{strings.ToLower(lastSegment(t))}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, strings.ToLower(lastSegment(s)))
			}
		}
		return out
	}
	return nil
}

// lastSegment turns "http://schema.org/NewsArticle" into "NewsArticle".
func lastSegment(s string) string {
	if i := strings.LastIndexAny(s, "/:#"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// article picks the object that describes this page's article: the most
// article-like type, then the one whose url is the page's, then the one
// with the most fields filled in.
func (d *ldDoc) article(pageURLs []string) *ldArticle {
	var best map[string]any
	bestScore := -1 << 30
	for _, o := range d.objs {
		ts := typesOf(o)
		typeScore, isArticle := -100, false
		for _, t := range ts {
			if s, ok := articleTypes[t]; ok && s > typeScore {
				typeScore, isArticle = s, true
			}
		}
		if !isArticle {
			continue
		}
		score := typeScore * 10
		if str(o["headline"]) != "" {
			score += 8
		}
		if str(o["datePublished"]) != "" {
			score += 6
		}
		if o["author"] != nil {
			score += 3
		}
		if o["articleBody"] != nil {
			score += 2
		}
		if u := str(o["url"]); u != "" {
			for _, p := range pageURLs {
				if p != "" && sameURL(u, p) {
					score += 10
				}
			}
		}
		if score > bestScore {
			best, bestScore = o, score
		}
	}
	if best == nil {
		return nil
	}
	return d.read(best)
}

func (d *ldDoc) read(o map[string]any) *ldArticle {
	a := &ldArticle{
		headline:    str(o["headline"]),
		description: str(o["description"]),
		published:   str(o["datePublished"]),
		modified:    str(o["dateModified"]),
		url:         str(o["url"]),
		body:        str(o["articleBody"]),
	}
	if a.headline == "" {
		a.headline = str(o["name"])
	}
	if a.published == "" {
		a.published = str(o["dateCreated"])
	}
	a.section = first(o["articleSection"])
	a.lang = langOf(o["inLanguage"])
	a.keywords = d.keywords(o["keywords"])
	if p, ok := d.resolve(o["publisher"]).(map[string]any); ok {
		a.publisher = str(p["name"])
	} else if ps, ok := o["publisher"].([]any); ok && len(ps) > 0 {
		if p, ok := d.resolve(ps[0]).(map[string]any); ok {
			a.publisher = str(p["name"])
		}
	}
	a.authors = d.people(o["author"], 0)
	if len(a.authors) == 0 {
		a.authors = d.people(o["creator"], 0)
	}
	a.image = d.image(o["image"], 0)
	if a.image.url == "" {
		a.image.url = first(o["thumbnailUrl"])
	}
	a.free = freeOf(o["isAccessibleForFree"])
	if a.free == nil || *a.free {
		if f := d.partFree(o["hasPart"]); f != nil {
			a.free = f
		}
	}
	return a
}

// people returns the names of the Person authors in v, skipping
// organisations.
func (d *ldDoc) people(v any, depth int) []string {
	if depth > 4 {
		return nil
	}
	v = d.resolve(v)
	switch x := v.(type) {
	case string:
		if isURLish(x) {
			return nil
		}
		return []string{x}
	case []any:
		var out []string
		for i, e := range x {
			if i >= 20 {
				break
			}
			out = append(out, d.people(e, depth+1)...)
		}
		return out
	case map[string]any:
		person := false
		for _, t := range typesOf(x) {
			if orgTypes[t] {
				return nil
			}
			person = person || t == "person"
		}
		switch n := x["name"].(type) {
		case string:
			if isURLish(n) {
				return nil
			}
			if person {
				if d.persons == nil {
					d.persons = map[string]bool{}
				}
				d.persons[n] = true
			}
			return []string{n}
		case []any:
			return d.people(n, depth+1)
		}
		if g, f := str(x["givenName"]), str(x["familyName"]); g != "" || f != "" {
			return []string{strings.TrimSpace(g + " " + f)}
		}
	}
	return nil
}

func (d *ldDoc) image(v any, depth int) ldImage {
	if depth > 4 {
		return ldImage{}
	}
	v = d.resolve(v)
	switch x := v.(type) {
	case string:
		return ldImage{url: x}
	case []any:
		for i, e := range x {
			if i >= 8 {
				break
			}
			if im := d.image(e, depth+1); im.url != "" {
				return im
			}
		}
	case map[string]any:
		im := ldImage{url: first(x["url"]), caption: str(x["caption"])}
		if im.url == "" {
			im.url = first(x["contentUrl"])
		}
		im.credit = str(x["creditText"])
		if im.credit == "" {
			if c := d.people(x["copyrightHolder"], depth+1); len(c) > 0 {
				im.credit = c[0]
			}
		}
		if im.caption == "" {
			im.caption = str(x["description"])
		}
		return im
	}
	return ldImage{}
}

func (d *ldDoc) keywords(v any) []string {
	switch x := v.(type) {
	case string:
		return splitList(x)
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, splitList(s)...)
			}
			if len(out) > 50 {
				break
			}
		}
		return out
	}
	return nil
}

func (d *ldDoc) partFree(v any) *bool {
	switch x := d.resolve(v).(type) {
	case map[string]any:
		return freeOf(x["isAccessibleForFree"])
	case []any:
		for _, e := range x {
			if m, ok := d.resolve(e).(map[string]any); ok {
				if f := freeOf(m["isAccessibleForFree"]); f != nil && !*f {
					return f
				}
			}
		}
	}
	return nil
}

func freeOf(v any) *bool {
	var b bool
	switch x := v.(type) {
	case bool:
		b = x
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "yes", "1", "https://schema.org/true", "http://schema.org/true":
			b = true
		case "false", "no", "0", "https://schema.org/false", "http://schema.org/false":
			b = false
		default:
			return nil
		}
	default:
		return nil
	}
	return &b
}

func langOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if s := str(x["alternateName"]); s != "" {
			return s
		}
		return str(x["name"])
	case []any:
		if len(x) > 0 {
			if s, ok := x[0].(string); ok {
				return s
			}
			if m, ok := x[0].(map[string]any); ok {
				return langOf(m)
			}
		}
	}
	return ""
}

// str returns v when it is a string, trimmed; numbers and objects are "".
func str(v any) string {
	if s, ok := v.(string); ok {
		return strings.TrimSpace(s)
	}
	return ""
}

// first returns v, or its first string element, or its "url".
func first(v any) string { return firstN(v, 0) }

func firstN(v any, depth int) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case []any:
		if depth > 4 {
			return ""
		}
		for i, e := range x {
			if i >= 16 {
				break
			}
			if s := firstN(e, depth+1); s != "" {
				return s
			}
		}
	case map[string]any:
		return str(x["url"])
	}
	return ""
}

func isURLish(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "www.")
}

func sameURL(a, b string) bool {
	norm := func(s string) string {
		s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
		s = strings.TrimPrefix(s, "www.")
		if i := strings.IndexAny(s, "?#"); i >= 0 {
			s = s[:i]
		}
		return strings.TrimSuffix(s, "/")
	}
	return norm(a) == norm(b)
}

// splitList splits "a, b; c" into trimmed items.
func splitList(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '，' || r == '、' })
	out := f[:0]
	for _, x := range f {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
