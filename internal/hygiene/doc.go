// Package hygiene has no code: its tests keep the whole repository
// gofmt-clean, vet-clean and tidy, so that drift fails `go test ./...`
// instead of waiting for someone to notice.
package hygiene
