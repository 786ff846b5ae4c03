package extract

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Page is a parsed HTML page, or a Hanweb datastore XML answer turned into
// HTML (its records become elements of a div.datastore).
type Page struct {
	// URL is the address the page was fetched from.
	URL *url.URL
	// Doc is the parsed document. Parse strips pinyin annotations from
	// annotated copies and replaces Hanweb datastores by their records.
	// Script, style and svg elements are left empty: the HTML parser is
	// slow on their text, which is half of many pages; the extractor keeps
	// the scripts it reads aside.
	Doc *goquery.Document
	// Encoding is the name of the encoding the bytes were decoded from.
	Encoding string

	base  *url.URL   // where relative links resolve: <base href> or URL
	store *datastore // Hanweb datastore found on the page, or nil
	xml   bool       // the page is a datastore XML answer
	// pinyin reports whether the page was an annotated copy (字(zì)).
	pinyin bool
	// scripts holds the text of the emptied script elements the
	// extractor reads (see keptScripts).
	scripts []string

	once sync.Once
	an   *analysis

	mu       sync.Mutex
	readings map[*Extractor]*reading // per extractor, so Links and Article share one
}

// Parse decodes body (see Decode) and parses it. Relative links resolve
// against <base href> when present, else against pageURL, which must be
// absolute.
func Parse(body []byte, contentType, pageURL string) (*Page, error) {
	u, err := url.Parse(strings.TrimSpace(pageURL))
	if err != nil {
		return nil, fmt.Errorf("parse page url %q: %w", pageURL, err)
	}
	text, enc, err := decode(body, contentType)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", u, err)
	}
	p := &Page{URL: u, Encoding: enc, base: u}
	p.xml = isDatastoreXML(string(text[:min(len(text), 4096)]))
	if p.xml || containsTagFold(text, "<datastore") {
		var src string
		src, p.store = rewriteDatastores(string(text), p.xml)
		text = []byte(src)
	}
	var r io.Reader = bytes.NewReader(text)
	if !p.xml {
		parts, scripts := stripRawText(text)
		r = &partsReader{parts: parts}
		p.scripts = keptScripts(scripts)
	}
	root, err := html.Parse(r)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", u, err)
	}
	p.Doc = goquery.NewDocumentFromNode(root)
	p.Doc.Url = u
	if base := findElement(root, atom.Base, "href"); base != nil {
		if b, err := u.Parse(strings.TrimSpace(attr(base, "href"))); err == nil && (b.Scheme == "http" || b.Scheme == "https") {
			p.base = b
		}
	}
	p.pinyin = stripPinyin(root)
	return p, nil
}

// rawTags are the elements whose text the HTML tokenizer reads raw, up to
// their end tag, and svg, whose drawing the extractor never reads.
var rawTags = []string{"script", "style", "textarea", "title", "xmp", "noembed", "noframes", "iframe", "noscript", "svg"}

// stripRawText empties the script, style and svg elements of an HTML
// source, returning the parts of the source to keep and the scripts' text
// (both slices of src). It follows the
// tokenizer: comments are skipped, a start tag ends at a '>' outside
// quotes, and raw text ends at the first </name followed by white space,
// '/' or '>'. A script holding "<!--" may hide an end tag in an escaped
// section that only the tokenizer reads right, so from there on the
// source is left as it is.
func stripRawText(src []byte) (parts, scripts [][]byte) {
	last := 0 // src[last:] is not yet in parts
	for i := 0; i < len(src); {
		j := bytes.IndexByte(src[i:], '<')
		if j < 0 {
			break
		}
		i += j
		if bytes.HasPrefix(src[i:], []byte("<!--")) {
			if k := commentEnd(src[i+4:]); k >= 0 {
				i += 4 + k
				continue
			}
			break
		}
		if i+1 >= len(src) {
			break
		}
		c := src[i+1]
		switch {
		case c == '!' || c == '?':
			// A bogus comment or doctype: up to the next '>'.
			i = pastByte(src, i, '>')
			continue
		case c == '/':
			if i+2 < len(src) && isASCIILetter(src[i+2]) {
				if e := startTagEnd(src, i+2); e >= 0 {
					i = e
					continue
				}
				i = len(src)
				continue
			}
			// </> is dropped, </ before anything else opens a bogus
			// comment up to the next '>'.
			i = pastByte(src, i, '>')
			continue
		case !isASCIILetter(c):
			i++
			continue
		}
		// A start tag: its name runs to white space, '/' or '>'.
		e := i + 1
		for e < len(src) && !tagNameEnd(src[e]) {
			e++
		}
		name := ""
		for _, t := range rawTags {
			if bytes.EqualFold(src[i+1:e], []byte(t)) {
				name = t
				break
			}
		}
		if name == "" {
			if k := startTagEnd(src, e); k >= 0 {
				i = k
			} else {
				i = len(src)
			}
			continue
		}
		open := startTagEnd(src, e)
		if open < 0 {
			break
		}
		if name == "svg" && src[open-2] == '/' {
			// <svg/> is empty: foreign elements may close themselves.
			i = open
			continue
		}
		var close int
		if name == "svg" {
			close = svgEnd(src, open)
		} else {
			close = endTag(src, open, name)
		}
		if close < 0 {
			break
		}
		content := src[open:close]
		if name == "script" && bytes.Contains(content, []byte("<!--")) {
			break
		}
		if (name == "script" || name == "style" || name == "svg") && len(content) > 0 {
			if name == "script" {
				scripts = append(scripts, content)
			}
			parts = append(parts, src[last:open])
			last = close
		}
		i = close + 2 + len(name)
	}
	return append(parts, src[last:]), scripts
}

