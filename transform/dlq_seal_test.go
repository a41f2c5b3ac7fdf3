package transform

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealDLQ(t *testing.T) {
	plain := []byte(exampleRequestCreated)
	sealed, err := SealDLQ(testKey, plain)
	if err != nil {
		t.Fatal(err)
	}
	if len(sealed) != len(plain)+28 {
		t.Errorf("sealed is %d bytes, want %d", len(sealed), len(plain)+28)
	}
	for _, secret := range [][]byte{plain, []byte("张伟"), []byte("13800138000"), []byte("zw@example.cn")} {
		if bytes.Contains(sealed, secret) {
			t.Errorf("sealed value contains %q", secret)
		}
	}
	got, err := OpenDLQ(testKey, sealed)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("OpenDLQ = %q, %v", got, err)
	}

	again, _ := SealDLQ(testKey, plain)
	if bytes.Equal(again, sealed) {
		t.Error("two seals are equal: the nonce is not fresh")
	}
	if empty, err := SealDLQ(testKey, nil); err != nil {
		t.Error(err)
	} else if got, err := OpenDLQ(testKey, empty); err != nil || len(got) != 0 {
		t.Errorf("empty round trip: %q, %v", got, err)
	}
}

func TestOpenDLQFails(t *testing.T) {
	sealed, err := SealDLQ(testKey, []byte(exampleRequestCreated))
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)/2] ^= 1
	tests := []struct {
		name   string
		key    []byte
		sealed []byte
	}{
		{"wrong key", []byte("another-key-of-16+bytes"), sealed},
		{"modified", testKey, flipped},
		{"truncated", testKey, sealed[:len(sealed)-1]},
		{"too short", testKey, sealed[:20]},
		{"empty", testKey, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := OpenDLQ(tt.key, tt.sealed)
			if !errors.Is(err, ErrDLQOpen) || got != nil {
				t.Errorf("OpenDLQ = %q, %v; want ErrDLQOpen", got, err)
			}
		})
	}
	if _, err := SealDLQ([]byte("short"), []byte("x")); err == nil {
		t.Error("SealDLQ accepted a 5-byte key")
	}
}
