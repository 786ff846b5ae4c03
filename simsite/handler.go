package simsite

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// disallowed lists the robots.txt Disallow rules (all user agents).
var disallowed = []string{"/search", "/admin/", "/private/"}

func isDisallowed(path string) bool {
	for _, d := range disallowed {
		if strings.HasPrefix(path, d) {
			return true
		}
	}
	return false
}

func (s *Site) serve(wr http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.checkRequest(r)
	uri := r.URL.RequestURI()
	kind, faulty := s.drawFault(r, uri) // never on a transient page's first request
	if s.transient[uri] && s.failOnce(uri) {
		wr.Header().Set("Retry-After", "1")
		s.send(wr, r, http.StatusServiceUnavailable, "text/html", []byte(page503))
		return
	}
	if faulty {
		s.injectFault(wr, r, kind)
		return
	}
	if s.slow[uri] && s.slowDelay > 0 {
		t := time.NewTimer(s.slowDelay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	s.route(wr, r)
}

// page503 is the body of a 503 answer, as nginx writes it.
const page503 = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

// route renders the page r asks for.
func (s *Site) route(wr http.ResponseWriter, r *http.Request) {
	_, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		port = "80"
	}
	rc := &reqCtx{host: r.Host, port: port}
	path := r.URL.Path
	if s.rn != nil && s.routeRednet(wr, r, rc) {
		return
	}
	switch {
	case path == "/robots.txt":
		s.send(wr, r, http.StatusOK, "text/plain; charset=utf-8", []byte(s.robots()))
	case path == "/" || path == "/index.html":
		var b strings.Builder
		s.renderHome(&b, rc)
		s.sendHTML(wr, r, http.StatusOK, declUTF8Both, b.String())
	case path == "/index.htm" || path == "/default.html":
		http.Redirect(wr, r, "/", http.StatusMovedPermanently)
	case path == "/module/web/jpage/dataproxy.jsp":
		s.serveDataproxy(wr, r)
	case path == "/calendar.html":
		s.serveCalendar(wr, r)
	case strings.HasPrefix(path, "/search"):
		s.serveSearch(wr, r)
	case strings.HasPrefix(path, "/news/"):
		s.serveOld(wr, r)
	case path == "/link/rednet":
		http.Redirect(wr, r, "https://www.rednet.cn/", http.StatusFound)
	case isAttachmentPath(path):
		s.serveAttachment(wr, r) // attachments.go
	case strings.HasPrefix(path, "/c/") || strings.HasPrefix(path, "/col/") || strings.HasPrefix(path, "/art/"):
		s.serveContent(wr, r, rc)
	default:
		if ch := s.challengeAt(path); ch != nil {
			s.serveChallenge(wr, r, ch)
			return
		}
		if s.serveStatic(wr, r) {
			return
		}
		s.notFound(wr, r)
	}
}

// checkRequest records requests a polite in-scope crawler never makes.
func (s *Site) checkRequest(r *http.Request) {
	var why []string
	if s.ownHost != "" {
		if !strings.EqualFold(r.Host, s.ownHost) {
			why = append(why, "host "+r.Host+" is not "+s.ownHost)
		}
	} else if h, _, err := net.SplitHostPort(r.Host); err != nil || h != "127.0.0.1" {
		why = append(why, "host "+r.Host+" is not 127.0.0.1")
	}
	if isDisallowed(r.URL.Path) {
		why = append(why, "disallowed by robots.txt")
	}
	if len(why) == 0 {
		return
	}
	msg := r.Method + " http://" + r.Host + r.URL.RequestURI() + ": " + strings.Join(why, "; ")
	s.stateMu.Lock()
	s.violN++
	if len(s.viol) < maxViolations {
		s.viol = append(s.viol, msg)
	}
	s.stateMu.Unlock()
}

// failOnce reports whether uri has not failed yet, marking it failed.
func (s *Site) failOnce(uri string) bool {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	if s.failed[uri] {
		return false
	}
	s.failed[uri] = true
	return true
}

func hashBytes(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// send writes a response with an ETag (answering If-None-Match with 304).
func (s *Site) send(wr http.ResponseWriter, r *http.Request, status int, ctype string, body []byte) {
	h := wr.Header()
	h.Set("Content-Type", ctype)
	h.Set("Server", "nginx")
	if status == http.StatusOK {
		etag := `"` + strconv.FormatUint(hashBytes(body), 16) + `"`
		h.Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			wr.WriteHeader(http.StatusNotModified)
			return
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	wr.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = wr.Write(body)
	}
}

func encodeGBK(s string) []byte {
	out, err := encoding.HTMLEscapeUnsupported(simplifiedchinese.GBK.NewEncoder()).String(s)
	if err != nil {
		return []byte(s)
	}
	return []byte(out)
}

func (s *Site) sendHTML(wr http.ResponseWriter, r *http.Request, status int, decl charsetDecl, html string) {
	body := []byte(html)
	if isGBK(decl) {
		body = encodeGBK(html)
	}
	s.send(wr, r, status, contentType(decl), body)
}

// serveContent serves article pages and column lists.
func (s *Site) serveContent(wr http.ResponseWriter, r *http.Request, rc *reqCtx) {
	path := r.URL.Path
	if id, m, copy, pg, ok := s.parseArticlePath(path); ok {
		p := s.plan(id, m)
		var b strings.Builder
		b.Grow(24 << 10)
		s.renderArticle(&b, rc, p, copy, pg)
		s.sendHTML(wr, r, http.StatusOK, p.decl, b.String())
		return
	}
	dir, file := dirOf(path), fileName(path)
	c := s.colByDir[dir]
	if c == nil {
		s.notFound(wr, r)
		return
	}
	if file == "" {
		http.Redirect(wr, r, dir+"index.html", http.StatusMovedPermanently)
		return
	}
	pages := c.pageCount(len(s.colItems(c)))
	n := -1
	switch {
	case file == "index.html" && c.style == pagerPrevNext && r.URL.Query().Has("page"):
		if k, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && k >= 1 && k <= pages {
			n = k - 1
		}
	case file == "index.html":
		n = 0
	case (c.style == pagerNumbered || c.style == pagerScript) && strings.HasPrefix(file, "index_") && strings.HasSuffix(file, ".html"):
		k, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(file, "index_"), ".html"))
		if err == nil && k >= 1 && k < pages && file == fileName(c.listPath(k)) {
			n = k
		}
	}
	if n < 0 {
		s.notFound(wr, r)
		return
	}
	var b strings.Builder
	b.Grow(16 << 10)
	decl := s.renderList(&b, c, n)
	s.sendHTML(wr, r, http.StatusOK, decl, b.String())
}

