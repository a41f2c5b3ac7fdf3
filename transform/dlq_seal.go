package transform

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// The DLQ keeps the original bytes of a rejected message, so that it can be
// replayed after a fix; those bytes hold personal data in clear. They are
// therefore sealed with AES-256-GCM under a key derived from the PII key:
// whoever can read the DLQ topic still needs the PII key to read a message.
//
// Sealed format: nonce (12 bytes, random) || ciphertext || GCM tag (16 bytes).

// dlqKeyLabel is the HMAC message that derives the DLQ key from the PII key.
// Changing it makes every sealed DLQ message unreadable.
const dlqKeyLabel = "servicepulse dlq v1"

// ErrDLQOpen is returned by OpenDLQ when a value cannot be opened: wrong key,
// truncated or modified.
var ErrDLQOpen = errors.New("open dlq value: wrong PII key or damaged value")

func dlqAEAD(piiKey []byte) (cipher.AEAD, error) {
	if len(piiKey) < MinPIIKeyBytes {
		return nil, fmt.Errorf("dlq key: PII key is %d bytes, want at least %d", len(piiKey), MinPIIKeyBytes)
	}
	mac := hmac.New(sha256.New, piiKey)
	mac.Write([]byte(dlqKeyLabel))
	key := mac.Sum(nil) // 32 bytes: AES-256
	block, err := aes.NewCipher(key)
	clear(key)
	if err != nil {
		return nil, fmt.Errorf("dlq key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("dlq key: %w", err)
	}
	return aead, nil
}

// SealDLQ encrypts and authenticates plaintext for the DLQ topic under a key
// derived from piiKey, with a fresh random nonce. The result is
// len(plaintext)+28 bytes.
func SealDLQ(piiKey, plaintext []byte) ([]byte, error) {
	aead, err := dlqAEAD(piiKey)
	if err != nil {
		return nil, err
	}
	out := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("dlq nonce: %w", err)
	}
	return aead.Seal(out, out, plaintext, nil), nil
}

// OpenDLQ returns the plaintext of a value sealed by SealDLQ under the same
// piiKey. It returns ErrDLQOpen (wrapped) if the key is wrong or the value
// was truncated or modified.
func OpenDLQ(piiKey, sealed []byte) ([]byte, error) {
	aead, err := dlqAEAD(piiKey)
	if err != nil {
		return nil, err
	}
	n := aead.NonceSize()
	if len(sealed) < n+aead.Overhead() {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrDLQOpen, len(sealed))
	}
	plain, err := aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return nil, ErrDLQOpen
	}
	return plain, nil
}
