package archive

import bolt "go.etcd.io/bbolt"

// releaseEvery is how many write transactions pass between two calls of
// releaseMapped.
const releaseEvery = 8

// releasing counts write transactions and releases the archive's mapped
// pages every releaseEvery of them. Its state is only touched inside write
// transactions, which bbolt runs one at a time.
type releasing struct{ writes int }

// beforeWrite is called at the start of each write transaction, before it
// allocates pages.
func (r *releasing) beforeWrite(tx *bolt.Tx) {
	r.writes++
	if r.writes%releaseEvery == 0 {
		releaseMapped(tx)
	}
}
