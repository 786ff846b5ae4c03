package archive

import (
	"fmt"
	"os"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
)

// damageError is the error a guarded call returns when reading the file
// panicked: bbolt asserts that every page it reads is the page it
// expected, and a truncated file faults past its end. Both mean the file
// is damaged, never that the caller erred.
type damageError struct {
	path  string
	cause any // the panic value
}

func (e *damageError) Error() string {
	return fmt.Sprintf("archive %s is damaged (%v); run crawler verify --archive %s to see what can still be read, and restore a backup", e.path, e.cause, e.path)
}

func (e *damageError) Unwrap() error { return ErrDamaged }

// guard runs fn and turns a panic while it reads the archive's file into
// an error wrapping ErrDamaged. Memory faults (reading the mapping past
// the end of a truncated file) become panics for the duration of the
// call, so they are caught too. fn must not start goroutines that read the
// file; those need a guard of their own.
func guard(path string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = &damageError{path: path, cause: r}
		}
	}()
	return fn()
}

// view runs fn in a read transaction, guarded (see guard).
func (a *Archive) view(fn func(tx *bolt.Tx) error) error {
	return guard(a.path, func() error { return a.db.View(fn) })
}

// checkSize returns an error wrapping ErrDamaged when the file is shorter
// than the pages its last committed transaction uses: it was truncated,
// and reading would fault or find zeros where pages should be.
func checkSize(tx *bolt.Tx, path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("open archive %s: %w", path, err)
	}
	if need := tx.Size(); fi.Size() < need {
		return &damageError{path: path, cause: fmt.Errorf("the file is %d bytes, but its pages reach %d bytes: it was truncated", fi.Size(), need)}
	}
	return nil
}
