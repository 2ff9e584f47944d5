// Package userid turns platform user ids into stable pseudonyms for logs
// and records, so a patient's account id is never written down raw.
package userid

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// Hash returns a pseudonym for id: the first 16 hex digits of
// HMAC-SHA256 keyed with salt. The same id and salt always give the same
// pseudonym; without the salt it cannot be traced back by trying ids.
// An empty id gives "".
func Hash(salt, id string) string {
	if id == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(salt))
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil))[:16]
}
