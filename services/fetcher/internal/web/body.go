package web

import (
	"bytes"
	"io"
	"sync"
)

// Pages are read into recycled buffers: the fetcher compresses a page into
// its message and drops it, and io.ReadAll's fresh slice, grown from 512
// bytes, allocated twice the page again on the way — a fifth of everything
// `bench --pipeline` allocated, and so of its collections.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody is the largest buffer kept for reuse: one giant page must not
// pin its buffer in the pool.
const maxPooledBody = 1 << 20

// readBody reads r (at most limit+1 bytes, so that the caller can tell a body
// over the limit) into a recycled buffer, presized when the length is known.
func readBody(r io.Reader, length, limit int64) (*bytes.Buffer, error) {
	buf := bodyBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	if length > 0 {
		buf.Grow(int(min(length, limit) + bytes.MinRead))
	}
	_, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	return buf, err
}

// Release hands the response's body buffer back for reuse: the caller is done
// with Body, and nothing it made still refers to its bytes. Without Release
// the buffer is only collected. Release is idempotent.
func (r *Response) Release() {
	if r == nil || r.buf == nil {
		return
	}
	if r.buf.Cap() <= maxPooledBody {
		bodyBuffers.Put(r.buf)
	}
	r.buf, r.Body = nil, nil
}
