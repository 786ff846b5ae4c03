package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hnredstar/crawler/archive"
)

// maxQueryRunes caps the length of a search.
const maxQueryRunes = 200

// maxPerPage caps per_page in the API.
const maxPerPage = 1000

var funcs = template.FuncMap{
	"num": thousands,
	"f1":  func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
}

// thousands formats n with thousands separators.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// params are the filters of a list or API request, as given.
type params struct {
	Q, Column, Since, Until string
	Lang                    string // ?lang= as given and understood, kept in links
	Page, PerPage           int
	q                       query
}

// parseParams reads q, column, since, until, page and per_page; errors
// are in the language of l.
func parseParams(r *http.Request, perPage int, l *labels) (params, error) {
	v := r.URL.Query()
	p := params{
		Q:      strings.TrimSpace(v.Get("q")),
		Column: v.Get("column"),
		Since:  strings.TrimSpace(v.Get("since")),
		Until:  strings.TrimSpace(v.Get("until")),
		Page:   1, PerPage: perPage,
	}
	if utf8.RuneCountInString(p.Q) > maxQueryRunes {
		return p, fmt.Errorf(l.ErrQueryLongFmt, maxQueryRunes)
	}
	var err error
	if p.q.Since, err = parseDate("since", p.Since, l); err != nil {
		return p, err
	}
	if p.q.Until, err = parseDate("until", p.Until, l); err != nil {
		return p, err
	}
	p.q.Q, p.q.Column = p.Q, p.Column
	if s := v.Get("page"); s != "" {
		if p.Page, err = strconv.Atoi(s); err != nil || p.Page < 1 {
			return p, fmt.Errorf(l.ErrPageFmt, s)
		}
	}
	if s := v.Get("per_page"); s != "" {
		if p.PerPage, err = strconv.Atoi(s); err != nil || p.PerPage < 1 || p.PerPage > maxPerPage {
			return p, fmt.Errorf(l.ErrPerPageFmt, s, maxPerPage)
		}
	}
	return p, nil
}

// values returns the filters and the chosen language as URL query
// values, without the page.
func (p params) values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"q", p.Q}, {"column", p.Column}, {"since", p.Since}, {"until", p.Until}, {"lang", p.Lang}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	return v
}

// href returns the list URL of these filters with changes applied
// (pairs of name and value; an empty value removes the parameter).
func (p params) href(kv ...string) string {
	v := p.values()
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			v.Del(kv[i])
		} else {
			v.Set(kv[i], kv[i+1])
		}
	}
	if len(v) == 0 {
		return "/"
	}
	return "/?" + v.Encode()
}

type columnOption struct {
	Value, Label string
	Count        int
	Selected     bool
}

type listItem struct {
	ID        string
	Href      string
	Title     []segment
	Published time.Time
	Column    string
	Source    string
	Snippet   []segment
	Versions  int
	Aliases   int
}

type listPage struct {
	Info       pageInfo
	P          params
	Columns    []columnOption
	Total      int
	Items      []listItem
	Pages      int
	Prev, Next string
	First      int // 1-based rank of the first item
	Chart      *chart
	Error      string
	Took       string
}

// pageInfo is what every page shows about the archive, and the language
// it is shown in.
type pageInfo struct {
	Title       string // of the page, before the site's name
	Path        string
	Articles    int
	Aliases     int
	Versions    int
	Loaded      time.Time
	ReloadError string
	L           *labels // the words of the page
	Lang        string  // ?lang= to keep in links; empty when the browser's language chose
	SwitchHref  string  // this page in the other language
	Loading     bool    // no snapshot yet: the first load is running
}

// Link returns href, a path on this server, keeping the chosen language.
func (pi pageInfo) Link(href string) string { return withLang(href, pi.Lang) }

// Stats is the line about the archive in the header.
func (pi pageInfo) Stats() string {
	return fmt.Sprintf(pi.L.StatsFmt, thousands(pi.Articles), thousands(pi.Versions), thousands(pi.Aliases), pi.L.Stamp(pi.Loaded))
}

