package sas

import (
	"errors"
	"fmt"
)

// Sentinel errors wrapped by *ParseError, for errors.Is.
var (
	// ErrNotSAS means the text carries no shared access signature at all.
	ErrNotSAS = errors.New("not a shared access signature")
	// ErrMissingField means a required parameter (sig, sv, sp, se, ...) is absent.
	ErrMissingField = errors.New("required parameter missing")
	// ErrInvalidEscape means a percent-escape is malformed (e.g. "%6G").
	ErrInvalidEscape = errors.New("invalid percent-escape")
	// ErrBadTime means a date or time is not in an accepted form.
	ErrBadTime = errors.New("invalid date/time")
	// ErrUnknownPermission means sp holds a letter that is not valid for the
	// token's kind and resource.
	ErrUnknownPermission = errors.New("unknown permission")
	// ErrBadValue means a parameter has a value the service would reject.
	ErrBadValue = errors.New("invalid value")
)

// ParseError reports which field of a token was bad and why. Value is the
// offending value as written, except for the signature, which is never
// repeated in an error.
type ParseError struct {
	Field string
	Value string
	Err   error
}

func (e *ParseError) Error() string {
	if e.Value == "" || e.Field == "sig" {
		return fmt.Sprintf("sas: %s: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("sas: %s=%q: %v", e.Field, e.Value, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

func fieldError(field, value string, sentinel error, format string, args ...any) *ParseError {
	if format == "" {
		return &ParseError{Field: field, Value: value, Err: sentinel}
	}
	return &ParseError{Field: field, Value: value, Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)}
}
