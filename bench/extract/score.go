package main

import (
	"math"
	"math/rand/v2"

	"github.com/hnredstar/crawler/internal/bodyscore"
)

// bootstrap returns the corpus figures (bodyscore.Aggregate) and, for
// each, the standard deviation over n resamples of the pages drawn with
// replacement. The resampling is seeded, so a run's ± values are
// reproducible.
func bootstrap(pages []bodyscore.Page, n int) (m, sd bodyscore.Metrics) {
	m = bodyscore.Aggregate(pages)
	if n <= 1 || len(pages) == 0 {
		return m, bodyscore.Metrics{}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	sample := make([]bodyscore.Page, len(pages))
	var sum, sq [4]float64
	for range n {
		for i := range sample {
			sample[i] = pages[rng.IntN(len(pages))]
		}
		b := bodyscore.Aggregate(sample)
		for j, v := range [4]float64{b.P, b.R, b.F1, b.Accuracy} {
			sum[j] += v
			sq[j] += v * v
		}
	}
	var dev [4]float64
	for j := range dev {
		mean := sum[j] / float64(n)
		dev[j] = math.Sqrt(max(sq[j]/float64(n)-mean*mean, 0))
	}
	return m, bodyscore.Metrics{P: dev[0], R: dev[1], F1: dev[2], Accuracy: dev[3]}
}
