package kafkaconn

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/segmentio/kafka-go/compress"
)

// The codec kafka-go uses for LZ4 after UseSmallLZ4Blocks writes frames
// whose descriptor declares 64 KB blocks (the BD byte's block-size index 4;
// pierrec/lz4's default is 7, 4 MB), and reads back what it wrote.
func TestUseSmallLZ4Blocks(t *testing.T) {
	frame := func() []byte {
		var buf bytes.Buffer
		w := compress.Lz4.Codec().NewWriter(&buf)
		if _, err := w.Write(payload); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	// magic (4 bytes), FLG, BD: the block-size index is bits 4–6 of BD.
	// (Before: kafka-go's codec, unless an earlier run of this test in the
	// process, -count, installed ours.)
	if _, ours := compress.Lz4.Codec().(*smallBlockLZ4); !ours && frame()[5]>>4&7 != 7 {
		t.Fatalf("before: block-size index %d, want kafka-go's default 7 (4 MB): the check reads the wrong byte", frame()[5]>>4&7)
	}
	UseSmallLZ4Blocks()
	UseSmallLZ4Blocks()
	for round := range 3 { // pooled writers and readers keep the block size
		f := frame()
		if got := f[5] >> 4 & 7; got != 4 {
			t.Fatalf("round %d: block-size index %d, want 4 (64 KB)", round, got)
		}
		r := compress.Lz4.Codec().NewReader(bytes.NewReader(f))
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, payload) {
			t.Fatalf("round %d: read back %d bytes, differing from the %d written", round, len(got), len(payload))
		}
	}
}

// payload spans several 64 KB blocks, half of it compressible.
var payload = func() []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 300_000)
	for i := range b {
		if i%2 == 0 {
			b[i] = byte(r.IntN(256))
		} else {
			b[i] = 'a'
		}
	}
	return b
}()
