package events

import (
	"crypto/sha256"
	"encoding/hex"
)

// ContentHash is the hex SHA-256 of b.
func ContentHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
