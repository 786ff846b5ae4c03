package archive

import (
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// releaseMapped drops the pages of the archive file from the process's
// page tables. They stay in the page cache, so a later read maps them again
// without I/O; only the process's resident set shrinks. bbolt maps the
// whole file and the kernel maps cached neighbours of each page read, so
// without this a long crawl's resident set grows to the archive's size.
//
// It must run in a write transaction before the transaction allocates:
// only a write transaction remaps the file, so the mapping cannot move
// while the kernel is told about it. The call only affects accounting, so
// its error is ignored.
func releaseMapped(tx *bolt.Tx) {
	info := tx.DB().Info()
	size := tx.Size()
	if info == nil || info.Data == 0 || size <= 0 {
		return
	}
	unix.Syscall(unix.SYS_MADVISE, info.Data, uintptr(size), unix.MADV_DONTNEED)
}
