package crawl

import (
	"net/url"
	"time"

	"github.com/hnredstar/crawler/archive"
)

// loadFrontier fills the queues: an interrupted backfill resumes from its
// persisted frontier; otherwise the run starts from the start URLs, plus
// whatever earlier runs left pending (their failures).
func (cr *crawler) loadFrontier() error {
	resume := false
	if cr.opts.Mode == Backfill {
		marker, err := cr.arch.State(backfillMarker)
		if err != nil {
			return err
		}
		resume = marker != nil
		if !resume {
			if err := cr.arch.ResetFrontier(cr.frontier, false); err != nil {
				return err
			}
			if err := cr.arch.PutState(backfillMarker, []byte(cr.opts.Now().UTC().Format(time.RFC3339))); err != nil {
				return err
			}
		}
	}
	if err := cr.loadColumns(); err != nil {
		return err
	}
	var pending []entry
	err := cr.arch.LoadFrontier(cr.frontier, func(fe archive.FrontierEntry, done bool) error {
		e, err := decodeEntry(fe.Key, fe.Value)
		if err != nil {
			return nil // an unreadable entry is rediscovered by the walk
		}
		if done {
			if resume {
				// Keys written before the site's names were configured
				// name the page under an old name: seen is by identity.
				if key, err := cr.key(fe.Key); err == nil {
					cr.seen.add(key)
				}
			}
			return nil
		}
		pending = append(pending, e)
		return nil
	})
	if err != nil {
		return err
	}
	cr.mu.Lock()
	defer cr.mu.Unlock()
	for _, e := range pending {
		// e.Key stays the key it is stored under, which its done entry
		// replaces.
		key, err := cr.key(e.URL)
		if err != nil {
			continue
		}
		cr.seen.add(key)
		cr.push(e)
	}
	if resume {
		cr.res.Resumed = len(pending)
		cr.log.Info("resuming an interrupted backfill", "pending", len(pending), "done", cr.seen.len()-len(pending))
	}
	if !resume || len(pending) == 0 {
		for _, e := range cr.startEntries() {
			cr.acceptLocked(e)
		}
	}
	return nil
}

// startEntries returns an entry per start page: of start URLs that are
// one page under several of the site's names, the first makes the entry,
// and cr.alts holds them all, to be tried in order (fetchNamed). cr.mu is
// held.
func (cr *crawler) startEntries() []entry {
	var out []entry
	for _, u := range cr.opts.StartURLs {
		key, err := cr.key(u)
		if err != nil {
			out = append(out, entry{URL: u, Via: viaStart}) // refused by accept
			continue
		}
		if _, ok := cr.alts[key]; !ok {
			out = append(out, entry{URL: u, Via: viaStart})
		}
		cr.alts[key] = append(cr.alts[key], u)
	}
	return out
}

// work takes entries until the frontier is exhausted or the run stops.
func (cr *crawler) work() {
	for {
		e, ok := cr.next()
		if !ok {
			return
		}
		s, ok := cr.process(e)
		if ok {
			if s.done != nil {
				cr.log.Debug("page done", "url", redact(e.URL), "found", s.done.Found, "new_links", len(s.add))
			}
			cr.mu.Lock()
			cr.uncommitted++
			if s.done == nil {
				cr.retain(cr.keyOf(e))
			}
			cr.mu.Unlock()
			cr.steps <- s
		}
		cr.mu.Lock()
		cr.active--
		cr.wake.Broadcast()
		cr.mu.Unlock()
		cr.progress()
	}
}

// next blocks until an entry is available and returns it, or reports
// false when nothing is left to do or the run is stopping.
func (cr *crawler) next() (entry, bool) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	for {
		if cr.ctx.Err() != nil {
			return entry{}, false
		}
		if cr.opts.MaxPages > 0 && cr.fetched >= cr.opts.MaxPages {
			return entry{}, false
		}
		for p := range cr.queues {
			if q := cr.queues[p]; len(q) > 0 {
				e := q[0]
				q[0] = entry{}
				cr.queues[p] = q[1:]
				cr.active++
				cr.fetched++
				return e, true
			}
		}
		switch {
		case cr.active > 0 || cr.uncommitted > 0 && cr.spilled > 0:
			cr.wake.Wait() // for new entries, or for the writer to commit the spilled ones
		case cr.spilled > 0:
			if err := cr.refill(); err != nil {
				cr.log.Error("cannot read the frontier back from the archive; the next run takes it up", "err", err)
				return entry{}, false
			}
		default:
			return entry{}, false
		}
	}
}

