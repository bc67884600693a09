// Package main shows the cgo declarations for Mailvault's C API (Docs/CAPI.md).
//
// Build from the repository root after `swift build -c release --product MailvaultC`:
//
//	cd Docs/examples/go
//	CGO_CFLAGS="-I$PWD/../../../Sources/MailvaultC/include" \
//	CGO_LDFLAGS="-L$PWD/../../../.build/release -lMailvaultC -Wl,-rpath,$PWD/../../../.build/release" \
//	go run .
package main

/*
#cgo LDFLAGS: -lMailvaultC
#include <stdlib.h>
#include "mailvault.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"
)

// Error is a failed Mailvault call: its MV_ERR_* code and message.
type Error struct {
	Code    int
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s", C.GoString(C.mv_status_name(C.int(e.Code))), e.Message)
}

// check turns a status into an error, reading the thread-local message. The calling goroutine
// must be locked to its OS thread between the call and this read (see call).
func check(status C.int) error {
	if status == C.MV_OK {
		return nil
	}
	return &Error{Code: int(status), Message: C.GoString(C.mv_last_error_message())}
}

// call runs one C call and reads its thread-local error on the same OS thread.
func call(f func() C.int) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return check(f())
}

// Work is the result of checking an envelope's proof of work.
type Work struct {
	Valid   bool
	PoW     float64
	Hash    [32]byte
	PoWHash [32]byte
}

// VerifyBatch decodes and checks many envelopes in one call.
func VerifyBatch(envelopes [][]byte) ([]Work, error) {
	n := len(envelopes)
	if n == 0 {
		return nil, nil
	}
	// cgo forbids passing Go pointers to Go pointers, so the pointer array lives in C memory.
	pointers := (*[1 << 28]*C.uint8_t)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(uintptr(0)))))[:n:n]
	defer C.free(unsafe.Pointer(&pointers[0]))
	lengths := make([]C.size_t, n)
	for i, e := range envelopes {
		pointers[i] = (*C.uint8_t)(C.CBytes(e))
		defer C.free(unsafe.Pointer(pointers[i]))
		lengths[i] = C.size_t(len(e))
	}
	results := make([]C.mv_work, n)
	if err := call(func() C.int {
		return C.mv_verify_batch(&pointers[0], &lengths[0], C.size_t(n), &results[0])
	}); err != nil {
		return nil, err
	}
	out := make([]Work, n)
	for i, r := range results {
		out[i] = Work{Valid: r.status == C.MV_OK, PoW: float64(r.pow)}
		copy(out[i].Hash[:], C.GoBytes(unsafe.Pointer(&r.hash[0]), 32))
		copy(out[i].PoWHash[:], C.GoBytes(unsafe.Pointer(&r.pow_hash[0]), 32))
	}
	return out, nil
}

// Store wraps an mv_store handle.
type Store struct{ handle *C.mv_store }

// OpenStore opens (creating) a store with a retention age in seconds.
func OpenStore(dir string, maxAge uint32) (*Store, error) {
	var options C.mv_store_options
	C.mv_store_options_init(&options)
	options.retention_max_age = C.uint32_t(maxAge)
	path := C.CString(dir)
	defer C.free(unsafe.Pointer(path))
	var handle *C.mv_store
	if err := call(func() C.int { return C.mv_store_open(path, &options, &handle) }); err != nil {
		return nil, err
	}
	return &Store{handle: handle}, nil
}

// Close closes the store and releases its handle.
func (s *Store) Close() error {
	err := call(func() C.int { return C.mv_store_close(s.handle) })
	C.mv_store_free(s.handle)
	s.handle = nil
	return err
}

// Ingest stores a batch; true per envelope newly stored.
func (s *Store) Ingest(envelopes [][]byte) ([]bool, error) {
	n := len(envelopes)
	if n == 0 {
		return nil, nil
	}
	pointers := (*[1 << 28]*C.uint8_t)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(uintptr(0)))))[:n:n]
	defer C.free(unsafe.Pointer(&pointers[0]))
	lengths := make([]C.size_t, n)
	for i, e := range envelopes {
		pointers[i] = (*C.uint8_t)(C.CBytes(e))
		defer C.free(unsafe.Pointer(pointers[i]))
		lengths[i] = C.size_t(len(e))
	}
	results := make([]C.mv_ingest_result, n)
	if err := call(func() C.int {
		return C.mv_store_ingest(s.handle, &pointers[0], &lengths[0], C.size_t(n), &results[0])
	}); err != nil {
		return nil, err
	}
	stored := make([]bool, n)
	for i, r := range results {
		stored[i] = r.status == C.MV_INGEST_STORED
	}
	return stored, nil
}

// Page is one page of a query: envelopes (copied into Go memory) and the next cursor.
type Page struct {
	Envelopes [][]byte
	Next      []byte // nil when the query is complete
}

// Query runs one page over [from, to], all topics.
func (s *Store) Query(from, to uint32, limit uint32, cursor []byte) (*Page, error) {
	var query C.mv_query
	C.mv_query_init(&query)
	query.from, query.to, query.limit = C.uint32_t(from), C.uint32_t(to), C.uint32_t(limit)
	if cursor != nil {
		c := C.CBytes(cursor)
		defer C.free(c)
		query.cursor = (*C.uint8_t)(c)
		query.cursor_length = C.size_t(len(cursor))
	}
	var result *C.mv_result
	if err := call(func() C.int { return C.mv_store_query(s.handle, &query, &result) }); err != nil {
		return nil, err
	}
	defer C.mv_result_free(result)
	page := &Page{}
	for i := C.size_t(0); i < C.mv_result_count(result); i++ {
		var entry *C.mv_result_entry
		if err := call(func() C.int { return C.mv_result_entry_at(result, i, &entry) }); err != nil {
			return nil, err
		}
		page.Envelopes = append(page.Envelopes, C.GoBytes(unsafe.Pointer(entry.bytes), C.int(entry.length)))
	}
	next := make([]byte, 36)
	var more C.int
	if err := call(func() C.int {
		return C.mv_result_next_cursor(result, (*C.uint8_t)(unsafe.Pointer(&next[0])), &more)
	}); err != nil {
		return nil, err
	}
	if more != 0 {
		page.Next = next
	}
	return page, nil
}

// errNotEnvelope marks a batch item that did not decode.
var errNotEnvelope = errors.New("not an envelope")
