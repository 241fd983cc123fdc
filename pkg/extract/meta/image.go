package meta

import (
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsflow/newsflow/pkg/events"
)

// leadImage is og:image, twitter:image or the JSON-LD image, with the
// caption and credit of the <figure> that shows it (or of the first figure
// of the article when none does).
func (x *extractor) leadImage() *events.Image {
	img := &events.Image{}
	fromOG := false
	for i, v := range []string{x.s.meta("og:image", "og:image:url", "og:image:secure_url"), x.s.meta("twitter:image", "twitter:image:src"), unescape(x.art.image.url)} {
		if r := x.resolve(v); r != "" && !genericImage(r) {
			img.URL, fromOG = r, i == 0
			break
		}
	}
	var fig *html.Node
	if img.URL != "" {
		fig = x.figureShowing(img.URL)
		if fig == nil {
			fig = x.captionedImage(img.URL)
		}
	}
	if fig == nil {
		fig = x.firstArticleFigure()
	}
	if fig != nil {
		if img.URL == "" {
			img.URL = x.resolve(figureImage(fig))
		}
		img.Caption, img.Credit = figureCaption(fig)
	}
	if img.Caption == "" && x.art.image.caption != "" && x.resolve(x.art.image.url) == img.URL {
		img.Caption, img.Credit = splitCredit(collapse(unescape(x.art.image.caption)))
	}
	if img.Credit == "" && x.art.image.credit != "" && x.resolve(x.art.image.url) == img.URL {
		img.Credit = collapse(unescape(x.art.image.credit))
	}
	if img.URL == "" {
		img.URL = x.resolve(x.in.Hints.Image)
	}
	if img.URL == "" {
		return nil
	}
	if fromOG {
		img.Width, _ = strconv.Atoi(x.s.meta("og:image:width"))
		img.Height, _ = strconv.Atoi(x.s.meta("og:image:height"))
		if img.Width < 0 || img.Height < 0 || img.Width > 100000 || img.Height > 100000 {
			img.Width, img.Height = 0, 0
		}
	}
	return img
}

// genericImage says the address is a site-wide default (logo, fallback
// share card) rather than the article's picture.
func genericImage(u string) bool {
	p := u
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	base := strings.ToLower(path.Base(p))
	if containsAny(base, "default", "placeholder", "fallback", "no-image", "noimage", "blank", "spacer", "favicon", "apple-touch-icon") {
		return true
	}
	// "site_fb_logo.jpg" is the site's; "alibaba-logo-getty-1024-683-57ed.jpg"
	// is a news photo of a logo.
	name := strings.TrimSuffix(base, path.Ext(base))
	return strings.Contains(name, "logo") && len(name) <= 25 && strings.IndexFunc(name, unicode.IsDigit) < 0
}

// figureShowing finds the figure whose image is src, comparing file names
// so CDN hosts, query strings and WordPress size suffixes do not matter.
func (x *extractor) figureShowing(src string) *html.Node {
	want := imageKey(src)
	if want == "" {
		return nil
	}
	stem := want[strings.LastIndexByte(want, '/')+1:]
	for i, f := range x.s.figures {
		if i >= 30 {
			break
		}
		found := false
		eachImageURL(f.n, func(u string) bool {
			// Most addresses do not contain the file name at all: skip
			// them before the allocating comparison.
			if !strings.Contains(lowerASCII(u), stem) {
				return true
			}
			found = imageKey(u) == want
			return !found
		})
		if found {
			return f.n
		}
	}
	return nil
}

// captionedImage finds the lead image where templates show it without a
// <figure> (<div class="image"><img><p class="caption">) and returns the
// nearest ancestor that also holds a caption, for figureCaption to read.
func (x *extractor) captionedImage(src string) *html.Node {
	want := imageKey(src)
	if want == "" {
		return nil
	}
	for i, e := range x.s.imgs {
		if i >= 100 {
			break
		}
		match := false
		for _, a := range e.n.Attr {
			switch a.Key {
			case "src", "data-src", "data-lazy-src", "data-original":
				match = match || imageKey(a.Val) == want
			}
		}
		if !match {
			continue
		}
		for a, d := e.n.Parent, 0; a != nil && d < 3 && a.DataAtom != atom.Body; a, d = a.Parent, d+1 {
			if hasCaption(a) {
				return a
			}
		}
		return nil
	}
	return nil
}

