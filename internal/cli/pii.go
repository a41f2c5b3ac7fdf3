package cli

import (
	"errors"
	"log/slog"
	"strconv"
	"strings"

	"servicepulse/transform"
)

// PIIKeyFlags say where the HMAC key of personal data comes from:
// $SERVICEPULSE_PII_KEY, or --pii-key-file ($SERVICEPULSE_PII_KEY_FILE).
// The key itself is never a flag, so that it never shows in a process list.
type PIIKeyFlags struct {
	File string
	// Dev is --dev: without a key, pseudonymise with DevKey, which is public.
	Dev bool
	// DevKey, set before Register, is the public development key; empty: no
	// --dev flag.
	DevKey string
}

// Register adds --pii-key-file, and --dev when DevKey is set.
func (p *PIIKeyFlags) Register(fs *FlagSet) {
	fs.StringVar(&p.File, "pii-key-file", "", "file holding the HMAC key for personal data (unless $SERVICEPULSE_PII_KEY holds it)")
	fs.Env("pii-key-file", "SERVICEPULSE_PII_KEY_FILE")
	fs.ReadsEnv(transform.PIIKeyEnv, "the HMAC key for personal data, at least 16 bytes; it takes precedence over --pii-key-file", true)
	if p.DevKey != "" {
		fs.BoolVar(&p.Dev, "dev", false, "allow running without a PII key, with a public development key (generated data only)")
	}
}

// Key returns the key, or the public development key when --dev allows it
// (saying loudly that personal data is then not protected).
func (p *PIIKeyFlags) Key(cmd string, log *slog.Logger) ([]byte, error) {
	key, err := transform.LoadPIIKey(p.File)
	switch {
	case err == nil:
		return key, nil
	case errors.Is(err, transform.ErrNoPIIKey) && p.Dev:
		log.Warn("!!! DEVELOPMENT MODE: no PII key set, pseudonymising with a PUBLIC key; personal data is NOT protected. Never use --dev with real customer data !!!")
		return []byte(p.DevKey), nil
	case errors.Is(err, transform.ErrNoPIIKey):
		return nil, Usagef("%s needs a PII key: set SERVICEPULSE_PII_KEY to at least 16 random bytes, or pass --pii-key-file FILE (or --dev for generated data)", cmd)
	}
	return nil, err
}

// errBadSize is a byte size check's answer, after the value.
var errBadSize = errors.New("want a size like 256MiB, 1GiB or 0")

// ParseBytes reads a size such as 256MiB, 1GiB, 512KiB or a plain byte count.
func ParseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}, {"", 1}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
			if err != nil || n < 0 {
				return 0, errBadSize
			}
			return n * u.mult, nil
		}
	}
	return 0, errBadSize
}
