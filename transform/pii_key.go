package transform

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// PIIKeyEnv is the environment variable that holds the PII key.
const PIIKeyEnv = "SERVICEPULSE_PII_KEY"

// ErrNoPIIKey is returned by LoadPIIKey when no key is configured at all, so
// that a caller can tell "not configured" from "configured wrongly".
var ErrNoPIIKey = errors.New("no PII key: set " + PIIKeyEnv + " to at least 16 random bytes, or give a key file")

// LoadPIIKey returns the PII key: the bytes of the environment variable
// SERVICEPULSE_PII_KEY if it is set and not empty, else the contents of keyFile
// (trailing CR/LF trimmed) if keyFile is not "". Either must be at least
// MinPIIKeyBytes long. It returns ErrNoPIIKey when neither is given. The
// errors say what to fix and never contain the key.
func LoadPIIKey(keyFile string) ([]byte, error) {
	if v := os.Getenv(PIIKeyEnv); v != "" {
		if len(v) < MinPIIKeyBytes {
			return nil, fmt.Errorf("%s is %d bytes: set it to at least %d random bytes", PIIKeyEnv, len(v), MinPIIKeyBytes)
		}
		return []byte(v), nil
	}
	if keyFile == "" {
		return nil, ErrNoPIIKey
	}
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("read PII key file: %w", err)
	}
	key := strings.TrimRight(string(b), "\r\n")
	clear(b)
	if len(key) < MinPIIKeyBytes {
		return nil, fmt.Errorf("PII key file %q holds %d bytes: write at least %d random bytes to it", keyFile, len(key), MinPIIKeyBytes)
	}
	return []byte(key), nil
}
