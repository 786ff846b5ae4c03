package simsite

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Faults configure deterministic fault injection: server errors, rate
// limiting, reset connections, stalls and broken bodies, as a real site
// and the network between produce them. The zero value injects none.
//
// Whether a request is faulty, and how, is drawn from a hash of (Seed, the
// request's path and query, how many times that path and query was
// requested before), so a rerun of the same request sequence meets the same
// faults and a retry draws afresh. Only the first three requests for a path
// and query can be faulty; the fourth and later never are. robots.txt is
// never faulty.
type Faults struct {
	Rate  float64       // chance that each of a URL's first three requests is faulty, 0..1 (e.g. 0.10); 0 disables
	Seed  int64         // default: the site's seed
	Kinds []FaultKind   // kinds to draw from, uniformly (a kind listed twice is drawn twice as often); default: all
	Stall time.Duration // how long a FaultStall lasts; default 3s (give the client a shorter timeout)
}

// FaultKind is a kind of faulty response.
type FaultKind int

// The kinds of faults. The status faults carry an nginx-like HTML body.
const (
	Fault500       FaultKind = iota // 500 Internal Server Error
	Fault503                        // 503 Service Unavailable with Retry-After: 1
	Fault429                        // 429 Too Many Requests with Retry-After: 1
	FaultReset                      // connection reset (RST) before any response byte
	FaultStall                      // nothing for Faults.Stall, then the normal response
	FaultTruncate                   // full Content-Length, half the body, then the connection closes
	FaultBadLength                  // Content-Length larger than the whole body sent, then the connection closes

	numFaultKinds = iota
)

// faultNames are the names String gives the kinds.
var faultNames = [numFaultKinds]string{"500", "503", "429", "reset", "stall", "truncate", "bad-length"}

// String returns the kind's short name: "500", "503", "429", "reset",
// "stall", "truncate" or "bad-length".
func (k FaultKind) String() string {
	if k < 0 || k >= numFaultKinds {
		return "FaultKind(" + strconv.Itoa(int(k)) + ")"
	}
	return faultNames[k]
}

// faultFreeAttempt is the first attempt (counting from 0) at a path and
// query that is never faulty.
const faultFreeAttempt = 3

// defaultStall is how long a FaultStall lasts when Faults.Stall is 0.
const defaultStall = 3 * time.Second

// tagFault is the rng stream of fault draws, apart from those in rng.go.
const tagFault uint64 = 0x6661756c74 // "fault"

func (f Faults) validate() error {
	if !(f.Rate >= 0 && f.Rate <= 1) {
		return fmt.Errorf("faults: rate %v is not in 0..1; set Faults.Rate to a share such as 0.1, or 0 for none", f.Rate)
	}
	for i, k := range f.Kinds {
		if k < 0 || k >= numFaultKinds {
			return fmt.Errorf("faults: kinds[%d] = %d is not a fault kind; use Fault500 … FaultBadLength", i, int(k))
		}
	}
	if f.Stall < 0 {
		return fmt.Errorf("faults: stall %v is negative; set Faults.Stall to a duration, or 0 for %v", f.Stall, defaultStall)
	}
	return nil
}

// faultState is the fault configuration of a site and what it has injected.
type faultState struct {
	rate     float64
	seed     int64
	kinds    []FaultKind
	stall    time.Duration
	stop     chan struct{} // closed when the server closes, ending stalls
	stopOnce sync.Once

	mu       sync.Mutex
	attempts map[string]uint8 // requests so far per path and query, up to faultFreeAttempt
	counts   [numFaultKinds]int
}

// newFaultState returns the fault state for f (already validated) on a site
// with seed siteSeed, or nil when f injects nothing.
func newFaultState(f Faults, siteSeed int64) *faultState {
	if f.Rate <= 0 {
		return nil
	}
	st := &faultState{
		rate:     f.Rate,
		seed:     f.Seed,
		kinds:    append([]FaultKind(nil), f.Kinds...),
		stall:    f.Stall,
		stop:     make(chan struct{}),
		attempts: map[string]uint8{},
	}
	if st.seed == 0 {
		st.seed = siteSeed
	}
	if len(st.kinds) == 0 {
		for k := range FaultKind(numFaultKinds) {
			st.kinds = append(st.kinds, k)
		}
	}
	if st.stall == 0 {
		st.stall = defaultStall
	}
	return st
}

// decide draws whether attempt n (counting from 0) at uri is faulty and
// which kind. It depends on nothing else.
func (f *faultState) decide(uri string, n int) (FaultKind, bool) {
	if n >= faultFreeAttempt {
		return 0, false
	}
	r := newRNG(f.seed, tagFault, hashString(f.seed, uri), uint64(n))
	if !r.chance(f.rate) {
		return 0, false
	}
	return f.kinds[r.intn(len(f.kinds))], true
}

