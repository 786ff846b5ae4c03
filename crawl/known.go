package crawl

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/hnredstar/crawler/archive"
)

// columnsKey is the archive state key under which runs keep the columns
// they found (crawler.columns), so that a cron crawl knows them without
// reading every page earlier runs visited.
const columnsKey = "crawl.columns"

// knownEntry returns what earlier runs learnt of the page at key, in an
// incremental run: its done entry in the incremental frontier, or else in
// the backfill's. It reads the archive, so that a cron crawl's cost does
// not grow with the number of pages ever crawled.
func (cr *crawler) knownEntry(key string) (entry, bool) {
	if cr.opts.Mode != Incremental {
		return entry{}, false
	}
	forms, err := cr.canon.Forms(key)
	if err != nil {
		return entry{}, false
	}
	for _, f := range forms {
		v, err := cr.arch.FrontierDone(f, Incremental.String(), Backfill.String())
		if err != nil || v == nil {
			continue
		}
		e, err := decodeEntry(f, v)
		return e, err == nil
	}
	return entry{}, false
}

// archived returns the URL under which the archive holds the page at key,
// and reports whether it holds it: key itself, or the page under another
// of the site's names or scheme, as recorded before the names were
// configured (Options.Hosts). Such records keep their URLs and IDs.
func (cr *crawler) archived(key string) (string, bool) {
	forms, err := cr.canon.Forms(key)
	if err != nil {
		return "", false
	}
	for _, f := range forms {
		if ok, err := cr.arch.Has(f); err == nil && ok {
			return f, true
		}
	}
	return "", false
}

// recordURL returns the URL an article fetched at pageURL is stored
// under: the URL of the archive's record of that page if there is one
// (see archived), else the page's key, on the site's canonical name.
func (cr *crawler) recordURL(pageURL string) string {
	key, err := cr.key(pageURL)
	if err != nil {
		return pageURL // the archive refuses it, saying why
	}
	if u, ok := cr.archived(key); ok {
		return u
	}
	return key
}

// loadColumns reads the columns earlier runs found. An archive written
// before they were kept has them only in its frontiers' done entries: the
// first run reads those once and keeps the result.
func (cr *crawler) loadColumns() error {
	v, err := cr.arch.State(columnsKey)
	if err != nil {
		return err
	}
	if v != nil {
		var cols []entry
		if json.Unmarshal(v, &cols) == nil {
			for _, e := range cols {
				if key, err := cr.key(e.URL); err == nil {
					cr.columns[key] = e
				}
			}
			return nil
		}
		cr.log.Warn("the archive's list of columns is unreadable; rebuilding it from the pages crawled", "state_key", columnsKey)
	}
	for _, name := range []string{Backfill.String(), Incremental.String()} { // later runs win
		err := cr.arch.LoadFrontier(name, func(fe archive.FrontierEntry, done bool) error {
			if e, err := decodeEntry(fe.Key, fe.Value); done && err == nil {
				cr.noteColumn(e)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return cr.arch.PutState(columnsKey, cr.encodeColumns())
}

// noteColumns updates the columns with the pages batch finished and
// returns the state to commit with it: the columns, if they changed.
func (cr *crawler) noteColumns(batch []step) map[string][]byte {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	changed := false
	for _, s := range batch {
		if s.done != nil && cr.noteColumn(*s.done) {
			changed = true
		}
	}
	if !changed {
		return nil
	}
	return map[string][]byte{columnsKey: cr.encodeColumns()}
}

// noteColumn records what a finished page says of the columns and reports
// whether they changed: a list reached by navigation is one; a page found
// gone or to be something other than a list is not. A failure or a
// challenge changes nothing.
func (cr *crawler) noteColumn(e entry) bool {
	key, err := cr.key(e.URL)
	if err != nil {
		return false
	}
	_, had := cr.columns[key]
	switch {
	case e.Found == foundList && e.Via == viaLink:
		if !had {
			cr.columns[key] = entry{URL: e.URL, Via: viaLink, Column: e.Column}
		}
		return !had
	case had && (e.Found == foundDead || e.Found == foundArticle || e.Found == foundOther || e.Found == foundRedirect):
		delete(cr.columns, key)
		return true
	}
	return false
}

// encodeColumns returns the columns as stored under columnsKey: a JSON
// array of entries in URL order.
func (cr *crawler) encodeColumns() []byte {
	cols := make([]entry, 0, len(cr.columns))
	for _, e := range cr.columns {
		cols = append(cols, e)
	}
	slices.SortFunc(cols, func(a, b entry) int { return strings.Compare(a.URL, b.URL) })
	b, _ := json.Marshal(cols) // cannot fail: strings and integers only
	return b
}

// recheck reports whether an archived article was published recently
// enough to be fetched again (Options.RecheckDays).
func (cr *crawler) recheck(key string) bool {
	if cr.opts.RecheckDays <= 0 {
		return false
	}
	u, ok := cr.archived(key)
	if !ok {
		return false
	}
	rec, err := cr.arch.Lookup(u)
	if err != nil || rec.Published.IsZero() {
		return false
	}
	return rec.Published.After(cr.opts.Now().AddDate(0, 0, -cr.opts.RecheckDays))
}

// isKnown reports whether an incremental run can skip key.
func (cr *crawler) isKnown(key string) bool {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	skip, _ := cr.knownLocked(key)
	return skip
}

// knownLocked reports whether an incremental run can skip key: an archived
// article (unless it is due for a recheck), or a page earlier runs found to
// be something other than a list. Lists are fetched again: a column's first
// page is where new articles appear, and its pagination is only queued by a
// page showing new ones. For a page not skipped it also returns what
// earlier runs learnt of it, for a conditional request. cr.mu is held.
func (cr *crawler) knownLocked(key string) (bool, entry) {
	if _, archived := cr.archived(key); archived {
		if !cr.recheck(key) {
			return true, entry{}
		}
		k, _ := cr.knownEntry(key)
		return false, k
	}
	k, ok := cr.knownEntry(key)
	return ok && k.Found != foundList && k.Found != foundFailed, k
}

// knownColumns returns the list pages earlier runs reached by navigation:
// the columns' first pages.
func (cr *crawler) knownColumns() []entry {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	roots := make([]entry, 0, len(cr.columns))
	for _, k := range cr.columns {
		roots = append(roots, entry{URL: k.URL, Via: viaLink, Column: k.Column})
	}
	slices.SortFunc(roots, func(a, b entry) int { return strings.Compare(a.URL, b.URL) })
	return roots
}

// isNew reports whether an incremental run would fetch the article at u.
func (cr *crawler) isNew(u string) bool {
	key, err := cr.key(u)
	return err == nil && !cr.isKnown(key)
}