// push queues e by priority, unless it is a navigation link and that queue
// is full: e then waits in the persisted frontier (see refill). cr.mu is
// held.
func (cr *crawler) push(e entry) {
	p := 2
	switch e.Via {
	case viaItem:
		p = 0
	case viaPagination, viaStart:
		p = 1
	}
	if p == 2 && len(cr.queues[p]) >= cr.opts.MaxQueued {
		cr.spilled++
		return
	}
	cr.queues[p] = append(cr.queues[p], e)
	cr.wake.Signal()
}

// refill queues the entries push left in the persisted frontier, as many
// as the queues take. It runs when the queues are empty, no entry is being
// processed and every step is committed, so that the frontier's pending
// entries are exactly the spilled ones and this run's failures. cr.mu is
// held.
func (cr *crawler) refill() error {
	cr.spilled = 0
	cr.refills++
	return cr.arch.ForEachPending(cr.frontier, func(fe archive.FrontierEntry) bool {
		if _, ok := cr.retained[fe.Key]; ok {
			return true
		}
		e, err := decodeEntry(fe.Key, fe.Value)
		if err != nil {
			cr.retained[fe.Key] = struct{}{} // unreadable: left for the next run
			return true
		}
		cr.push(e)
		return cr.spilled == 0
	})
}

// retain records that the entry under key stays pending after this run
// tried it. cr.mu is held.
func (cr *crawler) retain(key string) {
	if key != "" {
		cr.retained[key] = struct{}{}
	}
}

// accept queues the candidates that are in scope, not traps and not seen
// yet, and returns them for persisting.
func (cr *crawler) accept(cands []entry) []entry {
	var out []entry
	for _, e := range cands {
		if cr.ctx.Err() != nil {
			return out
		}
		cr.mu.Lock()
		ok := cr.acceptLocked(e)
		cr.mu.Unlock()
		if ok {
			out = append(out, e)
		}
	}
	return out
}

func (cr *crawler) acceptLocked(e entry) bool {
	u, err := url.Parse(e.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return false
	}
	if !cr.scope.page(u) || len(e.URL) > cr.opts.MaxURLLength || skippedExt(u.Path) {
		return false
	}
	if e.Via == viaLink && e.Depth > cr.opts.MaxDepth {
		return false
	}
	key, err := cr.key(e.URL)
	if err != nil {
		return false
	}
	if cr.seen.has(key) {
		return false
	}
	if e.Via == viaLink && u.RawQuery != "" {
		if cr.opts.Mode == Incremental {
			return false // query variants of pages (calendars, searches) hold no new articles
		}
		p := u.Host + u.Path
		if cr.variants[p] >= cr.opts.MaxQueryVariants {
			return false
		}
		cr.variants[p]++
	}
	cr.seen.add(key)
	if cr.opts.Mode == Incremental {
		// Start pages are always fetched; other pages only when new or
		// worth a look (see knownLocked), conditionally when known.
		skip, known := cr.knownLocked(key)
		if skip && e.Via != viaStart {
			cr.res.Skipped++
			return false
		}
		e.ETag, e.LastModified = known.ETag, known.LastModified
	}
	// The page is fetched at the address the site gave (canonical forms
	// such as /col/ for /col/index.html need not be served); only the
	// fragment goes.
	u.Fragment, u.RawFragment = "", ""
	e.URL = u.String()
	cr.push(e)
	return true
}

// firstUnseen returns the first of urls this run has not queued yet.
func (cr *crawler) firstUnseen(urls []string) (string, bool) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	for _, u := range urls {
		key, err := cr.key(u)
		if err != nil {
			continue
		}
		if !cr.seen.has(key) {
			return u, true
		}
	}
	return "", false
}
