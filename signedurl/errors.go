package signedurl

import (
	"errors"
	"fmt"
)

// Sentinel errors wrapped by *[ParseError], for errors.Is.
var (
	// ErrNotSigned means the text carries no signature this package knows.
	ErrNotSigned = errors.New("not a presigned URL, signed URL or Service Bus SAS")
	// ErrUnsupported means the text is signed, but in a scheme this package
	// does not parse (an Azure Storage SAS, which package sas handles, or a
	// CloudFront signed URL).
	ErrUnsupported = errors.New("signed in a scheme this package does not parse")
	// ErrMissingField means a required parameter is absent.
	ErrMissingField = errors.New("required parameter missing")
	// ErrBadValue means a parameter has a value the service would reject.
	ErrBadValue = errors.New("invalid value")
	// ErrInvalidEscape means a percent-escape is malformed (e.g. "%6G").
	ErrInvalidEscape = errors.New("invalid percent-escape")
)

// ErrCannotVerify is returned (wrapped) by the Verify and Sign functions
// when the signature cannot be recomputed offline: the URL lacks its host,
// signs headers whose values are not in the URL, or uses an algorithm that
// needs a private key.
var ErrCannotVerify = errors.New("cannot recompute the signature offline")

// ParseError reports which field was bad and why. Value is the offending
// value as written, except for a signature or session token, which is never
// repeated in an error.
type ParseError struct {
	Field string
	Value string
	Err   error
}

func (e *ParseError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("signedurl: %s: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("signedurl: %s=%q: %v", e.Field, e.Value, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// fieldError builds a *ParseError wrapping sentinel, with an optional
// explanation. Values of secret fields are dropped.
func fieldError(field, value string, sentinel error, format string, args ...any) *ParseError {
	if isSecretKey(field) {
		value = ""
	}
	if len(value) > 200 {
		value = value[:200] + "..."
	}
	if format == "" {
		return &ParseError{Field: field, Value: value, Err: sentinel}
	}
	return &ParseError{Field: field, Value: value, Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)}
}
