package simsite

// rng is a small deterministic generator (splitmix64). Its output depends
// only on the seed and the stream parts it was created with, never on the Go
// version, so a seed names the same site forever.
type rng struct{ s uint64 }

// Stream tags keep the draws for different purposes independent, so that
// adding a draw to one never shifts another.
const (
	tagColumns uint64 = iota + 1
	tagMeta
	tagTitle
	tagBody
	tagPlan
	tagRevise
	tagPick
	tagPublish
	tagTimes
	tagRelated
	tagSpecial
	tagSpam
	tagSearch
	tagSubtitle
	tagRednet
)

func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func newRNG(seed int64, parts ...uint64) rng {
	h := mix64(uint64(seed) + 0x9e3779b97f4a7c15)
	for _, p := range parts {
		h = mix64(h ^ (p + 0x9e3779b97f4a7c15))
	}
	return rng{s: h}
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// intn returns a value in [0, n); n must be positive.
func (r *rng) intn(n int) int {
	return int(r.next() % uint64(n))
}

// between returns a value in [lo, hi].
func (r *rng) between(lo, hi int) int {
	return lo + r.intn(hi-lo+1)
}

// chance reports whether an event of probability p happens.
func (r *rng) chance(p float64) bool {
	return float64(r.next()>>11)/(1<<53) < p
}

func pick[T any](r *rng, xs []T) T {
	return xs[r.intn(len(xs))]
}

// hashString is FNV-1a, used to derive per-path values (visitor counter,
// spam block) without any state.
func hashString(seed int64, s string) uint64 {
	h := uint64(14695981039346656037) ^ uint64(seed)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return mix64(h)
}
