package crawl

import "hash/maphash"

// seenSet is the set of canonical URLs a run has queued or finished. It
// keeps two 64-bit hashes of each URL under independent random seeds, not
// the URL, so that it costs about 30 bytes a page however long the URLs
// are: it is what a crawl's memory grows with. A URL is taken for seen only
// if both hashes of another URL match; for a million pages the chance that
// this happens at all is about 10⁻²⁷.
type seenSet struct {
	seeds [2]maphash.Seed
	set   map[[2]uint64]struct{}
}

func newSeenSet() *seenSet {
	return &seenSet{
		seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		set:   map[[2]uint64]struct{}{},
	}
}

func (s *seenSet) hash(key string) [2]uint64 {
	return [2]uint64{maphash.String(s.seeds[0], key), maphash.String(s.seeds[1], key)}
}

// has reports whether key was added.
func (s *seenSet) has(key string) bool {
	_, ok := s.set[s.hash(key)]
	return ok
}

// add adds key and reports whether it was new.
func (s *seenSet) add(key string) bool {
	h := s.hash(key)
	if _, ok := s.set[h]; ok {
		return false
	}
	s.set[h] = struct{}{}
	return true
}

// remove takes key out of the set.
func (s *seenSet) remove(key string) { delete(s.set, s.hash(key)) }

// len returns the number of keys added.
func (s *seenSet) len() int { return len(s.set) }