// serveOld redirects a pre-migration URL /news/YYYYMM/DOCID.shtml.
func (s *Site) serveOld(wr http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	doc, err := strconv.Atoi(strings.TrimSuffix(fileName(path), ".shtml"))
	if err == nil {
		id, copy := s.fromDocID(doc)
		if m, ok := s.meta(id); ok && copy == 0 && s.oldPath(id, m) == path {
			http.Redirect(wr, r, s.articlePath(id, m, 0, 0), http.StatusMovedPermanently)
			return
		}
	}
	s.notFound(wr, r)
}

func (s *Site) notFound(wr http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	w(&b, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>404 页面不存在_红星网</title>\n</head>\n<body>\n")
	w(&b, `<div class="error-box"><h2>抱歉，您访问的页面不存在或已被删除！</h2><p><a href="/">返回首页</a></p></div>`+"\n")
	s.writeFooter(&b, "/404", false)
	w(&b, "</body>\n</html>\n")
	s.sendHTML(wr, r, http.StatusNotFound, declUTF8Both, b.String())
}

func (s *Site) robots() string {
	var b strings.Builder
	b.WriteString("# robots.txt for www.hnredstar.gov.cn\nUser-agent: *\n")
	for _, d := range disallowed {
		b.WriteString("Disallow: " + d + "\n")
	}
	if s.crawlDelay > 0 {
		b.WriteString("Crawl-delay: " + strconv.Itoa(s.crawlDelay) + "\n")
	}
	b.WriteString("\nUser-agent: MJ12bot\nDisallow: /\n")
	return b.String()
}