// pastByte returns the index just past the first c in src at or after i,
// or len(src) when there is none.
func pastByte(src []byte, i int, c byte) int {
	if k := bytes.IndexByte(src[i:], c); k >= 0 {
		return i + k + 1
	}
	return len(src)
}

// partsReader reads the concatenation of byte slices.
type partsReader struct{ parts [][]byte }

func (r *partsReader) Read(b []byte) (int, error) {
	for len(r.parts) > 0 && len(r.parts[0]) == 0 {
		r.parts = r.parts[1:]
	}
	if len(r.parts) == 0 {
		return 0, io.EOF
	}
	n := copy(b, r.parts[0])
	r.parts[0] = r.parts[0][n:]
	return n, nil
}

// scriptMarkers are what the extractor looks for in scripts: anti-bot
// challenges (a cookie set before a reload, WAF names) and script pagers.
var scriptMarkers = []string{"cookie", "Cookie", "COOKIE", "createPageHTML", "$_ts", "__jsl_clearance", "acw_sc__v2", "_waf_",
	"challenge-form", "cf-browser-verification", "cf_chl_"}

// keptScripts copies the scripts the extractor may read: all of them
// when one writes a createPageHTML pager (its arguments may be variables
// set in another), else those naming a challenge marker.
func keptScripts(scripts [][]byte) []string {
	var out []string
	all := false
	for _, s := range scripts {
		if bytes.Contains(s, []byte("createPageHTML")) {
			all = true
			break
		}
	}
	for _, s := range scripts {
		keep := all
		for _, m := range scriptMarkers {
			if keep {
				break
			}
			keep = bytes.Contains(s, []byte(m))
		}
		if keep {
			out = append(out, string(s))
		}
	}
	return out
}

// commentEnd returns the length of a comment's rest s, after its <!--,
// up to and including the --> (or --!>, or the > of <!--> and <!--->)
// that ends it, or -1.
func commentEnd(s []byte) int {
	switch {
	case bytes.HasPrefix(s, []byte(">")):
		return 1
	case bytes.HasPrefix(s, []byte("->")):
		return 2
	}
	for i := 0; i+2 < len(s); i++ {
		if s[i] != '-' || s[i+1] != '-' {
			continue
		}
		if s[i+2] == '>' {
			return i + 3
		}
		if i+3 < len(s) && s[i+2] == '!' && s[i+3] == '>' {
			return i + 4
		}
	}
	return -1
}

// isASCIILetter reports whether c is an ASCII letter.
func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// tagNameEnd reports whether c ends a tag name.
func tagNameEnd(c byte) bool { return isASCIISpace(c) || c == '/' || c == '>' }

