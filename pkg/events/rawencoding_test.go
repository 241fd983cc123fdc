package events

import (
	"bytes"
	"compress/gzip"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/internal/natstest"
)

// Every body encoding a raw page has had decodes: none, S2 (too large for
// a message), and gzip (written by earlier versions, still in the stream).
func TestDecodeRawPageEncodings(t *testing.T) {
	page := bytes.Repeat([]byte("<p>news of the day</p>"), 5000)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(page)
	zw.Close()
	bomb := s2.Encode(nil, make([]byte, MaxPageBytes+1))
	for _, tc := range []struct {
		name, enc string
		data      []byte
		ok        bool
	}{
		{"plain", "", page, true},
		{"s2", EncodingS2, s2.Encode(nil, page), true},
		{"gzip from earlier versions", EncodingGzip, gz.Bytes(), true},
		{"s2 corrupt", EncodingS2, []byte("not s2 at all"), false},
		{"s2 inflating past the limit", EncodingS2, bomb, false},
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

// PublishLarge sends a page that fits as it is; one over the max payload
// S2-compressed; one that does not fit even so through the object store.
// Each arrives whole.
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
	if err := Provision(t.Context(), js, DefaultTopology()); err != nil {
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
		{"fits", bytes.Repeat([]byte("<p>short</p>"), 1000), "", false},
		{"compressible, too large", bytes.Repeat([]byte("<p>a long page</p>"), 30000), EncodingS2, false},
		{"incompressible, too large", noise, EncodingS2, true},
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

// A NEWSFLOW_RAW made by an earlier version (uncompressed, its pages gzipped
// one by one) turns S2-compressed when provisioned again, and its old
// messages still decode.
func TestProvisionCompressesAnExistingRawStream(t *testing.T) {
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
	old := DefaultTopology()
	var cfg jetstream.StreamConfig
	for _, s := range old.Streams() {
		if s.Name == StreamRaw {
			cfg = s
		}
	}
	cfg.Compression = jetstream.NoCompression
	if _, err := js.CreateStream(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	page := bytes.Repeat([]byte("<p>old page</p>"), 10000)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(page)
	zw.Close()
	m := nats.NewMsg(RawSubject("example.com"))
	m.Header.Set(HeaderURL, "https://example.com/old")
	m.Header.Set(HeaderBodyEncoding, EncodingGzip)
	m.Data = gz.Bytes()
	ack, err := js.PublishMsg(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	if err := Provision(t.Context(), js, DefaultTopology()); err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(t.Context(), StreamRaw)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Compression != jetstream.S2Compression {
		t.Errorf("compression after provisioning = %v, want s2", info.Config.Compression)
	}
	got, err := s.GetMsg(t.Context(), ack.Sequence)
	if err != nil {
		t.Fatal(err)
	}
	p, err := DecodeRawPage(got.Header, got.Data)
	if err != nil || !bytes.Equal(p.Body, page) {
		t.Errorf("old gzip page: err %v, %d bytes", err, len(p.Body))
	}
}
