package archive

import (
	"context"
	"fmt"
	"io"
	"runtime"
)

// JSONLOptions tunes WriteJSONL.
type JSONLOptions struct {
	// Fields, if not nil, are the fields each line has, in this order (see
	// Record.AppendJSON and CheckFields).
	Fields []string
	// Progress, if not nil, is called from WriteJSONL's goroutine with the
	// number of records just written, after each batch.
	Progress func(records int)
}

// encodedBatch is a batch of records encoded as JSON lines.
type encodedBatch struct {
	lines   []byte
	records int
	err     error
}

// WriteJSONL writes the records ForEach would pass, in the same order, to
// w, one JSON object per line (see Record.AppendJSON), and returns how
// many it wrote. Decoding and encoding, most of the work, run on all CPUs,
// a batch per goroutine; w receives whole batches in order, and is not
// closed. On an error, what was written before it is whole lines.
func (a *Archive) WriteJSONL(ctx context.Context, w io.Writer, f Filter, o JSONLOptions) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	// pending holds one channel per batch in scan order; its capacity
	// bounds how many batches are decoded ahead of the writer.
	pending := make(chan chan encodedBatch, workers)
	free := make(chan []byte, workers+2) // line buffers to reuse
	var scanErr error
	go func() {
		defer close(pending)
		scanErr = a.scan(ctx, f, func(batch []storedRecord) error {
			out := make(chan encodedBatch, 1)
			select {
			case pending <- out:
			case <-ctx.Done():
				return ctx.Err()
			}
			var buf []byte
			select {
			case buf = <-free:
			default:
			}
			go func() {
				var b encodedBatch
				if err := guard(a.path, func() error {
					b = a.encodeBatch(batch, f.Columns, o.Fields, buf)
					return nil
				}); err != nil {
					b = encodedBatch{err: err}
				}
				out <- b
			}()
			return nil
		})
	}()

	n := 0
	var err error
	for out := range pending {
		b := <-out // wait even after an error: no goroutine outlives the call
		if err != nil {
			continue
		}
		if b.err != nil {
			err = b.err
			cancel()
			continue
		}
		if _, werr := w.Write(b.lines); werr != nil {
			err = fmt.Errorf("write records: %w", werr)
			cancel()
			continue
		}
		n += b.records
		if o.Progress != nil && b.records > 0 {
			o.Progress(b.records)
		}
		select {
		case free <- b.lines[:0]:
		default:
		}
	}
	if err == nil {
		err = scanErr
	}
	return n, err
}

// encodeBatch decodes batch and appends to buf the records whose column is
// one of columns (any, when empty) as JSON lines with the given fields.
func (a *Archive) encodeBatch(batch []storedRecord, columns, fields []string, buf []byte) encodedBatch {
	n := 0
	var scratch []byte // each record is encoded before the next reuses it
	for i := range batch {
		r, keep, err := batch[i].decode(columns, &scratch)
		if err != nil {
			return encodedBatch{err: fmt.Errorf("read archive %s: %w", a.path, err)}
		}
		if !keep {
			continue
		}
		buf = r.AppendJSON(buf, fields)
		buf = append(buf, '\n')
		n++
	}
	return encodedBatch{lines: buf, records: n}
}
