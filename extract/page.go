package extract

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// Page is a parsed HTML page, or a Hanweb datastore XML answer turned into
// HTML (its records become elements of a div.datastore).
type Page struct {
	// URL is the address the page was fetched from.
	URL *url.URL
	// Doc is the parsed document. Parse strips pinyin annotations from
	// annotated copies and replaces Hanweb datastores by their records.
	Doc *goquery.Document
	// Encoding is the name of the encoding the bytes were decoded from.
	Encoding string

	base  *url.URL   // where relative links resolve: <base href> or URL
	store *datastore // Hanweb datastore found on the page, or nil
	xml   bool       // the page is a datastore XML answer
	// pinyin reports whether the page was an annotated copy (字(zì)).
	pinyin bool

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
	text, enc, err := Decode(body, contentType)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", u, err)
	}
	src := string(text)
	p := &Page{URL: u, Encoding: enc, base: u}
	if isDatastoreXML(src) {
		p.xml = true
	}
	src, p.store = rewriteDatastores(src, p.xml)
	root, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", u, err)
	}
	p.Doc = goquery.NewDocumentFromNode(root)
	p.Doc.Url = u
	if href, ok := p.Doc.Find("base[href]").First().Attr("href"); ok {
		if b, err := u.Parse(strings.TrimSpace(href)); err == nil && (b.Scheme == "http" || b.Scheme == "https") {
			p.base = b
		}
	}
	p.pinyin = stripPinyin(root)
	return p, nil
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
	if !xml && !strings.Contains(strings.ToLower(src), "<datastore") {
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
	prev := rune(0)
	for _, r := range s {
		if (r == '(' || r == '（') && unicode.Is(unicode.Han, prev) {
			return true
		}
		prev = r
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
		if n.Type == html.TextNode {
			if strings.ContainsAny(n.Data, "(（") && hanBeforeParen(n.Data) {
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
