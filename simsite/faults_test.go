package simsite

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"
)

// faultClient makes a new connection per request, so that the transport
// never retries a reset request on its own, and never follows redirects.
func faultClient(t *testing.T, timeout time.Duration) *http.Client {
	t.Helper()
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{
		Timeout:       timeout,
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// outcome is what a client saw of one request.
type outcome struct {
	status     int
	retryAfter string
	length     int64 // declared Content-Length
	body       []byte
	err        error // from the request
	readErr    error // from reading the body
}

func (o outcome) ok() bool { return o.err == nil && o.readErr == nil && o.status == http.StatusOK }

func get(c *http.Client, u string) outcome {
	resp, err := c.Get(u)
	if err != nil {
		return outcome{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return outcome{resp.StatusCode, resp.Header.Get("Retry-After"), resp.ContentLength, b, nil, err}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// injected returns the kind srv injected between the counts before and
// after, or -1 for none; it fails on more than one.
func injected(t *testing.T, before, after map[FaultKind]int) FaultKind {
	t.Helper()
	k := FaultKind(-1)
	for kind, n := range after {
		switch d := n - before[kind]; {
		case d == 1 && k < 0:
			k = kind
		case d != 0:
			t.Fatalf("faults went from %v to %v in one request", before, after)
		}
	}
	return k
}

func TestFaultKindString(t *testing.T) {
	want := map[FaultKind]string{Fault500: "500", Fault503: "503", Fault429: "429", FaultReset: "reset",
		FaultStall: "stall", FaultTruncate: "truncate", FaultBadLength: "bad-length", FaultKind(7): "FaultKind(7)", FaultKind(-1): "FaultKind(-1)"}
	for k, s := range want {
		if k.String() != s {
			t.Errorf("FaultKind(%d).String() = %q, want %q", int(k), k.String(), s)
		}
	}
}

func TestFaultsInvalid(t *testing.T) {
	tests := []struct {
		name   string
		faults Faults
	}{
		{"rate above 1", Faults{Rate: 1.5}},
		{"negative rate", Faults{Rate: -0.1}},
		{"unknown kind", Faults{Rate: 0.1, Kinds: []FaultKind{Fault500, 7}}},
		{"negative stall", Faults{Rate: 0.1, Stall: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s, err := Start(Options{Faults: tt.faults}); err == nil {
				s.Close()
				t.Fatalf("Start accepted %+v", tt.faults)
			} else {
				t.Log(err)
			}
			defer func() {
				if recover() == nil {
					t.Errorf("New accepted %+v", tt.faults)
				}
			}()
			New(Options{Faults: tt.faults})
		})
	}
}

// TestFaultDraws checks the draws alone: their share, that every kind comes
// up, that a fourth attempt is never faulty and that they depend only on
// the seed, the URI and the attempt.
func TestFaultDraws(t *testing.T) {
	const rate, n = 0.1, 5000
	a := newFaultState(Faults{Rate: rate}, 1)
	b := newFaultState(Faults{Rate: rate, Seed: 1}, 99)
	c := newFaultState(Faults{Rate: rate, Seed: 2}, 1)
	uris := sampleURIs(New(Options{Seed: 1}))
	var faulty, differ int
	kinds := map[FaultKind]int{}
	for i := range n {
		uri := uris[i%len(uris)] + "?x=" + string(rune('a'+i/len(uris)))
		for attempt := range 6 {
			ka, fa := a.decide(uri, attempt)
			kb, fb := b.decide(uri, attempt)
			if ka != kb || fa != fb {
				t.Fatalf("%s attempt %d: same fault seed drew %v,%v and %v,%v", uri, attempt, ka, fa, kb, fb)
			}
			if attempt >= faultFreeAttempt && fa {
				t.Fatalf("%s attempt %d drew %v", uri, attempt, ka)
			}
			if kc, fc := c.decide(uri, attempt); kc != ka || fc != fa {
				differ++
			}
		}
		if k, ok := a.decide(uri, 0); ok {
			faulty++
			kinds[k]++
		}
	}
	if share := float64(faulty) / n; share < 0.08 || share > 0.12 {
		t.Errorf("rate %v gave a share of %.3f faulty first attempts", rate, share)
	}
	if len(kinds) != numFaultKinds {
		t.Errorf("%d faults drew only kinds %v", faulty, kinds)
	}
	if differ == 0 {
		t.Error("fault seeds 1 and 2 drew the same faults")
	}
	only := newFaultState(Faults{Rate: 1, Kinds: []FaultKind{FaultReset}}, 1)
	for _, uri := range uris {
		if k, ok := only.decide(uri, 0); !ok || k != FaultReset {
			t.Fatalf("%s: rate 1 of resets drew %v, %v", uri, k, ok)
		}
	}
}

// TestFaultsObserved checks what a client sees of each kind: the fault on
// the first three requests and the normal page on the fourth.
func TestFaultsObserved(t *testing.T) {
	isUnexpectedEOF := func(o outcome) bool {
		return o.err == nil && o.status == http.StatusOK && errors.Is(o.readErr, io.ErrUnexpectedEOF)
	}
	tests := []struct {
		kind  FaultKind
		check func(o, clean outcome) bool
	}{
		{Fault500, func(o, _ outcome) bool { return o.err == nil && o.status == http.StatusInternalServerError }},
		{Fault503, func(o, _ outcome) bool {
			return o.err == nil && o.status == http.StatusServiceUnavailable && o.retryAfter == "1"
		}},
		{Fault429, func(o, _ outcome) bool {
			return o.err == nil && o.status == http.StatusTooManyRequests && o.retryAfter == "1"
		}},
		{FaultReset, func(o, _ outcome) bool { return o.err != nil && !isTimeout(o.err) }},
		{FaultStall, func(o, _ outcome) bool { return o.err != nil && isTimeout(o.err) }},
		{FaultTruncate, func(o, clean outcome) bool {
			return isUnexpectedEOF(o) && o.length == int64(len(clean.body)) &&
				bytes.Equal(o.body, clean.body[:len(clean.body)/2])
		}},
		{FaultBadLength, func(o, clean outcome) bool {
			return isUnexpectedEOF(o) && o.length > int64(len(clean.body)) && bytes.Equal(o.body, clean.body)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			srv := newTestServer(t, Options{Faults: Faults{Rate: 1, Kinds: []FaultKind{tt.kind}, Stall: 5 * time.Second}})
			c := faultClient(t, 5*time.Second)
			if tt.kind == FaultStall {
				c.Timeout = 100 * time.Millisecond
			}
			page := srv.URL + "/"
			for _, a := range srv.Truth() {
				if !srv.Site.transient[a.URLs[0][len(srv.URL):]] {
					page = a.URLs[0]
					break
				}
			}
			for _, u := range []string{srv.URL + "/", page} {
				var got [faultFreeAttempt]outcome
				for i := range got {
					got[i] = get(c, u)
				}
				clean := get(c, u)
				if !clean.ok() || len(clean.body) < 100 {
					t.Fatalf("%s, 4th request: status %d, %v, %v, %d bytes", u, clean.status, clean.err, clean.readErr, len(clean.body))
				}
				for i, o := range got {
					if !tt.check(o, clean) {
						t.Errorf("%s, request %d: status %d, Retry-After %q, Content-Length %d, %d bytes, error %v, read error %v",
							u, i+1, o.status, o.retryAfter, o.length, len(o.body), o.err, o.readErr)
					}
				}
				t.Logf("%s: %v / %v", u, got[0].err, got[0].readErr)
			}
			if f := srv.Faults(); !maps.Equal(f, map[FaultKind]int{tt.kind: 2 * faultFreeAttempt}) {
				t.Errorf("Faults() = %v, want %d of %v", f, 2*faultFreeAttempt, tt.kind)
			}
			if v := srv.Violations(); len(v) > 0 {
				t.Errorf("faults counted as violations: %v", v)
			}
		})
	}
}

// TestFaultsDeterministic runs the same request sequence against two
// servers built with the same options.
func TestFaultsDeterministic(t *testing.T) {
	opts := Options{Seed: 3, Articles: 120, Faults: Faults{Rate: 0.3, Stall: 5 * time.Millisecond}}
	run := func() ([]FaultKind, map[FaultKind]int) {
		srv := newTestServer(t, opts)
		c := faultClient(t, 5*time.Second)
		uris := sampleURIs(srv.Site)
		var seq []FaultKind
		for range 3 {
			for _, uri := range uris {
				before := srv.Faults()
				get(c, srv.URL+uri)
				seq = append(seq, injected(t, before, srv.Faults()))
			}
		}
		return seq, srv.Faults()
	}
	seqA, countA := run()
	seqB, countB := run()
	if !slices.Equal(seqA, seqB) {
		t.Errorf("same options injected different faults:\n%v\n%v", seqA, seqB)
	}
	if !maps.Equal(countA, countB) {
		t.Errorf("same options counted different faults: %v, %v", countA, countB)
	}
	if len(countA) != numFaultKinds {
		t.Errorf("%d requests at rate 0.3 injected only %v", len(seqA), countA)
	}
	t.Logf("%d requests, faults %v", len(seqA), countA)
}

// TestFaultsAllKinds checks that rate 1 with the default kinds injects all
// of them over a short sequence.
func TestFaultsAllKinds(t *testing.T) {
	srv := newTestServer(t, Options{Faults: Faults{Rate: 1, Stall: time.Millisecond}})
	c := faultClient(t, 5*time.Second)
	uris := sampleURIs(srv.Site)[:60]
	for _, uri := range uris {
		if uri == "/robots.txt" {
			continue
		}
		before := srv.Faults()
		get(c, srv.URL+uri)
		if injected(t, before, srv.Faults()) < 0 && !srv.Site.transient[uri] {
			t.Errorf("%s: rate 1 injected no fault", uri)
		}
	}
	if f := srv.Faults(); len(f) != numFaultKinds {
		t.Errorf("%d requests injected only %v", len(uris), f)
	}
}

// TestFaultsRetry checks that every URL succeeds on its fourth request at
// the latest, including the pages whose first request gets the transient
// 503, which keeps its place.
func TestFaultsRetry(t *testing.T) {
	srv := newTestServer(t, Options{SlowDelay: -1, Faults: Faults{Rate: 1, Stall: 2 * time.Second}})
	c := faultClient(t, 100*time.Millisecond) // below Stall
	var uris []string
	for uri := range srv.Site.transient {
		uris = append(uris, uri)
	}
	slices.Sort(uris)
	uris = uris[:min(len(uris), 5)]
	for _, a := range srv.Truth()[:10] {
		if uri := a.URLs[0][len(srv.URL):]; !slices.Contains(uris, uri) {
			uris = append(uris, uri)
		}
	}
	want := 0
	for _, uri := range uris {
		transient := srv.Site.transient[uri]
		want += faultFreeAttempt
		if transient {
			want--
		}
		for attempt := range faultFreeAttempt + 1 {
			o := get(c, srv.URL+uri)
			switch {
			case attempt == faultFreeAttempt && !o.ok():
				t.Errorf("%s, request %d: status %d, %v, %v", uri, attempt+1, o.status, o.err, o.readErr)
			case attempt == 0 && transient && (o.status != http.StatusServiceUnavailable || o.retryAfter != "1"):
				t.Errorf("%s: transient page's first request got status %d, %v, not its 503", uri, o.status, o.err)
			case attempt < faultFreeAttempt && o.ok():
				t.Errorf("%s, request %d: succeeded at rate 1", uri, attempt+1)
			}
		}
		for range 3 {
			if o := get(c, srv.URL+uri); !o.ok() {
				t.Errorf("%s after four requests: status %d, %v, %v", uri, o.status, o.err, o.readErr)
			}
		}
	}
	total := 0
	for _, n := range srv.Faults() {
		total += n
	}
	if total != want {
		t.Errorf("injected %d faults, want %d", total, want)
	}
	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("faults counted as violations: %v", v)
	}
}

// TestFaultsSpared checks the requests that are never faulty: robots.txt
// and HEAD requests drawn a body fault.
func TestFaultsSpared(t *testing.T) {
	srv := newTestServer(t, Options{Faults: Faults{Rate: 1, Kinds: []FaultKind{FaultTruncate, FaultBadLength}}})
	c := faultClient(t, 5*time.Second)
	for range 5 {
		if o := get(c, srv.URL+"/robots.txt"); !o.ok() {
			t.Fatalf("robots.txt: status %d, %v, %v", o.status, o.err, o.readErr)
		}
		resp, err := c.Head(srv.URL + "/")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("HEAD /: %v, %v", resp, err)
		}
		resp.Body.Close()
	}
	if f := srv.Faults(); len(f) > 0 {
		t.Errorf("Faults() = %v, want none", f)
	}
}

// TestFaultsOff checks that rate 0 serves the same bytes as no faults.
func TestFaultsOff(t *testing.T) {
	plain := New(Options{Seed: 5, SlowDelay: -1})
	off := New(Options{Seed: 5, SlowDelay: -1, Faults: Faults{Rate: 0, Seed: 9, Kinds: []FaultKind{FaultReset}, Stall: time.Hour}})
	if off.faults != nil {
		t.Fatal("rate 0 keeps fault state")
	}
	for range 2 {
		for _, uri := range sampleURIs(plain) {
			a, b := serveLocal(plain.Handler(), "GET", uri), serveLocal(off.Handler(), "GET", uri)
			if a.Code != b.Code || !maps.EqualFunc(a.Header(), b.Header(), slices.Equal) || !bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) {
				t.Fatalf("%s: rate 0 served %d, %v; no faults %d, %v", uri, b.Code, b.Header(), a.Code, a.Header())
			}
		}
	}
	if f := off.Faults(); len(f) > 0 {
		t.Errorf("Faults() = %v at rate 0", f)
	}
}

// TestFaultStallClose checks that Close ends a stall at once.
func TestFaultStallClose(t *testing.T) {
	srv := newTestServer(t, Options{Faults: Faults{Rate: 1, Kinds: []FaultKind{FaultStall}, Stall: time.Minute}})
	c := faultClient(t, time.Minute)
	done := make(chan outcome, 1)
	go func() { done <- get(c, srv.URL+"/") }()
	for srv.Faults()[FaultStall] == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	srv.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v with a stall in progress", d)
	}
	select {
	case o := <-done:
		if o.ok() {
			t.Error("stalled request succeeded after Close")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("stalled request still waiting 5s after Close")
	}
}
