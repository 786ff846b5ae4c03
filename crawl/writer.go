package crawl

import (
	"context"
	"fmt"
	"time"

	"github.com/hnredstar/crawler/archive"
)

// Group commit: the writer gathers steps for up to commitDelay, or until
// it has commitSteps, and writes them in one transaction. Each transaction
// rewrites the pages it touches and waits for the disk, so a few large
// ones cost far less than many small ones; a crash loses at most the
// steps gathered, which the resumed run fetches again.
const (
	commitDelay = 50 * time.Millisecond
	commitSteps = 128
)

// writeSteps stores the steps in batches (see commitDelay): one
// transaction per batch keeps ingest fast, and each article with its
// frontier entry is still all-or-nothing.
func (cr *crawler) writeSteps(ctx context.Context) {
	var batch []step
	flush := func() {
		if len(batch) == 0 {
			return
		}
		// A batch is written even after cancellation: it was fetched whole.
		wctx := context.WithoutCancel(ctx)
		columns := cr.noteColumns(batch)
		as := cr.toArchiveStep(batch)
		as.State = columns
		outcomes, err := cr.arch.Commit(wctx, cr.frontier, as)
		if err == nil {
			cr.cover(batch, outcomes)
		} else {
			// One bad article must not sink the others: commit one by one.
			outcomes = nil
			for _, s := range batch {
				as := cr.toArchiveStep([]step{s})
				as.State = columns
				o, err := cr.arch.Commit(wctx, cr.frontier, as)
				if err != nil {
					u := ""
					if s.done != nil {
						u = s.done.URL
						cr.mu.Lock()
						cr.retain(s.done.Key)
						cr.mu.Unlock()
					}
					cr.fail(u, 0, fmt.Errorf("archive: %w", err))
					continue
				}
				cr.cover([]step{s}, o)
				outcomes = append(outcomes, o...)
			}
		}
		cr.count(func(r *Result) {
			for _, o := range outcomes {
				switch o {
				case archive.Added:
					r.Added++
				case archive.Versioned:
					r.Versioned++
				case archive.Aliased:
					r.Aliased++
				case archive.Unchanged:
					r.Unchanged++
				}
			}
		})
		cr.mu.Lock()
		cr.uncommitted -= len(batch)
		if cr.uncommitted == 0 {
			cr.wake.Broadcast()
		}
		cr.mu.Unlock()
		batch = batch[:0]
	}
	for s := range cr.steps {
		batch = append(batch, s)
		wait := time.NewTimer(commitDelay)
	collect: // gather steps for a while, then write them in one transaction
		for len(batch) < commitSteps {
			select {
			case more, ok := <-cr.steps:
				if !ok {
					break collect
				}
				batch = append(batch, more)
			case <-wait.C:
				break collect
			}
		}
		wait.Stop()
		flush()
	}
	flush()
}

// cover counts in the run's coverage the articles of a committed batch
// that the archive wrote (added or versioned); outcomes are those of the
// batch's articles, in order.
func (cr *crawler) cover(batch []step, outcomes []archive.Outcome) {
	i := 0
	for _, s := range batch {
		if s.article == nil {
			continue
		}
		if i < len(outcomes) && (outcomes[i] == archive.Added || outcomes[i] == archive.Versioned) {
			cr.cov.AddArticle(s.article, s.siteName)
		}
		i++
	}
}

func (cr *crawler) toArchiveStep(batch []step) archive.Step {

	var as archive.Step
	for _, s := range batch {
		if s.article != nil {
			as.Articles = append(as.Articles, *s.article)
		}
		if s.done != nil {
			as.Done = append(as.Done, archive.FrontierEntry{Key: s.done.Key, Value: s.done.encode(s.done.Key)})
		}
		if s.files != nil {
			as.PageFiles = append(as.PageFiles, *s.files)
		}
		if s.update != nil {
			as.Update = append(as.Update, archive.FrontierEntry{Key: s.update.Key, Value: s.update.encode(s.update.Key)})
		}
		for _, e := range s.add {
			key, err := cr.key(e.URL)
			if err != nil {
				continue
			}
			as.Add = append(as.Add, archive.FrontierEntry{Key: key, Value: e.encode(key)})
		}
	}
	return as
}
