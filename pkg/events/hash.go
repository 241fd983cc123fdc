package events

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/cespare/xxhash/v2"
)

// ContentHash is the hex SHA-256 of b: the article's content_hash, which
// consumers may compare across systems.
func ContentHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// versionHash names one version of a message's content in its event id (16
// hex digits). It only has to tell versions of one URL apart within
// JetStream's duplicate window, so a fast 64-bit hash does: SHA-256 of every
// fetched page cost the fetcher a tenth of a millisecond per page.
func versionHash(b []byte) string { return fmt.Sprintf("%016x", xxhash.Sum64(b)) }
