package archive

import (
	"context"
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the whole archive file to w, as of
// one read transaction (bbolt's Tx.WriteTo), and returns the number of
// bytes written. Writers in this process may go on meanwhile; what they
// commit after Backup began is not in the copy. The copy is a complete
// archive: open it with Open. Backup stops with ctx.Err() once ctx is done,
// leaving w with a partial copy; write to a temporary file and rename it.
func (a *Archive) Backup(ctx context.Context, w io.Writer) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int64
	err := a.view(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(ctxWriter{ctx: ctx, w: w})
		return err
	})
	if err != nil {
		return n, fmt.Errorf("back up %s: %w", a.path, err)
	}
	return n, nil
}

// ctxWriter fails writes once ctx is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}