// startTagEnd returns the offset after the '>' closing a start tag whose
// attributes begin at i, or -1.
func startTagEnd(src []byte, i int) int {
	// The tokenizer's attribute states: a name runs to white space, '/',
	// '>' or '=' (but may start with '='); after '=' and white space a
	// quote opens a value that runs to the same quote.
	for i < len(src) {
		// Before an attribute name.
		for i < len(src) && (isASCIISpace(src[i]) || src[i] == '/') {
			i++
		}
		if i >= len(src) {
			return -1
		}
		if src[i] == '>' {
			return i + 1
		}
		i++ // the name's first character, '=' included
		for i < len(src) && !isASCIISpace(src[i]) && src[i] != '/' && src[i] != '>' && src[i] != '=' {
			i++
		}
		for i < len(src) && isASCIISpace(src[i]) {
			i++
		}
		if i >= len(src) || src[i] != '=' {
			continue // no value: the next name, '/' or '>'
		}
		i++
		for i < len(src) && isASCIISpace(src[i]) {
			i++
		}
		if i >= len(src) {
			return -1
		}
		switch c := src[i]; c {
		case '"', '\'':
			e := bytes.IndexByte(src[i+1:], c)
			if e < 0 {
				return -1
			}
			i += e + 2
		case '>':
			return i + 1
		default:
			for i < len(src) && !isASCIISpace(src[i]) && src[i] != '>' {
				i++
			}
		}
	}
	return -1
}

// svgEnd returns the offset of the </svg> closing an svg element whose
// content starts at i, counting nested svg elements and skipping comments
// and CDATA sections, or -1.
func svgEnd(src []byte, i int) int {
	depth := 1
	for i < len(src) {
		j := bytes.IndexByte(src[i:], '<')
		if j < 0 {
			return -1
		}
		i += j
		switch {
		case bytes.HasPrefix(src[i:], []byte("<!--")):
			k := commentEnd(src[i+4:])
			if k < 0 {
				return -1
			}
			i += 4 + k
		case bytes.HasPrefix(src[i:], []byte("<![CDATA[")):
			k := bytes.Index(src[i:], []byte("]]>"))
			if k < 0 {
				return -1
			}
			i += k + 3
		case i+5 <= len(src) && bytes.EqualFold(src[i+1:i+5], []byte("/svg")) && (i+5 == len(src) || tagNameEnd(src[i+5])):
			if depth--; depth == 0 {
				return i
			}
			i += 5
		case i+2 < len(src) && src[i+1] == '/' && isASCIILetter(src[i+2]):
			// The end tag of an HTML element may close the drawing too.
			e := i + 2
			for e < len(src) && !tagNameEnd(src[e]) {
				e++
			}
			if name := strings.ToLower(string(src[i+2 : e])); breakout[name] || htmlEnds[name] {
				return -1
			}
			i = e
		case i+4 <= len(src) && bytes.EqualFold(src[i+1:i+4], []byte("svg")) && (i+4 == len(src) || tagNameEnd(src[i+4])):
			e := startTagEnd(src, i+4)
			if e < 0 {
				return -1
			}
			if src[e-2] != '/' {
				depth++
			}
			i = e
		case i+1 < len(src) && isASCIILetter(src[i+1]):
			// An HTML element that breaks out of foreign content closes
			// the svg where the parser meets it: leave such a drawing be.
			e := i + 1
			for e < len(src) && !tagNameEnd(src[e]) {
				e++
			}
			if breakout[strings.ToLower(string(src[i+1:e]))] {
				return -1
			}
			i = e
		default:
			i++
		}
	}
	return -1
}

// breakout are the HTML elements whose start tag ends foreign content.
var breakout = map[string]bool{"b": true, "big": true, "blockquote": true, "body": true, "br": true, "center": true,
	"code": true, "dd": true, "div": true, "dl": true, "dt": true, "em": true, "embed": true, "h1": true, "h2": true,
	"h3": true, "h4": true, "h5": true, "h6": true, "head": true, "hr": true, "i": true, "img": true, "li": true,
	"listing": true, "menu": true, "meta": true, "nobr": true, "ol": true, "p": true, "pre": true, "ruby": true, "s": true,
	"small": true, "span": true, "strong": true, "strike": true, "sub": true, "sup": true, "table": true, "tt": true,
	"u": true, "ul": true, "var": true, "font": true}

// htmlEnds are more HTML elements whose end tag inside a drawing is taken
// to close it.
var htmlEnds = map[string]bool{"a": true, "td": true, "th": true, "tr": true, "tbody": true, "section": true,
	"article": true, "html": true, "form": true, "header": true, "footer": true, "nav": true, "main": true, "aside": true}

// endTag returns the offset of the end tag </name after i, or -1.
func endTag(src []byte, i int, name string) int {
	for i < len(src) {
		j := bytes.Index(src[i:], []byte("</"))
		if j < 0 {
			return -1
		}
		i += j
		if e := i + 2 + len(name); e <= len(src) && bytes.EqualFold(src[i+2:e], []byte(name)) && (e == len(src) || tagNameEnd(src[e])) {
			return i
		}
		i += 2
	}
	return -1
}

