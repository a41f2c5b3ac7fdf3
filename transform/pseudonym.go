package transform

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sync"
	"unicode/utf8"
)

// pseudonymizer computes CustomerRef. It is safe for concurrent use: every
// call takes its own HMAC state from a pool, because hmac.New would recompute
// the key pads on every message (about 3x the cost of the hash itself).
type pseudonymizer struct {
	pool sync.Pool // of *macState
}

type macState struct {
	mac hash.Hash
	buf []byte // the normalised customer, cleared after each use
	sum [sha256.Size]byte
}

func newPseudonymizer(key []byte) *pseudonymizer {
	key = bytes.Clone(key) // the caller may reuse its slice
	p := &pseudonymizer{}
	p.pool.New = func() any {
		return &macState{mac: hmac.New(sha256.New, key), buf: make([]byte, 0, 128)}
	}
	return p
}

// customerRefLen is the length of a CustomerRef: hex of 16 bytes.
const customerRefLen = 32

// ref writes to dst the hex of the first 16 bytes of
// HMAC-SHA256(key, phone digits + "|" + lower-cased trimmed email + "|" + trimmed name)
// and returns true, or returns false when phone digits, email and name are all
// empty: such a customer identifies nobody, and a ref shared by all of them
// would be misleading.
func (p *pseudonymizer) ref(dst *[customerRefLen]byte, name, phone, email []byte) bool {
	st := p.pool.Get().(*macState)
	b := appendPhoneDigits(st.buf[:0], phone)
	b = append(b, '|')
	b = appendLower(b, bytes.TrimSpace(email))
	b = append(b, '|')
	b = append(b, bytes.TrimSpace(name)...)

	ok := len(b) > len("||")
	if ok {
		st.mac.Reset()
		st.mac.Write(b)
		sum := st.mac.Sum(st.sum[:0])
		hex.Encode(dst[:], sum[:customerRefLen/2])
	}

	clear(b) // personal data does not linger in pooled memory
	if cap(b) <= 4<<10 {
		st.buf = b[:0]
	} else {
		st.buf = make([]byte, 0, 128)
	}
	p.pool.Put(st)
	return ok
}

// appendPhoneDigits appends the decimal digits of phone: ASCII digits and the
// full-width digits (０-９) that Chinese input methods produce, as ASCII.
// Everything else (+, spaces, dashes, parentheses) is dropped.
func appendPhoneDigits(b, phone []byte) []byte {
	for i := 0; i < len(phone); {
		c := phone[i]
		if c < utf8.RuneSelf {
			if c >= '0' && c <= '9' {
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(phone[i:])
		if r >= '０' && r <= '９' {
			b = append(b, byte('0'+r-'０'))
		}
		i += n
	}
	return b
}

// appendLower appends s lower-cased; ASCII without allocating.
func appendLower(b, s []byte) []byte {
	for _, c := range s {
		if c >= utf8.RuneSelf {
			return append(b, bytes.ToLower(s)...)
		}
	}
	for _, c := range s {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}
