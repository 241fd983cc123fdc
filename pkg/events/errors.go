package events

import "errors"

// Sentinel errors of the contract; callers match them with errors.Is.
var (
	ErrNotCloudEvent = errors.New("events: message is not a CloudEvent")
	ErrBadRawPage    = errors.New("events: malformed raw page message")
	ErrInvalid       = errors.New("events: article does not match schema")
)