// findElement returns the first element of type a under n that has the
// attribute key, or nil.
func findElement(n *html.Node, a atom.Atom, key string) *html.Node {
	if n.Type == html.ElementNode && n.DataAtom == a && hasAttr(n, key) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := findElement(c, a, key); f != nil {
			return f
		}
	}
	return nil
}

// containsTagFold reports whether s contains tag, which starts with '<',
// in any mix of ASCII case.
func containsTagFold(s []byte, tag string) bool {
	for i := 0; i+len(tag) <= len(s); {
		j := bytes.IndexByte(s[i:], '<')
		if j < 0 || i+j+len(tag) > len(s) {
			return false
		}
		i += j
		if bytes.EqualFold(s[i:i+len(tag)], []byte(tag)) {
			return true
		}
		i++
	}
	return false
}

// resolve returns ref as an absolute http(s) URL without fragment, or "".
func (p *Page) resolve(ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || strings.HasPrefix(ref, "#") {
		return ""
	}
	low := strings.ToLower(ref)
	for _, s := range []string{"javascript:", "mailto:", "tel:", "data:", "about:", "vbscript:", "sms:", "ftp:"} {
		if strings.HasPrefix(low, s) {
			return ""
		}
	}
	if strings.ContainsAny(ref, "\n\r\t") {
		ref = strings.Map(func(r rune) rune {
			if r == '\n' || r == '\r' || r == '\t' {
				return -1
			}
			return r
		}, ref)
	}
	u, err := p.base.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.Fragment = ""
	u.RawFragment = ""
	return u.String()
}

// analysis returns the page's segmentation, computed once.
func (p *Page) analysis() *analysis {
	p.once.Do(func() { p.an = analyse(p) })
	return p.an
}

// datastore is what a Hanweb jpage list says about itself.
type datastore struct {
	nextgroup string      // href inside <nextgroup>
	records   int         // number of <record>s on this page
	total     int         // totalRecord, 0 if unknown
	perPage   int         // records per list page
	groupSize int         // list pages fetched per request
	proxy     string      // proxyUrl, when a script names it
	params    [][2]string // query parameters named in scripts
}

var (
	xmlDeclRe     = regexp.MustCompile(`^(?s)\s*(<\?xml[^>]*\?>\s*)?(<!--.*?-->\s*)*<datastore`)
	scriptStoreRe = regexp.MustCompile(`(?is)<script[^>]*>\s*(<datastore>.*?</datastore>)\s*</script>`)
	bareStoreRe   = regexp.MustCompile(`(?is)<datastore>.*?</datastore>`)
	recordRe      = regexp.MustCompile(`(?is)<record>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</record>`)
	nextgroupRe   = regexp.MustCompile(`(?is)<nextgroup>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</nextgroup>`)
	hrefRe        = regexp.MustCompile(`(?i)href\s*=\s*["']?([^"'\s>]+)`)
	totalRecRe    = regexp.MustCompile(`(?i)(?:totalRecord['"]?\s*[:=]|<totalrecord>)\s*['"]?(\d{1,9})`)
	perPageRe     = regexp.MustCompile(`(?i)(?:perPage['"]?\s*[:=]|<perpage>)\s*['"]?(\d{1,4})`)
	groupSizeRe   = regexp.MustCompile(`(?i)groupSize['"]?\s*[:=]\s*['"]?(\d{1,3})`)
	proxyURLRe    = regexp.MustCompile(`(?i)proxyUrl\s*[:=]\s*['"]([^'"]+)`)
	storeParamRe  = regexp.MustCompile(`(?i)\b(col|appid|webid|path|columnid|sourceContentType|unitid|webname|permissiontype)\s*[:=]\s*['"]?([^'",}&\s);]+)`)
)

// isDatastoreXML reports whether s is a Hanweb datastore XML answer.
func isDatastoreXML(s string) bool {
	s = strings.TrimPrefix(s, "\ufeff")
	if len(s) > 4096 {
		s = s[:4096]
	}
	return xmlDeclRe.MatchString(strings.ToLower(s))
}

