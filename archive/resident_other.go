//go:build !linux

package archive

import bolt "go.etcd.io/bbolt"

// releaseMapped does nothing here; see resident_linux.go.
func releaseMapped(*bolt.Tx) {}