// info describes snap (nil while the first load runs) for a page
// answering r.
func (s *Server) info(snap *snapshot, r *http.Request) pageInfo {
	l, explicit := pageLang(r)
	pi := pageInfo{L: l, Path: s.opts.Path, Loading: snap == nil}
	if explicit {
		pi.Lang = l.Param
	}
	if snap != nil {
		pi.Path, pi.Articles, pi.Aliases, pi.Versions, pi.Loaded = snap.path, len(snap.docs), snap.aliases, snap.versions, snap.loaded
	}
	if e := s.lastErr.Load(); e != nil {
		pi.ReloadError = *e
	}
	other := enLabels
	if l == enLabels {
		other = zhLabels
	}
	pi.SwitchHref = withLang("/", other.Param)
	if r.Method == http.MethodGet {
		pi.SwitchHref = withLang(r.URL.RequestURI(), other.Param)
	}
	return pi
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	snap := s.snap.Load()
	info := s.info(snap, r)
	l := info.L
	p, err := parseParams(r, s.opts.PageSize, l)
	p.Lang = info.Lang
	page := listPage{Info: info, P: p}
	if p.Q != "" {
		page.Info.Title = p.Q
	}
	for i, c := range snap.columns {
		page.Columns = append(page.Columns, columnOption{Value: c, Label: l.ColumnName(c), Count: snap.colCount[i], Selected: c == p.Column})
	}
	status := http.StatusOK
	if err != nil {
		page.Error, status = err.Error(), http.StatusBadRequest
		s.render(w, status, "list.html", page)
		return
	}
	res := snap.cachedSearch(p.q)
	page.Total = len(res.docs)
	page.Pages = (page.Total + p.PerPage - 1) / p.PerPage
	page.First = (p.Page-1)*p.PerPage + 1
	for _, d := range pageOf(res.docs, p.Page, p.PerPage) {
		doc := &snap.docs[d]
		href := "/article/" + url.PathEscape(doc.rec.ID)
		if p.Q != "" {
			href += "?" + url.Values{"q": {p.Q}}.Encode()
		}
		href = info.Link(href)
		page.Items = append(page.Items, listItem{
			ID: doc.rec.ID, Href: href,
			Title:     highlight(doc.rec.Title, res.terms, 0),
			Published: doc.rec.Published,
			Column:    l.ColumnName(doc.rec.Column),
			Source:    doc.rec.Source,
			Snippet:   snap.snippet(d, res.terms),
			Versions:  doc.rec.Version,
			Aliases:   len(doc.rec.Aliases),
		})
	}
	if p.Page > 1 {
		page.Prev = p.href("page", strconv.Itoa(p.Page-1))
		if p.Page == 2 {
			page.Prev = p.href("page", "")
		}
	}
	if p.Page < page.Pages {
		page.Next = p.href("page", strconv.Itoa(p.Page+1))
	}
	page.Chart = newChart(snap.cachedMonths(p.q, res), snap.columns, l, func(since, until string) string {
		return p.href("since", since, "until", until, "page", "")
	})
	page.Took = time.Since(start).Round(time.Microsecond).String()
	if p.Page > 1 && len(page.Items) == 0 {
		status = http.StatusNotFound
		page.Error = fmt.Sprintf(l.ErrPastEndFmt, p.Page, page.Pages)
	}
	s.render(w, status, "list.html", page)
}

type versionRow struct {
	Version   int
	FetchedAt time.Time
	Title     string
	Hash      string
	Href      string
	Current   bool // the version shown
}

type articlePage struct {
	Info       pageInfo
	Rec        archive.Record // the version shown, with its body
	Title      []segment
	Paragraphs [][]segment
	Latest     int
	Old        bool // an earlier version is shown
	Versions   []versionRow
	Back       string
	Q          string
	JSON       string
	ColumnHref string // the list of the article's column
	LatestHref string // the latest version
	// DuplicateHref is the record this one nearly repeats, if any.
	DuplicateHref string
	Copy          string // the archive's copy of the first page
	Images        []fileLink
	Attachments   []fileLink
}

