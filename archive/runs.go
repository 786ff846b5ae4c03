package archive

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Run is the record of one crawler run, kept in the archive's history.
type Run struct {
	Kind      string    `json:"kind"` // e.g. "crawl", "backfill"
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Requests  int64     `json:"requests,omitempty"` // HTTP requests, robots.txt and redirects included
	Bytes     int64     `json:"bytes,omitempty"`    // response bytes received
	Retries   int       `json:"retries,omitempty"`  // transient failures retried
	Pages     int       `json:"pages"`              // pages fetched
	Added     int       `json:"added"`
	Versioned int       `json:"versioned"`
	Aliased   int       `json:"aliased"`
	Unchanged int       `json:"unchanged"`
	Failed    int       `json:"failed"`
	Status    string    `json:"status"` // e.g. "ok", "partial", "drift", "error", "interrupted"
	Error     string    `json:"error,omitempty"`
	// Coverage counts the fields of the articles the run archived (added
	// or versioned); nil for runs recorded before it was kept.
	Coverage *Coverage `json:"coverage,omitempty"`
	// Drift lists the fields whose coverage fell far below the archive's
	// history in this run; see the crawl package's Drift.
	Drift []Drift `json:"drift,omitempty"`
}

// Coverage fields, in the order reports show them.
var CoverageFields = []string{"title", "source", "published", "body", "column"}

// FieldCounts counts, among a set of articles, those that have each
// field and those whose value looks wrong. Maps are keyed by the names
// in CoverageFields.
type FieldCounts struct {
	Articles int `json:"articles"`
	// Have counts the articles that have the field.
	Have map[string]int `json:"have"`
	// Suspect counts the articles that have the field with a value that
	// looks wrong (a subset of Have), so Have - Suspect is what is usable.
	Suspect map[string]int `json:"suspect,omitempty"`
	// Lacking holds up to three URLs of articles that lack the field or
	// have a suspect value, as examples to look at.
	Lacking map[string][]string `json:"lacking,omitempty"`
}

// Share returns the share of the articles that have field, from 0 to 1;
// 0 when there are no articles.
func (c FieldCounts) Share(field string) float64 {
	if c.Articles == 0 {
		return 0
	}
	return float64(c.Have[field]) / float64(c.Articles)
}

// Usable returns the share of the articles that have field with a value
// that does not look wrong, from 0 to 1; 0 when there are no articles.
func (c FieldCounts) Usable(field string) float64 {
	if c.Articles == 0 {
		return 0
	}
	return float64(c.Have[field]-c.Suspect[field]) / float64(c.Articles)
}

// Coverage is FieldCounts over a run's (or an archive's) articles, overall
// and by column (栏目; "" for articles without one).
type Coverage struct {
	FieldCounts
	Columns map[string]*FieldCounts `json:"columns,omitempty"`
}

// Drift is one field whose usable share (see FieldCounts.Usable) among a
// run's articles fell far below its share over the history.
type Drift struct {
	Field    string   `json:"field"`
	Column   string   `json:"column,omitempty"` // "" for all the run's articles
	Articles int      `json:"articles"`         // the run's articles compared
	Share    float64  `json:"share"`            // usable share in the run
	Baseline float64  `json:"baseline"`         // usable share over the history
	History  int      `json:"history"`          // articles the baseline counts
	Examples []string `json:"examples"`         // URLs of the run's articles lacking it
}

// PutRun appends r to the run history.
func (a *Archive) PutRun(r Run) error {
	v, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("put run: %w", err)
	}
	err = a.update(func(tx *bolt.Tx) error {
		runs := tx.Bucket(bucketRuns)
		runs.FillPercent = appendFill
		seq, err := runs.NextSequence()
		if err != nil {
			return err
		}
		return runs.Put(idKey(seq), v)
	})
	if err != nil {
		return fmt.Errorf("put run: %w", err)
	}
	return nil
}

// Runs returns up to limit runs (all if limit <= 0), newest first.
func (a *Archive) Runs(limit int) ([]Run, error) {
	var runs []Run
	err := a.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRuns).Cursor()
		for k, v := c.Last(); k != nil && (limit <= 0 || len(runs) < limit); k, v = c.Prev() {
			var r Run
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("run %d: %w", idOf(k), err)
			}
			runs = append(runs, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read runs: %w", err)
	}
	return runs, nil
}

// Stats counts what an archive holds.
type Stats struct {
	Articles int // records
	Aliases  int // alias URLs, over all records
	// NearDuplicates counts the records that nearly duplicate an earlier
	// one (Record.DuplicateOf set).
	NearDuplicates int
	Versions       int   // versions over all records (at least Articles)
	RawPages       int   // raw responses stored
	RawBytes       int64 // their size before compression (bodies and headers)
	StoredBytes    int64 // their size in the archive, compressed
	LastRun        *Run  // newest run, nil if none
	// Files ... BlobStoredBytes count attachments (see File): URLs
	// stored, too large or failed, the distinct contents stored, their
	// size, and their size in the archive.
	Files, FilesTooLarge, FilesFailed, Blobs int
	BlobBytes, BlobStoredBytes               int64
	// FilePages counts the list pages that link files of their own
	// (PageFiles), PageFiles the distinct files they link, and
	// PageFilesStored those of them whose bytes the archive holds.
	FilePages, PageFiles, PageFilesStored int
}

// Stats walks the archive and counts its contents.
func (a *Archive) Stats() (Stats, error) {
	var s Stats
	err := a.view(func(tx *bolt.Tx) error {
		s.Articles = tx.Bucket(bucketArticles).Stats().KeyN
		s.Versions = tx.Bucket(bucketVersions).Stats().KeyN
		err := tx.Bucket(bucketArticles).ForEach(func(_, v []byte) error {
			if len(v) > 0 && v[0] == headerFormatDup {
				s.NearDuplicates++
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketURLs).ForEach(func(_, v []byte) error {
			if _, _, kind, ok := parseURLValue(v); ok && kind == urlAlias {
				s.Aliases++
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketRaw).ForEach(func(_, v []byte) error {
			s.RawPages++
			n, _ := rawLen(v)
			s.RawBytes += n
			s.StoredBytes += int64(len(v))
			return nil
		})
		if err != nil {
			return err
		}
		if err := fileStats(tx, &s); err != nil {
			return err
		}
		if err := pageFileStats(tx, &s); err != nil {
			return err
		}
		if k, v := tx.Bucket(bucketRuns).Cursor().Last(); k != nil {
			var r Run
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("run %d: %w", idOf(k), err)
			}
			s.LastRun = &r
		}
		return nil
	})
	if err != nil {
		return Stats{}, fmt.Errorf("stats of %s: %w", a.path, err)
	}
	return s, nil
}

// PutState stores value under key in the state bucket, for the crawler's
// resumable frontier. A nil value deletes the key.
func (a *Archive) PutState(key string, value []byte) error {
	if key == "" {
		return errors.New("put state: empty key")
	}
	err := a.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketState)
		if value == nil {
			return b.Delete([]byte(key))
		}
		return b.Put([]byte(key), value)
	})
	if err != nil {
		return fmt.Errorf("put state %q: %w", key, err)
	}
	return nil
}

// State returns a copy of the value stored under key, or nil, nil if there
// is none.
func (a *Archive) State(key string) ([]byte, error) {
	var v []byte
	err := a.view(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketState).Get([]byte(key)); b != nil {
			v = append([]byte{}, b...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("state %q: %w", key, err)
	}
	return v, nil
}
