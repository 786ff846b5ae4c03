package crawl

import (
	"context"

	"github.com/gocolly/colly/v2/queue"
)

// frontier holds the requests waiting to be made. It empties itself when
// the run's context ends, so the queue's workers finish the requests in
// flight and stop, without the race in queue.Queue.Stop.
type frontier struct {
	ctx context.Context
	mem *queue.InMemoryQueueStorage
}

var _ queue.Storage = (*frontier)(nil)

func newFrontier(ctx context.Context) *frontier {
	return &frontier{ctx: ctx, mem: &queue.InMemoryQueueStorage{}}
}

// Init prepares the storage.
func (f *frontier) Init() error { return f.mem.Init() }

// AddRequest stores a serialised request, unless the run is over.
func (f *frontier) AddRequest(r []byte) error {
	if err := f.ctx.Err(); err != nil {
		return err
	}
	return f.mem.AddRequest(r)
}

// GetRequest returns the next request.
func (f *frontier) GetRequest() ([]byte, error) { return f.mem.GetRequest() }

// QueueSize reports the waiting requests: none once the run is over.
func (f *frontier) QueueSize() (int, error) {
	if f.ctx.Err() != nil {
		return 0, nil
	}
	return f.mem.QueueSize()
}
