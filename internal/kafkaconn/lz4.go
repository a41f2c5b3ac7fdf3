package kafkaconn

import (
	"io"
	"sync"

	"github.com/pierrec/lz4/v4"
	"github.com/segmentio/kafka-go/compress"
)

// UseSmallLZ4Blocks makes every kafka-go writer of this process compress
// with LZ4 frames of 64 KB blocks, the size the Java client writes
// (KafkaLZ4BlockOutputStream), instead of pierrec/lz4's default of 4 MB.
// A consumer decompresses each frame into a buffer of the frame's block
// size: with 4 MB frames the ingest worker held seven such buffers at its
// peak, 28 MB of its heap, for message sets of a few hundred kilobytes. It
// changes only what this process writes (frames of either size read the
// same); kafka-go has one codec per compression for the whole process,
// hence a switch for the producers (the generator, the bench), not a
// writer option. Safe to call more than once.
func UseSmallLZ4Blocks() {
	installLZ4.Do(func() { compress.Codecs[compress.Lz4] = &smallBlockLZ4{} })
}

var installLZ4 sync.Once

// smallBlockLZ4 is kafka-go's LZ4 codec with 64 KB blocks.
type smallBlockLZ4 struct {
	readers, writers sync.Pool
}

func (c *smallBlockLZ4) Code() int8   { return int8(compress.Lz4) }
func (c *smallBlockLZ4) Name() string { return "lz4" }

func (c *smallBlockLZ4) NewReader(r io.Reader) io.ReadCloser {
	z, _ := c.readers.Get().(*lz4.Reader)
	if z == nil {
		z = lz4.NewReader(r)
	} else {
		z.Reset(r)
	}
	return &lz4Reader{z: z, pool: &c.readers}
}

func (c *smallBlockLZ4) NewWriter(w io.Writer) io.WriteCloser {
	z, _ := c.writers.Get().(*lz4.Writer)
	if z == nil {
		z = lz4.NewWriter(w)
		// Options that cannot fail: a block size of the format's list.
		_ = z.Apply(lz4.BlockSizeOption(lz4.Block64Kb))
	} else {
		z.Reset(w)
	}
	return &lz4Writer{z: z, pool: &c.writers}
}

type lz4Reader struct {
	z    *lz4.Reader
	pool *sync.Pool
}

func (r *lz4Reader) Read(p []byte) (int, error) { return r.z.Read(p) }

func (r *lz4Reader) Close() error {
	if r.z != nil {
		r.z.Reset(nil)
		r.pool.Put(r.z)
		r.z = nil
	}
	return nil
}

type lz4Writer struct {
	z    *lz4.Writer
	pool *sync.Pool
}

func (w *lz4Writer) Write(p []byte) (int, error) { return w.z.Write(p) }

func (w *lz4Writer) Close() error {
	if w.z == nil {
		return nil
	}
	err := w.z.Close()
	w.z.Reset(nil)
	w.pool.Put(w.z)
	w.z = nil
	return err
}