// hasCaption says whether n holds a caption element, looking at a few
// dozen nodes only.
func hasCaption(n *html.Node) bool {
	for c, seen := n.FirstChild, 0; c != nil && seen < 60; c, seen = nextIn(c, n), seen+1 {
		if c.Type == html.ElementNode && (c.DataAtom == atom.Figcaption || strings.Contains(lowerASCII(clip(attr(c, "class"), 200)), "caption")) {
			return true
		}
	}
	return false
}

// firstArticleFigure is the first figure with an image after the headline
// (or, without one, inside the first <article>).
func (x *extractor) firstArticleFigure() *html.Node {
	for _, f := range x.s.figures {
		switch {
		case x.h1 != nil:
			if f.idx < x.h1idx || f.idx > x.h1idx+windowAfter {
				continue
			}
		case len(x.s.articles) > 0:
			if !contains(x.s.articles[0].n, f.n) {
				continue
			}
		}
		if figureImage(f.n) != "" {
			return f.n
		}
	}
	return nil
}

// eachImageURL calls fn with every image address in n (src, lazy-load
// attributes, srcset entries) until fn returns false.
func eachImageURL(n *html.Node, fn func(string) bool) {
	for c, seen := n.FirstChild, 0; c != nil && seen < 300; c, seen = nextIn(c, n), seen+1 {
		if c.Type == html.ElementNode && (c.DataAtom == atom.Img || c.DataAtom == atom.Source || c.Data == "amp-img") {
			for _, a := range c.Attr {
				switch a.Key {
				case "src", "data-src", "data-lazy-src", "data-original", "data-url", "data-hi-res-src":
					if !fn(strings.TrimSpace(a.Val)) {
						return
					}
				case "srcset", "data-srcset", "data-lazy-srcset":
					for _, part := range strings.Split(clip(a.Val, maxAttrLen), ",") {
						if f := strings.Fields(part); len(f) > 0 && !fn(f[0]) {
							return
						}
					}
				}
			}
		}
	}
}

// figureImage is the best address of the figure's image: a real one over
// a lazy-load placeholder.
func figureImage(fig *html.Node) string {
	var best string
	eachImageURL(fig, func(u string) bool {
		if u == "" || strings.HasPrefix(u, "data:") || containsAny(strings.ToLower(u), "placeholder", "blank.gif", "spacer", "pixel.gif", "lazy") {
			return true
		}
		best = u
		return false
	})
	return best
}

// imageKey is a file name without extension or size suffix:
// ".../2024/02/photo-1024x683.jpg?w=800" → "photo".
func imageKey(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	base := strings.ToLower(path.Base(u))
	if base == "." || base == "/" {
		return ""
	}
	base = strings.TrimSuffix(base, path.Ext(base))
	// Size suffixes: WordPress "-1024x683", CDNs "_800x450".
	if i := strings.LastIndexAny(base, "-_"); i > 0 {
		if s := base[i+1:]; strings.Count(s, "x") == 1 {
			w, h, _ := strings.Cut(s, "x")
			if isAllDigits(w) && isAllDigits(h) {
				base = base[:i]
			}
		}
	}
	if len(base) < 3 {
		return ""
	}
	// ".../4711/image.jpg": a generic name needs its folder to identify it.
	if len(base) < 10 && strings.IndexFunc(base, unicode.IsDigit) < 0 {
		if dir := path.Base(path.Dir(u)); dir != "." && dir != "/" && !sizeLike(dir) {
			base = strings.ToLower(dir) + "/" + base
		}
	}
	return base
}

// sizeLike says a path segment names a rendition size ("800x450",
// "w1200"), which differs between copies of one picture.
func sizeLike(seg string) bool {
	seg = strings.ToLower(seg)
	if len(seg) > 11 || len(seg) < 2 {
		return false
	}
	if (seg[0] == 'w' || seg[0] == 'h') && isAllDigits(seg[1:]) {
		return true
	}
	w, h, ok := strings.Cut(seg, "x")
	return ok && isAllDigits(w) && isAllDigits(h)
}

