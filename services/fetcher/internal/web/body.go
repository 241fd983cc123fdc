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
// A body longer than a pooled buffer may be gets a buffer of its own, and a
// recycled buffer that fills up to the bound before the body ends goes back
// to the pool rather than grow past it and leave with the body (the
// corpus of bench --pipeline has 3 pages over 1 MB in 181). One that
// doubled past the bound on the way still leaves.
func readBody(r io.Reader, length, limit int64) (*bytes.Buffer, error) {
	r = io.LimitReader(r, limit+1)
	if length > maxPooledBody-bytes.MinRead {
		buf := bytes.NewBuffer(make([]byte, 0, min(length, limit)+bytes.MinRead))
		_, err := buf.ReadFrom(r)
		return buf, err
	}
	buf := bodyBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	if length > 0 {
		buf.Grow(int(min(length, limit) + bytes.MinRead))
	}
	// ReadFrom keeps bytes.MinRead free: stop short of the bound by that.
	n, err := buf.ReadFrom(io.LimitReader(r, maxPooledBody-bytes.MinRead))
	if err != nil || n < maxPooledBody-bytes.MinRead {
		return buf, err
	}
	big := bytes.NewBuffer(make([]byte, 0, 2*maxPooledBody))
	big.Write(buf.Bytes())
	if buf.Cap() <= maxPooledBody {
		bodyBuffers.Put(buf)
	}
	_, err = big.ReadFrom(r)
	return big, err
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