// rewriteDatastores replaces Hanweb <datastore> blocks (inside a
// <script type="text/xml"> or bare, or the whole document when xml is set)
// by a div.datastore holding each record's HTML in a div.datastore-record,
// so that the records parse as ordinary elements. It returns the new
// source and what the page says about the list, or nil when there is no
// datastore.
func rewriteDatastores(src string, xml bool) (string, *datastore) {
	if !xml && !containsTagFold([]byte(src), "<datastore") {
		return src, nil
	}
	ds := &datastore{}
	conv := func(block string) string {
		if m := nextgroupRe.FindStringSubmatch(block); m != nil && ds.nextgroup == "" {
			if h := hrefRe.FindStringSubmatch(m[1] + m[2]); h != nil {
				ds.nextgroup = html.UnescapeString(h[1])
			}
		}
		var recs []string
		for _, m := range recordRe.FindAllStringSubmatch(block, -1) {
			recs = append(recs, strings.TrimSpace(m[1]+m[2]))
		}
		ds.records += len(recs)
		var b strings.Builder
		rows := len(recs) > 0 && strings.HasPrefix(strings.ToLower(recs[0]), "<tr")
		if rows {
			b.WriteString(`<table class="datastore"><tbody>`)
			for _, r := range recs {
				b.WriteString(r)
			}
			b.WriteString(`</tbody></table>`)
			return b.String()
		}
		b.WriteString(`<div class="datastore">`)
		for _, r := range recs {
			b.WriteString(`<div class="datastore-record">`)
			b.WriteString(r)
			b.WriteString(`</div>`)
		}
		b.WriteString(`</div>`)
		return b.String()
	}
	out := src
	if xml {
		out = "<html><head></head><body>" + conv(src) + "</body></html>"
	} else {
		out = scriptStoreRe.ReplaceAllStringFunc(out, func(s string) string {
			return conv(scriptStoreRe.FindStringSubmatch(s)[1])
		})
		out = bareStoreRe.ReplaceAllStringFunc(out, conv)
	}
	if out == src && ds.records == 0 {
		return src, nil
	}
	atoi := func(re *regexp.Regexp) int {
		if m := re.FindStringSubmatch(src); m != nil {
			n, _ := strconv.Atoi(m[1])
			return n
		}
		return 0
	}
	ds.total = atoi(totalRecRe)
	ds.perPage = atoi(perPageRe)
	ds.groupSize = atoi(groupSizeRe)
	if m := proxyURLRe.FindStringSubmatch(src); m != nil {
		ds.proxy = m[1]
	}
	seen := map[string]bool{}
	for _, m := range storeParamRe.FindAllStringSubmatch(src, -1) {
		k := m[1]
		if !seen[strings.ToLower(k)] {
			seen[strings.ToLower(k)] = true
			ds.params = append(ds.params, [2]string{k, m[2]})
		}
	}
	return out, ds
}

var (
	// pinyinRe matches a Han character followed by a bracketed syllable,
	// as added by annotating mirrors: 學(xué).
	pinyinRe = regexp.MustCompile(`(\p{Han})[(（]([a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹ]?[a-zü]*)[)）]`)
	toneRe   = regexp.MustCompile(`[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹ]`)
)

// hanBeforeParen reports whether s has a Han character right before an
// opening parenthesis.
func hanBeforeParen(s string) bool {
	for i := 0; i < len(s); {
		j := strings.IndexAny(s[i:], "(\uff08")
		if j < 0 {
			return false
		}
		j += i
		if prev, _ := utf8.DecodeLastRuneInString(s[:j]); unicode.Is(unicode.Han, prev) {
			return true
		}
		_, n := utf8.DecodeRuneInString(s[j:])
		i = j + n
	}
	return false
}

// stripPinyin removes pinyin annotations from the text of an annotated
// copy, leaving the characters: 學(xué) becomes 學. A page counts as
// annotated when it has at least three toned annotations, so a genuine
// article glossing one rare character keeps its gloss. It reports whether
// the page was annotated.
func stripPinyin(root *html.Node) bool {
	var texts []*html.Node
	toned := 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style) {
			return
		}
		if n.Type == html.TextNode {
			if (strings.IndexByte(n.Data, '(') >= 0 || strings.Contains(n.Data, "（")) && hanBeforeParen(n.Data) {
				texts = append(texts, n)
				for _, m := range pinyinRe.FindAllStringSubmatch(n.Data, -1) {
					if m[2] != "" && toneRe.MatchString(m[2]) && len([]rune(m[2])) <= 6 {
						toned++
					}
				}
			}
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	if toned < 3 {
		return false
	}
	for _, n := range texts {
		n.Data = pinyinRe.ReplaceAllStringFunc(n.Data, func(s string) string {
			m := pinyinRe.FindStringSubmatch(s)
			if m[2] == "" || len([]rune(m[2])) > 6 || !strings.ContainsAny(m[2], "aeiouüāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹn") {
				return s
			}
			return m[1]
		})
	}
	return true
}