var creditClasses = []string{"credit", "copyright", "photographer", "source", "courtesy"}

// figureCaption reads a figure's caption and credit. A credit element
// (class credit/copyright/...) is taken apart from the caption text;
// otherwise a trailing "(Credit)" or "Photo: X" is split off.
func figureCaption(fig *html.Node) (caption, credit string) {
	var capNode, creditNode *html.Node
	video := false
	for c, seen := fig.FirstChild, 0; c != nil && seen < 300; c, seen = nextIn(c, fig), seen+1 {
		if c.Type == html.ElementNode {
			cls := lowerASCII(attr(c, "class") + " " + attr(c, "itemprop"))
			// A video's placeholder caption ("Media playback is
			// unsupported") says nothing about a picture.
			if c.DataAtom == atom.Video || strings.Contains(cls, "player") {
				video = true
			}
			switch {
			case capNode == nil && (c.DataAtom == atom.Figcaption || strings.Contains(cls, "caption")):
				capNode = c
			case creditNode == nil && containsAny(cls, creditClasses...) && c.DataAtom != atom.Img:
				creditNode = c
			}
		}
	}
	if video {
		return "", ""
	}
	if capNode != nil {
		if creditNode != nil && contains(capNode, creditNode) {
			caption = textOfExcept(capNode, creditNode, 1000)
		} else {
			caption = textOf(capNode, 1000)
		}
	}
	if creditNode != nil {
		credit = cleanCredit(textOf(creditNode, 200))
		// "Published Monday, Nov. 18" in a credit slot is a dateline.
		if len(findDates(credit, dateOpts{})) > 0 || roleOf(tokenize(credit, make([]token, 0, 16))) != roleUnknown {
			credit = ""
		}
	}
	if credit == "" {
		caption, credit = splitCredit(caption)
	}
	if credit != "" && strings.HasSuffix(caption, credit) {
		caption = strings.TrimSpace(strings.TrimSuffix(caption, credit))
	}
	caption = trimCounter(strings.TrimSpace(caption))
	// Promotions dressed as figures ("Subscribe to our magazine...").
	if lc := strings.ToLower(caption); containsAny(lc, "subscribe", "subscription", "sign up", "newsletter") {
		return "", ""
	}
	return caption, credit
}

// creditMarkers introduce a photo credit inside a caption.
var creditMarkers = []string{"image credit:", "photo credit:", "photograph by", "image copyright", "image via", "photo via", "photo:", "photos:", "photo by", "photograph:", "photographs:", "picture:", "image:", "credit:", "credits:",
	"©", "(c)", "foto:", "fotos:", "bild:", "crédit :", "crédit:", "crédits :", "photo :", "fotografía:", "imagen:", "source:", "quelle:", "file:", "사진=", "사진:", "写真:", "写真＝", "фото:", "Фото:"}

// agencyCredits end captions as bare credits: "... on Thursday. Getty Images".
var agencyCredits = []string{"رويترز", "getty images", "ap photo", "reuters", "afp", "epa", "shutterstock", "bloomberg", "associated press", "yonhap", "xinhua", "anadolu", "dpa", "imago"}

// positionWords in brackets describe the picture, not who took it.
var positionWords = map[string]bool{"l": true, "r": true, "c": true, "left": true, "right": true, "center": true, "centre": true,
	"top": true, "bottom": true, "file": true, "file photo": true, "archive": true, "pictured": true, "front": true, "back": true, "l-r": true}

