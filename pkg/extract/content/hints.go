package content

import (
	"bytes"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Class and id hints. Short words match whole tokens of the value (split at
// anything not a letter or digit, and at camelCase humps), so "ad" does not
// fire on "head" or "download"; long, distinctive stems match anywhere.
const (
	hintJunk    = 1 << iota // boilerplate worth removing outright: share bars, related lists, ads
	hintWeak                // leans boilerplate (bylines, captions, meta rows): lowers a block's score
	hintGood                // names the article: content, story, body
	hintCaption             // an image caption or credit, kept out of the body text
	hintByline              // author and date lines
	hintAd                  // advertising: junk whatever else the name says
	hintOverlay             // a consent dialog or cookie notice: boilerplate however much text it holds
	hintIntro               // a standfirst, dek or summary: the story's intro, in CMS vocabulary
)

var tokenHints = map[string]uint8{
	// Junk.
	"ad": hintJunk | hintAd, "ads": hintJunk | hintAd, "adv": hintJunk | hintAd, "advert": hintJunk | hintAd,
	"advertisement": hintJunk | hintAd,
	"advertising":   hintJunk, "nav": hintJunk, "navbar": hintJunk, "navigation": hintJunk, "menu": hintJunk,
	"tags": hintJunk, "share": hintJunk, "sharing": hintJunk, "social": hintJunk, "footer": hintJunk,
	"sidebar": hintJunk, "widget": hintJunk, "promo": hintJunk, "popup": hintJunk, "modal": hintJunk,
	"banner": hintJunk, "cookie": hintJunk, "cookies": hintJunk, "consent": hintJunk | hintOverlay,
	"gdpr":       hintJunk | hintOverlay,
	"newsletter": hintJunk, "subscribe": hintJunk, "subscription": hintJunk, "signup": hintJunk,
	"related": hintJunk, "recommended": hintJunk, "recommendations": hintJunk, "comments": hintJunk,
	"comment": hintJunk, "breadcrumb": hintJunk, "breadcrumbs": hintJunk, "pagination": hintJunk,
	"pager": hintJunk, "sponsor": hintJunk | hintAd, "sponsored": hintJunk | hintAd, "outbrain": hintJunk | hintAd,
	"taboola": hintJunk | hintAd, "disqus": hintJunk, "rss": hintJunk, "skyscraper": hintJunk | hintAd, "dfp": hintJunk | hintAd,
	"shoutbox": hintJunk, "paywall": hintWeak, "overlay": hintJunk, "trending": hintJunk,
	// Weak.
	"author": hintWeak | hintByline, "byline": hintWeak | hintByline, "bio": hintWeak,
	"caption": hintWeak | hintCaption, "credit": hintWeak | hintCaption, "figcaption": hintWeak | hintCaption, "copyright": hintCaption,
	"slider": hintCaption, "slideshow": hintCaption, "carousel": hintCaption, "gallery": hintCaption,
	"dateline": hintWeak | hintByline, "timestamp": hintWeak | hintByline, "meta": hintWeak,
	"date": hintByline, "published": hintByline, "posted": hintByline, "authors": hintByline,
	"header": hintWeak, "head": hintWeak, "masthead": hintWeak, "hidden": hintWeak, "hide": hintWeak,
	"print": hintWeak, "email": hintWeak, "follow": hintWeak, "popular": hintWeak, "most": hintWeak,
	"more": hintWeak, "teaser": hintWeak | hintIntro, "teasers": hintWeak, "tools": hintWeak, "toolbar": hintWeak,
	"utility": hintWeak, "sticky": hintWeak, "login": hintWeak, "partner": hintWeak, "skip": hintWeak,
	"aside": hintWeak, "foot": hintWeak, "extra": hintWeak, "supplemental": hintWeak,
	// Intro: what publishing systems call the paragraph that opens a story
	// under its headline. Only a hint: the block must still read as prose.
	"standfirst": hintIntro, "dek": hintIntro, "deck": hintIntro, "lede": hintIntro, "lead": hintIntro,
	"intro": hintIntro, "subtitle": hintIntro, "subheadline": hintIntro, "summary": hintIntro, "excerpt": hintIntro,
	"strapline": hintIntro, "abstract": hintIntro, "description": hintIntro, "chapeau": hintIntro, "chapo": hintIntro,
	"sapo": hintIntro,
	// Good.
	"article": hintGood, "content": hintGood, "story": hintGood, "body": hintGood, "entry": hintGood,
	"post": hintGood, "text": hintGood, "main": hintGood, "blog": hintGood, "prose": hintGood,
	"rte": hintGood, "richtext": hintGood, "articlebody": hintGood, "storybody": hintGood,
	"postbody": hintGood, "entrycontent": hintGood,
	// Embedded posts quoted by the article (tweets and the like) are its text.
	"embed": hintGood, "tweet": hintGood,
}

var stemHints = []struct {
	stem []byte
	hint uint8
}{
	{[]byte("comment"), hintJunk}, {[]byte("related"), hintJunk}, {[]byte("social"), hintJunk}, {[]byte("newsletter"), hintJunk},
	{[]byte("sidebar"), hintJunk}, {[]byte("breadcrumb"), hintJunk}, {[]byte("subscribe"), hintJunk}, {[]byte("promo"), hintJunk},
	{[]byte("outbrain"), hintJunk}, {[]byte("taboola"), hintJunk}, {[]byte("recommend"), hintJunk}, {[]byte("cookie"), hintJunk},
	{[]byte("consent"), hintJunk | hintOverlay}, {[]byte("banner"), hintJunk}, {[]byte("popup"), hintJunk}, {[]byte("advert"), hintJunk},
	{[]byte("sponsor"), hintJunk}, {[]byte("disqus"), hintJunk}, {[]byte("share"), hintJunk}, {[]byte("footer"), hintJunk},
	{[]byte("morestories"), hintJunk}, {[]byte("readmore"), hintJunk},
	{[]byte("article"), hintGood}, {[]byte("content"), hintGood}, {[]byte("story"), hintGood}, {[]byte("entry"), hintGood},
	{[]byte("postbody"), hintGood}, {[]byte("bodytext"), hintGood},
}

// hyphenStems are junk names that span tokens.
var hyphenStems = [][]byte{[]byte("more-stories"), []byte("read-more"), []byte("you-may-like")}

// maxClassCache bounds the per-page cache of classified names.
const maxClassCache = 4096

// hints returns the hint bits of n's class, id and microdata; classCache
// holds the values classified so far on this page.
func hints(n *html.Node, classCache map[string]uint8) uint8 {
	var h uint8
	for i := range n.Attr {
		a := &n.Attr[i]
		if a.Namespace != "" || a.Val == "" {
			continue
		}
		switch a.Key {
		case "class", "id":
			if a.Key == "id" && isHeading(n.DataAtom) {
				// A heading's id is an anchor made from its words ("related-work",
				// "comments-on-the-draft"): the text, not a name for the block.
				continue
			}
			// Pages repeat their class names; classify each value once.
			v, ok := classCache[a.Val]
			if !ok {
				v = classify(a.Val)
				if len(classCache) < maxClassCache {
					classCache[a.Val] = v
				}
			}
			if v != 0 && a.Key == "id" && slugOfHeading(n, a.Val) {
				// A section's anchor made from its heading's words
				// ("sharing-with-a-single-developer"), as a heading's own id.
				continue
			}
			h |= v
		case "itemprop":
			switch a.Val {
			case "datePublished", "dateModified", "dateCreated", "author", "creator", "publisher":
				h |= hintByline
			case "articleBody", "text":
				h |= hintGood
			case "description", "abstract", "alternativeHeadline":
				// schema.org's name for the summary under a headline.
				h |= hintIntro
			}
		case "rel":
			if a.Val == "author" {
				h |= hintByline
			}
		}
	}
	if n.DataAtom == atom.Time || n.DataAtom == atom.Address {
		h |= hintByline
	}
	return h
}

// hintWeight is readability-style class/id weight.
func hintWeight(h uint8) int {
	w := 0
	if h&hintJunk != 0 {
		w -= 25
	} else if h&hintWeak != 0 {
		w -= 10
	}
	if h&hintGood != 0 {
		w += 25
	}
	return w
}

func classify(v string) uint8 {
	if len(v) > 256 {
		v = v[:256]
	}
	var buf [300]byte
	lower := buf[:0]
	for i := 0; i < len(v); i++ {
		c := v[i]
		if 'A' <= c && c <= 'Z' {
			// A camelCase hump starts a new token: relatedArticles.
			if i > 0 && 'a' <= v[i-1] && v[i-1] <= 'z' {
				lower = append(lower, ' ')
			}
			c += 'a' - 'A'
		}
		lower = append(lower, c)
	}
	var h uint8
	weakGood, cookie, dialog := false, false, false
	negated := false // the previous token was "no" or "without"
	start := -1
	for i := 0; i <= len(lower); i++ {
		if i < len(lower) && (lower[i] >= 'a' && lower[i] <= 'z' || lower[i] >= '0' && lower[i] <= '9') {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			tok := lower[start:i]
			th, ok := tokenHints[string(tok)]
			switch string(tok) {
			case "cookie", "cookies":
				cookie = true
			case "banner", "notice", "bar", "popup", "modal", "dialog", "policy", "alert", "message", "overlay":
				dialog = true
			}
			if string(tok) == "text" {
				weakGood = true
				th = 0
			}
			if negated {
				// "no-caption", "without-sidebar": says what is absent.
				th, ok = 0, true
			}
			negated = string(tok) == "no" || string(tok) == "without"
			h |= th
			if !ok && len(tok) >= 5 {
				// Compounds: "commentlist", "articlebody", "sharebar".
				for _, sh := range stemHints {
					if h&sh.hint != sh.hint && bytes.Contains(tok, sh.stem) {
						h |= sh.hint
					}
				}
			}
			start = -1
		}
	}
	if cookie && dialog {
		// A cookie notice, not a recipe for cookies.
		h |= hintOverlay
	}
	if weakGood && h&hintJunk == 0 {
		// "text" names content ("body-text", "article-text") unless the
		// name also says what kind of boilerplate it is ("share-text").
		h |= hintGood
	}
	if h&hintJunk == 0 && bytes.IndexByte(lower, '-') >= 0 {
		for _, st := range hyphenStems {
			if bytes.Contains(lower, st) {
				h |= hintJunk
				break
			}
		}
	}
	return h
}

// slugOfHeading reports whether id is made from the words of the heading
// that opens n (its first element, or that element's first element).
func slugOfHeading(n *html.Node, id string) bool {
	h := firstElement(n)
	if h != nil && !isHeading(h.DataAtom) {
		h = firstElement(h)
	}
	if h == nil || !isHeading(h.DataAtom) {
		return false
	}
	var text []byte
	walk(h, func(c *html.Node) bool {
		if c.Type == html.TextNode {
			text = append(text, c.Data...)
			text = append(text, ' ')
		}
		return true
	}, nil)
	words := slugWords(string(text))
	ids := slugWords(id)
	if len(ids) < 2 || len(ids) > len(words) {
		return false
	}
	for i, w := range ids {
		if w != words[i] {
			return false
		}
	}
	return true
}

func firstElement(n *html.Node) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			return c
		}
		if c.Type == html.TextNode && strings.TrimSpace(c.Data) != "" {
			return nil
		}
	}
	return nil
}

// slugWords splits s into lower-case runs of letters and digits.
func slugWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}
