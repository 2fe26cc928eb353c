package sas

import (
	"regexp"
	"time"
)

// timeForm matches every date/time form the service accepts (sas-spec §10.1):
// a date; or a date and hh:mm, hh:mm:ss or hh:mm:ss.fffffff (1-7 digits)
// followed by Z or an offset ±hh:mm.
var timeForm = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2}))?$`)

// ParseTime parses a SAS date/time in any accepted form and returns it in
// UTC. It never re-formats: callers sign the literal string.
func ParseTime(s string) (time.Time, error) {
	m := timeForm.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, ErrBadTime
	}
	layout := "2006-01-02"
	switch {
	case m[1] == "":
	case m[2] == "":
		layout = "2006-01-02T15:04Z07:00"
	default:
		layout = "2006-01-02T15:04:05Z07:00" // fractional seconds are accepted by time.Parse
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, ErrBadTime
	}
	return t.UTC(), nil
}

func parseTimeField(tok *Token, field string) (*time.Time, error) {
	v, ok := tok.Lookup(field)
	if !ok || v == "" {
		return nil, nil
	}
	t, err := ParseTime(v)
	if err != nil {
		return nil, fieldError(field, v, ErrBadTime, "want YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss[.fffffff]] followed by Z or ±hh:mm")
	}
	return &t, nil
}
