package events_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/internal/natstest"
	. "github.com/newsflow/newsflow/pkg/events"
)

// Every body encoding a raw page has had decodes: none, s2, and zstd and
// gzip (written by earlier versions, still in the stream).
func TestDecodeRawPageEncodings(t *testing.T) {
	page := bytes.Repeat([]byte("<p>news of the day</p>"), 5000)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(page)
	zw.Close()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	bomb := enc.EncodeAll(make([]byte, MaxPageBytes+1), nil)
	s2Bomb := s2.Encode(nil, make([]byte, MaxPageBytes+1))
	for _, tc := range []struct {
		name, enc string
		data      []byte
		ok        bool
	}{
		{"plain", "", page, true},
		{"s2", EncodingS2, s2.Encode(nil, page), true},
		{"zstd from earlier versions", EncodingZstd, enc.EncodeAll(page, nil), true},
		{"gzip from earlier versions", EncodingGzip, gz.Bytes(), true},
		{"s2 corrupt", EncodingS2, []byte("not s2 at all"), false},
		{"s2 cut short", EncodingS2, s2.Encode(nil, page)[:100], false},
		{"s2 inflating past the limit", EncodingS2, s2Bomb, false},
		{"zstd corrupt", EncodingZstd, []byte("not zstd at all"), false},
		{"zstd inflating past the limit", EncodingZstd, bomb, false},
		{"gzip corrupt", EncodingGzip, []byte("not gzip"), false},
		{"unknown", "br", page, false},
	} {
		h := nats.Header{}
		h.Set(HeaderURL, "https://example.com/a")
		if tc.enc != "" {
			h.Set(HeaderBodyEncoding, tc.enc)
		}
		p, err := DecodeRawPage(h, tc.data)
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrBadRawPage)) {
			t.Errorf("%s: err = %v, want ok=%v", tc.name, err, tc.ok)
			continue
		}
		if tc.ok && !bytes.Equal(p.Body, page) {
			t.Errorf("%s: body differs (%d bytes)", tc.name, len(p.Body))
		}
	}
}

// A small page travels as it is, a larger one compressed, and one that
// does not fit in a message even so through the object store; each arrives
// whole.
func TestPublishLargeEncodings(t *testing.T) {
	ns := natstest.Start(t)
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Provision(t.Context(), js, DefaultTopology()); err != nil {
		t.Fatal(err)
	}
	const maxPayload = 256 << 10
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 400<<10)
	for i := range noise {
		noise[i] = byte('a' + rng.IntN(26))
	}
	for i, tc := range []struct {
		name    string
		body    []byte
		enc     string
		viaObjs bool
	}{
		{"small", bytes.Repeat([]byte("<p>short</p>"), 100), "", false},
		{"compressible, larger than the max payload", bytes.Repeat([]byte("<p>a long page</p>"), 30000), EncodingS2, false},
		{"incompressible, larger than the max payload", noise, EncodingS2, true},
	} {
		m, err := RawPage{URL: "https://example.com/" + strconv.Itoa(i), Status: 200, Body: tc.body}.Msg("newsflow/test")
		if err != nil {
			t.Fatal(err)
		}
		ack, err := PublishLarge(t.Context(), js, m, maxPayload)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		raw, err := js.Stream(t.Context(), StreamRaw)
		if err != nil {
			t.Fatal(err)
		}
		got, err := raw.GetMsg(t.Context(), ack.Sequence)
		if err != nil {
			t.Fatal(err)
		}
		if enc := got.Header.Get(HeaderBodyEncoding); enc != tc.enc {
			t.Errorf("%s: encoding %q, want %q", tc.name, enc, tc.enc)
		}
		if ref := got.Header.Get(HeaderBodyRef) != ""; ref != tc.viaObjs {
			t.Errorf("%s: through the object store = %v, want %v", tc.name, ref, tc.viaObjs)
		}
		body, err := LoadBody(t.Context(), js, got.Header, got.Data)
		if err != nil {
			t.Fatal(err)
		}
		p, err := DecodeRawPage(got.Header, body)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !bytes.Equal(p.Body, tc.body) {
			t.Errorf("%s: body differs after the round trip", tc.name)
		}
	}
}