func (s *Server) handleArticle(w http.ResponseWriter, r *http.Request) {
	snap := s.snap.Load()
	info := s.info(snap, r)
	rec, latest, older, err := s.lookup(snap, r, info.L)
	if err != nil {
		s.notFound(w, r, err.Error())
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if utf8.RuneCountInString(q) > maxQueryRunes {
		q = ""
	}
	terms := runs(foldString(q))
	page := articlePage{
		Info: info, Rec: rec, Latest: latest.Version, Old: rec.Version != latest.Version,
		Title: highlight(rec.Title, terms, 0), Q: q,
		Back: info.Link("/"), JSON: "/api/articles/" + url.PathEscape(rec.ID),
		ColumnHref: info.Link("/?" + url.Values{"column": {rec.Column}}.Encode()),
		LatestHref: info.Link("/article/" + url.PathEscape(rec.ID)),
	}
	if rec.DuplicateOf != "" {
		page.DuplicateHref = info.Link("/article/" + url.PathEscape(rec.DuplicateOf))
	}
	page.Info.Title = rec.Title
	page.Copy = info.Link(pageCopyHref(rec.ID, rec.Version))
	for _, u := range rec.Images {
		page.Images = append(page.Images, fileLink{URL: u, Href: info.Link(storedHref(rec.ID, rec.Version, u))})
	}
	for _, u := range rec.Attachments {
		page.Attachments = append(page.Attachments, fileLink{URL: u, Href: info.Link(storedHref(rec.ID, rec.Version, u))})
	}
	if q != "" {
		page.Back = info.Link("/?" + url.Values{"q": {q}}.Encode())
	}
	if page.Old {
		page.JSON += "?v=" + strconv.Itoa(rec.Version)
	}
	for _, para := range strings.Split(rec.Body, "\n") {
		if para = strings.TrimSpace(para); para != "" {
			page.Paragraphs = append(page.Paragraphs, highlight(para, terms, 0))
		}
	}
	all := append(older, latest)
	for i := len(all) - 1; i >= 0; i-- {
		v := all[i]
		href := "/article/" + url.PathEscape(rec.ID)
		if v.Version != latest.Version {
			href += "?v=" + strconv.Itoa(v.Version)
		}
		href = info.Link(href)
		page.Versions = append(page.Versions, versionRow{
			Version: v.Version, FetchedAt: v.FetchedAt, Title: v.Title, Hash: v.ContentHash,
			Href: href, Current: v.Version == rec.Version,
		})
	}
	s.render(w, http.StatusOK, "article.html", page)
}

// lookup finds the record of the request's {id} and the version asked for
// by ?v= (default the latest). It returns that version with its body, the
// latest version and the earlier ones (without bodies).
func (s *Server) lookup(snap *snapshot, r *http.Request, l *labels) (shown, latest archive.Record, older []archive.Record, err error) {
	id := r.PathValue("id")
	i, ok := snap.byID[id]
	if !ok {
		return shown, latest, nil, fmt.Errorf(l.ErrNoArticleFmt, id)
	}
	d := &snap.docs[i]
	latest = d.rec
	for _, o := range d.older {
		older = append(older, o.rec)
	}
	shown = d.rec
	shown.Body = snap.body(i)
	if vs := r.URL.Query().Get("v"); vs != "" {
		v, err := strconv.Atoi(vs)
		if err != nil {
			return shown, latest, older, fmt.Errorf(l.ErrBadVersionFmt, vs)
		}
		if v != latest.Version {
			found := false
			for _, o := range d.older {
				if o.rec.Version == v {
					shown = o.rec
					shown.Body = snap.codec.decompress(o.body)
					found = true
				}
			}
			if !found {
				return shown, latest, older, fmt.Errorf(l.ErrNoVersionFmt, id, v, latest.Version)
			}
		}
	}
	return shown, latest, older, nil
}

func (s *Server) handleReload(w http.ResponseWriter, r *http.Request) {
	err := s.Reload(context.WithoutCancel(r.Context()))
	l, explicit := pageLang(r)
	switch {
	case errors.Is(err, archive.ErrLocked):
		s.renderError(w, r, http.StatusServiceUnavailable, l.ErrLocked)
	case errors.Is(err, ErrReloading):
		s.renderError(w, r, http.StatusConflict, l.ErrReloading)
	case err != nil:
		s.renderError(w, r, http.StatusInternalServerError, fmt.Sprintf(l.ErrReloadFmt, err))
	case explicit:
		http.Redirect(w, r, withLang("/", l.Param), http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}
}

// apiArticle is an article in the API's list.
type apiArticle struct {
	ID        string   `json:"id"`
	URL       string   `json:"url"`
	Title     string   `json:"title"`
	Source    string   `json:"source"`
	Published *string  `json:"published"`
	Column    string   `json:"column"`
	FetchedAt *string  `json:"fetched_at"`
	Version   int      `json:"version"`
	Aliases   []string `json:"aliases"`
	Snippet   string   `json:"snippet,omitempty"`
}

type apiList struct {
	Total    int          `json:"total"`
	Page     int          `json:"page"`
	PerPage  int          `json:"per_page"`
	Pages    int          `json:"pages"`
	Articles []apiArticle `json:"articles"`
}

func rfc3339(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.In(beijing).Format(time.RFC3339)
	return &s
}

func (s *Server) handleAPIList(w http.ResponseWriter, r *http.Request) {
	snap := s.snap.Load()
	p, err := parseParams(r, 50, enLabels)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	res := snap.cachedSearch(p.q)
	out := apiList{Total: len(res.docs), Page: p.Page, PerPage: p.PerPage, Pages: (len(res.docs) + p.PerPage - 1) / p.PerPage, Articles: []apiArticle{}}
	for _, d := range pageOf(res.docs, p.Page, p.PerPage) {
		rec := snap.docs[d].rec
		a := apiArticle{
			ID: rec.ID, URL: rec.URL, Title: rec.Title, Source: rec.Source, Published: rfc3339(rec.Published),
			Column: rec.Column, FetchedAt: rfc3339(rec.FetchedAt), Version: rec.Version, Aliases: rec.Aliases,
		}
		if a.Aliases == nil {
			a.Aliases = []string{}
		}
		if len(res.terms) > 0 {
			var sb strings.Builder
			for _, seg := range snap.snippet(d, res.terms) {
				sb.WriteString(seg.Text)
			}
			a.Snippet = sb.String()
		}
		out.Articles = append(out.Articles, a)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleAPIArticle(w http.ResponseWriter, r *http.Request) {
	snap := s.snap.Load()
	rec, _, _, err := s.lookup(snap, r, enLabels)
	if err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

func (s *Server) handleAPIMonths(w http.ResponseWriter, r *http.Request) {
	snap := s.snap.Load()
	p, err := parseParams(r, 1, enLabels)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	res := snap.cachedSearch(p.q)
	writeJSON(w, http.StatusOK, snap.cachedMonths(p.q, res))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type errorPage struct {
	Info     pageInfo
	Status   int
	Message  string
	Original string // a URL on the original site to offer instead
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, msg string) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": msg})
		return
	}
	s.renderError(w, r, http.StatusNotFound, msg)
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, status, "error.html", errorPage{Info: s.info(s.snap.Load(), r), Status: status, Message: msg})
}

// render executes a template into a buffer first, so that a failure gives
// a clean error instead of half a page.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("render page", "template", name, "err", err)
		http.Error(w, "页面生成出错 / internal error rendering the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Add("Vary", "Accept-Language")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
