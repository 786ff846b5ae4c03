package archive

import "errors"

// Errors returned by this package, wrapped with the archive path or the key
// concerned. Test for them with errors.Is.
var (
	// ErrLocked is returned by Open when another process (or another Open in
	// this one) holds the archive's lock for longer than Options.Timeout.
	// The message reads "archive PATH is locked by another crawler process;
	// wait for it to finish or use --wait".
	ErrLocked = errors.New("locked by another crawler process")

	// ErrNotArchive is returned by Open for a file that is not a bbolt file,
	// or is a bbolt file without this package's meta bucket, or is empty.
	// Such a file is never modified.
	ErrNotArchive = errors.New("not a crawler archive")

	// ErrSchemaTooNew is returned by Open for an archive written by a newer
	// crawler with a schema this one does not know. The file is not modified.
	ErrSchemaTooNew = errors.New("archive schema is newer than this crawler understands")

	// ErrReadOnly is returned by the writing methods of an Archive opened
	// with Options.ReadOnly.
	ErrReadOnly = errors.New("archive is open read-only")

	// ErrNotFound is returned when a record or version asked for by ID does
	// not exist.
	ErrNotFound = errors.New("not found")

	// ErrNoContent is returned by Put and PutBatch for an article whose
	// title and body are both empty after whitespace normalisation; storing
	// it would make every such page an alias of the first.
	ErrNoContent = errors.New("article has no title and no body")

	// ErrOldSchema is returned, by an archive of an older schema opened
	// read-only, for what that schema did not record (change times). Any
	// writable Open upgrades the file.
	ErrOldSchema = errors.New("archive schema too old for this")

	// ErrDamaged is returned when the archive file is damaged: truncated,
	// or holding pages that are not what bbolt expects. Such an error
	// names the file and tells the user to run crawler verify, which
	// reports what can still be read.
	ErrDamaged = errors.New("archive file is damaged")

	// ErrConflict is returned by Reextract when the record got a new
	// version after the raw pages were read; re-extract it again.
	ErrConflict = errors.New("record changed since its raw pages were read")
)
