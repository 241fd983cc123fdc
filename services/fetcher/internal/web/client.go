// Package web is the fetcher's HTTP client: one GET with the limits a crawler
// on the open web needs — a size cap that also bounds decompression, a
// redirect limit, timeouts, conditional requests, and refusal of private,
// loopback and link-local addresses (checked after DNS, on every hop).
package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/newsflow/newsflow/pkg/urls"
)

// Errors, matched with errors.Is; Kind names them for metrics.
var (
	ErrPrivateAddress = errors.New("web: address is private, loopback or link-local")
	ErrTooLarge       = errors.New("web: response too large")
	ErrTooManyHops    = errors.New("web: too many redirects")
	ErrStatus         = errors.New("web: unexpected HTTP status")
	ErrContentType    = errors.New("web: unexpected content type")
	ErrNotModified    = errors.New("web: not modified")
)

// DefaultUserAgent names newsflow and where to learn about it; robots.txt
// rules for "newsflow" apply to it.
const DefaultUserAgent = "newsflow/0.1 (+https://github.com/newsflow/newsflow)"

// Options configure a Client.
type Options struct {
	UserAgent    string
	Timeout      time.Duration // whole request, body included
	MaxBytes     int64         // decoded body limit
	MaxRedirects int
	AllowPrivate bool // allow every loopback/private target
	// Allow lists private networks that may be fetched even so (a local
	// origin), leaving the rest refused.
	Allow []netip.Prefix
}

// Client fetches pages and feeds.
type Client struct {
	opt  Options
	http *http.Client
}

// New returns a client with opt (zero fields get safe defaults).
func New(opt Options) *Client {
	if opt.UserAgent == "" {
		opt.UserAgent = DefaultUserAgent
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 30 * time.Second
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = 10 << 20
	}
	if opt.MaxRedirects <= 0 {
		opt.MaxRedirects = 5
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !opt.AllowPrivate {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			return refusePrivate(address, opt.Allow)
		}
	}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would defeat the address check
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 20 * time.Second,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	c := &Client{opt: opt}
	c.http = &http.Client{
		Transport: tr,
		Timeout:   opt.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > opt.MaxRedirects {
				return fmt.Errorf("%w: %d", ErrTooManyHops, len(via))
			}
			return nil
		},
	}
	return c
}

// refusePrivate runs after DNS resolution, on the address actually dialled,
// so neither a DNS name pointing inside nor a redirect gets through.
func refusePrivate(address string, allow []netip.Prefix) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrPrivateAddress, address)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrPrivateAddress, address)
	}
	ip = embeddedIPv4(ip.Unmap())
	for _, p := range allow {
		if p.Contains(ip) {
			return nil
		}
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() {
		return fmt.Errorf("%w: %s", ErrPrivateAddress, ip)
	}
	for _, p := range reserved {
		if p.Contains(ip) {
			return fmt.Errorf("%w: %s", ErrPrivateAddress, ip)
		}
	}
	return nil
}

// reserved are special-purpose IPv4 ranges that are never a public web server.
var reserved = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved, broadcast
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	nat64Site = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// embeddedIPv4 returns the IPv4 address a NAT64 or 6to4 address reaches, so
// 64:ff9b::a9fe:a9fe is checked as 169.254.169.254.
func embeddedIPv4(ip netip.Addr) netip.Addr {
	b := ip.As16()
	switch {
	case !ip.Is6():
		return ip
	case nat64.Contains(ip), nat64Site.Contains(ip):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})
	}
	return ip
}

// Request is one GET.
type Request struct {
	URL          string
	ETag         string // sent as If-None-Match
	LastModified string // sent as If-Modified-Since
	Accept       string
	// ContentTypes, when set, are the media types accepted (e.g. text/html).
	ContentTypes []string
}

// Response is a fetched document.
type Response struct {
	Status       int
	FinalURL     string
	ContentType  string
	Charset      string
	ETag         string
	LastModified string
	MaxAge       time.Duration // Cache-Control max-age, 0 if none
	RetryAfter   time.Duration // on 429/503
	Body         []byte

	buf *bytes.Buffer // holds Body until Release
}

// Get fetches req.URL. A 304 returns the response and ErrNotModified; other
// non-2xx statuses return the response (with RetryAfter) and ErrStatus.
func (c *Client) Get(ctx context.Context, r Request) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("request %s: %w", urls.Redact(r.URL), err)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return nil, fmt.Errorf("request %s: scheme %q not allowed", urls.Redact(r.URL), req.URL.Scheme)
	}
	req.Header.Set("User-Agent", c.opt.UserAgent)
	if r.Accept != "" {
		req.Header.Set("Accept", r.Accept)
	}
	if r.ETag != "" {
		req.Header.Set("If-None-Match", r.ETag)
	}
	if r.LastModified != "" {
		req.Header.Set("If-Modified-Since", r.LastModified)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", urls.Redact(r.URL), err)
	}
	defer resp.Body.Close()
	out := &Response{
		Status:       resp.StatusCode,
		FinalURL:     resp.Request.URL.String(),
		ContentType:  resp.Header.Get("Content-Type"),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		MaxAge:       maxAge(resp.Header.Get("Cache-Control")),
	}
	mt, params, mtErr := mime.ParseMediaType(out.ContentType)
	if mtErr == nil {
		out.Charset = params["charset"]
		out.ContentType = mt
	}
	// The status decides first: a 503 maintenance page in JSON is a reason to
	// retry later, not a wrong content type.
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return out, ErrNotModified
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		out.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return out, fmt.Errorf("%w: %d from %s", ErrStatus, resp.StatusCode, urls.Redact(out.FinalURL))
	}
	if mtErr == nil && len(r.ContentTypes) > 0 && !contains(r.ContentTypes, mt) {
		return out, fmt.Errorf("%w: %s from %s", ErrContentType, mt, urls.Redact(out.FinalURL))
	}
	// The transport decompresses gzip transparently; the limit applies to the
	// decoded bytes, which is what bounds a decompression bomb.
	buf, err := readBody(resp.Body, resp.ContentLength, c.opt.MaxBytes)
	out.buf, out.Body = buf, buf.Bytes()
	if err != nil {
		out.Release()
		return out, fmt.Errorf("read %s: %w", urls.Redact(out.FinalURL), err)
	}
	if int64(len(out.Body)) > c.opt.MaxBytes {
		out.Release()
		return out, fmt.Errorf("%w: over %d bytes from %s", ErrTooLarge, c.opt.MaxBytes, urls.Redact(out.FinalURL))
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func maxAge(cc string) time.Duration {
	for _, part := range strings.Split(cc, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && strings.EqualFold(k, "max-age") {
			if n, err := strconv.Atoi(strings.Trim(v, `"`)); err == nil && n > 0 {
				return time.Duration(n) * time.Second
			}
		}
	}
	return 0
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Kind names the class of err for metrics labels.
func Kind(err error) string {
	var ne net.Error
	switch {
	case err == nil:
		return "none"
	case errors.Is(err, ErrNotModified):
		return "not_modified"
	case errors.Is(err, ErrPrivateAddress):
		return "private_address"
	case errors.Is(err, ErrTooLarge):
		return "too_large"
	case errors.Is(err, ErrTooManyHops):
		return "redirects"
	case errors.Is(err, ErrStatus):
		return "status"
	case errors.Is(err, ErrContentType):
		return "content_type"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	default:
		return "network"
	}
}