// drawFault counts a request for uri and reports whether to answer it with
// a fault, and which. robots.txt and the first request of a transient page
// (answered by its own 503) are never faulty, nor is a HEAD request drawn a
// body fault (it has no body to break).
func (s *Site) drawFault(r *http.Request, uri string) (FaultKind, bool) {
	f := s.faults
	if f == nil || r.URL.Path == "/robots.txt" {
		return 0, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.attempts[uri]
	if n >= faultFreeAttempt {
		return 0, false
	}
	f.attempts[uri] = n + 1
	if n == 0 && s.transient[uri] {
		return 0, false
	}
	k, ok := f.decide(uri, int(n))
	if !ok || r.Method == http.MethodHead && (k == FaultTruncate || k == FaultBadLength) {
		return 0, false
	}
	f.counts[k]++
	return k, true
}

// Faults returns how many faults of each kind were injected so far; kinds
// never injected are absent. The count is taken before the faulty response
// is written.
func (s *Site) Faults() map[FaultKind]int {
	out := map[FaultKind]int{}
	f := s.faults
	if f == nil {
		return out
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, n := range f.counts {
		if n > 0 {
			out[FaultKind(k)] = n
		}
	}
	return out
}

// stopFaults ends stalls in progress and makes later ones end at once.
func (s *Site) stopFaults() {
	if f := s.faults; f != nil {
		f.stopOnce.Do(func() { close(f.stop) })
	}
}

const (
	page500 = "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	page429 = "<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)

// injectFault answers r with a fault of kind k. Resets and broken bodies
// need a connection that can be hijacked (HTTP/1.x); elsewhere they abort
// the handler with http.ErrAbortHandler.
func (s *Site) injectFault(wr http.ResponseWriter, r *http.Request, k FaultKind) {
	switch k {
	case Fault500:
		s.send(wr, r, http.StatusInternalServerError, "text/html", []byte(page500))
	case Fault503:
		wr.Header().Set("Retry-After", "1")
		s.send(wr, r, http.StatusServiceUnavailable, "text/html", []byte(page503))
	case Fault429:
		wr.Header().Set("Retry-After", "1")
		s.send(wr, r, http.StatusTooManyRequests, "text/html", []byte(page429))
	case FaultReset:
		hangUp(wr, true)
	case FaultStall:
		t := time.NewTimer(s.faults.stall)
		select {
		case <-t.C:
			s.route(wr, r)
		case <-r.Context().Done():
			t.Stop()
			hangUp(wr, false)
		case <-s.faults.stop:
			t.Stop()
			hangUp(wr, false)
		}
	case FaultTruncate, FaultBadLength:
		s.sendBroken(wr, r, k)
	}
}

// hangUp closes the connection of wr without a response, with an RST when
// reset is true.
func hangUp(wr http.ResponseWriter, reset bool) {
	conn, _, err := http.NewResponseController(wr).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// sendBroken writes the normal response to r with a Content-Length larger
// than the body it sends, then closes the connection. FaultTruncate declares
// the full length and sends half the body; FaultBadLength sends the whole
// body and declares a quarter more.
func (s *Site) sendBroken(wr http.ResponseWriter, r *http.Request, k FaultKind) {
	req := r.Clone(r.Context())
	req.Header.Del("If-None-Match") // a 304 has no body to break
	var rec bufferedResponse
	rec.header = http.Header{}
	s.route(&rec, req)
	if rec.code == 0 {
		rec.code = http.StatusOK
	}
	body := rec.body.Bytes()
	declared, sent := len(body), len(body)/2
	if k == FaultBadLength {
		declared, sent = len(body)+1+len(body)/4, len(body)
	}
	declared = max(declared, sent+1)
	rec.header.Set("Content-Length", strconv.Itoa(declared))
	rec.header.Del("Transfer-Encoding")

	conn, bw, err := http.NewResponseController(wr).Hijack()
	if err != nil {
		for key, v := range rec.header {
			wr.Header()[key] = v
		}
		wr.WriteHeader(rec.code)
		_, _ = wr.Write(body[:sent])
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	_, _ = fmt.Fprintf(bw, "HTTP/1.1 %03d %s\r\n", rec.code, http.StatusText(rec.code))
	_ = rec.header.Write(bw)
	_, _ = bw.WriteString("\r\n")
	_, _ = bw.Write(body[:sent])
	_ = bw.Flush() // an error means the client left: nothing to do
}

// bufferedResponse is an http.ResponseWriter that keeps the response.
type bufferedResponse struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if b.code == 0 {
		b.code = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.code == 0 {
		b.code = http.StatusOK
	}
	return b.body.Write(p)
}