// splitCredit takes a trailing "(Credit)", "Photo: X", "Credit: X" or
// "© X" off a caption.
func splitCredit(c string) (caption, credit string) {
	c = strings.TrimSpace(c)
	if c == "" {
		return "", ""
	}
	lc := lowerASCII(c) // same byte offsets as c
	// "... Thursday. (Foreign Ministry)", "... finale (Ansa)", "[외교부 제공]"
	for _, br := range [][2]byte{{'(', ')'}, {'[', ']'}} {
		if !strings.HasSuffix(c, string(br[1])) {
			continue
		}
		i := strings.LastIndexByte(c, br[0])
		if i <= 0 {
			continue
		}
		inner := strings.TrimSpace(c[i+1 : len(c)-1])
		before := strings.TrimSpace(c[:i])
		if inner == "" || before == "" || len(inner) > 80 || len(strings.Fields(inner)) > 8 {
			continue
		}
		li := strings.ToLower(inner)
		endsSentence := strings.ContainsAny(before[len(before)-1:], ".!?\"”’»")
		creditish := containsAny(li, creditMarkers...) || containsAny(li, agencyCredits...) || strings.Contains(inner, "/") ||
			strings.HasSuffix(inner, "제공") || strings.HasSuffix(inner, "提供")
		// A capitalised (or caseless-script) short name, not "(left)" or "(file)".
		r, _ := utf8.DecodeRuneInString(inner)
		named := len(strings.Fields(inner)) <= 4 && (unicode.IsUpper(r) || unicode.IsLetter(r) && !unicode.IsLower(r)) && !positionWords[li]
		if endsSentence || creditish || named {
			credit := cleanCredit(inner)
			credit = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(credit, "제공"), "提供"))
			return before, credit
		}
	}
	best := -1
	for _, m := range creditMarkers {
		if i := strings.LastIndex(lc, m); i > best {
			// A marker inside a word ("telephoto:") does not count.
			if i > 0 {
				if r := rune(lc[i-1]); unicode.IsLetter(r) {
					continue
				}
			}
			best = i
		}
	}
	if best >= 0 {
		rest := c[best:]
		inParen := strings.HasSuffix(strings.TrimSpace(c[:best]), "(")
		if j := strings.IndexByte(rest, ')'); inParen && j > 0 {
			rest = rest[:j] // "(Photo: Getty Images) Getty"
		}
		credit = cleanCredit(rest)
		caption = strings.TrimRight(strings.TrimSpace(c[:best]), "|/-–—([ ")
		switch {
		case credit != "" && len(credit) <= 100 && len(strings.Fields(credit)) <= 10:
			return caption, credit
		case best == 0:
			// "Image: <a long sentence>" is a label before the caption.
			return credit, ""
		}
	}
	// "... on Thursday. John Doe/Getty Images"
	if i := strings.LastIndexAny(c, ".!?"); i > 0 && i < len(c)-1 {
		tail := strings.TrimSpace(c[i+1:])
		if len(tail) <= 80 && containsAny(strings.ToLower(tail), agencyCredits...) {
			return strings.TrimSpace(c[:i+1]), cleanCredit(tail)
		}
	}
	return c, ""
}

// trimCounter drops a slideshow counter: "1 of 4 Grass Valley's..." .
func trimCounter(c string) string {
	f := strings.SplitN(c, " ", 3)
	if len(f) == 3 && isAllDigits(f[0]) && (f[1] == "of" || strings.HasPrefix(f[1], "of") && isAllDigits(f[1][2:])) {
		rest := f[2]
		if f[1] == "of" {
			if g := strings.SplitN(rest, " ", 2); len(g) == 2 && isAllDigits(g[0]) {
				rest = g[1]
			}
		}
		return rest
	}
	return c
}

// cleanCredit drops the label and brackets around a credit.
func cleanCredit(s string) string {
	s = strings.TrimSpace(s)
	s = strings.Trim(s, "()[] ")
	ls := lowerASCII(s)
	for _, m := range creditMarkers {
		if strings.HasPrefix(ls, m) {
			s = strings.TrimSpace(s[len(m):])
			ls = lowerASCII(s)
			break
		}
	}
	// "Credit...Doug Mills", "Photo — Jane Doe": a short label word then
	// dots or a dash.
	for _, lbl := range []string{"credit", "photo", "image", "foto", "bild", "source"} {
		if strings.HasPrefix(ls, lbl) {
			rest := strings.TrimLeft(s[len(lbl):], ".…-–— ")
			if len(rest) < len(s)-len(lbl) && rest != "" {
				s = rest
			}
			break
		}
	}
	s = collapse(strings.TrimSpace(strings.Trim(strings.TrimSpace(s), ":=()[]|")))
	// Responsive templates print the credit twice ("X X").
	if h := len(s) / 2; len(s) > 2 && len(s)%2 == 1 && s[h] == ' ' && s[:h] == s[h+1:] {
		s = s[:h]
	}
	return s
}
