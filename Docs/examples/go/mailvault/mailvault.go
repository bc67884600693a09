// Package mailvault is a Go binding of Mailvault's C API (Docs/CAPI.md): strict envelope
// decoding, batch PoW verification, sealing with cancellation, and the envelope store.
//
// Errors are values: every failing call returns an *Error with the MV_ERR_* code and the
// library's message, comparable with errors.Is against ErrDecode, ErrClosed and the others.
// Handles are released by Close; a Store may be shared by any number of goroutines (the C
// store takes concurrent calls; this package adds only a read-write lock so that Close never
// frees the handle under a running call).
//
// The package declares no link flags: name the header and the library with CGO_CFLAGS and
// CGO_LDFLAGS (Docs/CAPI.md gives both the shared and the static link).
package mailvault

/*
#include <stdlib.h>
#include "mailvault.h"
*/
import "C"

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// Error is a failed Mailvault call: its MV_ERR_* code and the library's message.
type Error struct {
	Code    int
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return StatusName(e.Code)
	}
	return StatusName(e.Code) + ": " + e.Message
}

// Is reports whether target is an *Error with the same code, so errors.Is(err, ErrClosed) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinels to compare errors with (errors.Is): one per MV_ERR_* code.
var (
	ErrNull              = &Error{Code: int(C.MV_ERR_NULL)}
	ErrInvalidArgument   = &Error{Code: int(C.MV_ERR_INVALID_ARGUMENT)}
	ErrDecode            = &Error{Code: int(C.MV_ERR_DECODE)}
	ErrClosed            = &Error{Code: int(C.MV_ERR_CLOSED)}
	ErrNotFound          = &Error{Code: int(C.MV_ERR_NOT_FOUND)}
	ErrCancelled         = &Error{Code: int(C.MV_ERR_CANCELLED)}
	ErrTargetNotReached  = &Error{Code: int(C.MV_ERR_TARGET_NOT_REACHED)}
	ErrIO                = &Error{Code: int(C.MV_ERR_IO)}
	ErrCorrupt           = &Error{Code: int(C.MV_ERR_CORRUPT)}
	ErrBusy              = &Error{Code: int(C.MV_ERR_BUSY)}
	ErrDiskFull          = &Error{Code: int(C.MV_ERR_DISK_FULL)}
	ErrUnsupportedSchema = &Error{Code: int(C.MV_ERR_UNSUPPORTED_SCHEMA)}
	ErrStore             = &Error{Code: int(C.MV_ERR_STORE)}
)

// StatusName is the MV_* name of a status code ("MV_OK", "MV_ERR_DECODE", ...).
func StatusName(code int) string { return C.GoString(C.mv_status_name(C.int(code))) }

// Version is the library's version string; APIVersion its API major and minor.
func Version() string { return C.GoString(C.mv_version_string()) }

// APIVersion is the API version of the linked library (it must share the header's major).
func APIVersion() (major, minor int) {
	v := uint32(C.mv_api_version())
	return int(v >> 16), int(v & 0xffff)
}

// HeaderAPIVersion is the API version of the header this package was compiled against.
func HeaderAPIVersion() (major, minor int) {
	return int(C.MV_API_VERSION_MAJOR), int(C.MV_API_VERSION_MINOR)
}

// call runs one C call and reads its thread-local message on the same OS thread: the goroutine
// is locked to its thread for the call, since Go may move it between the two otherwise.
func call(f func() C.int) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if status := f(); status != C.MV_OK {
		return &Error{Code: int(status), Message: C.GoString(C.mv_last_error_message())}
	}
	return nil
}

// cBytes is a C copy of b (nil for an empty slice) for the length of one call.
type cBytes struct{ pointer unsafe.Pointer }

func newCBytes(b []byte) cBytes {
	if len(b) == 0 {
		return cBytes{}
	}
	return cBytes{C.CBytes(b)}
}

func (c cBytes) uint8() *C.uint8_t { return (*C.uint8_t)(c.pointer) }
func (c cBytes) free()             { C.free(c.pointer) }

// cBatch is a batch of byte slices copied into C memory: cgo forbids passing Go memory that
// holds Go pointers, so the pointer array itself lives in C memory too.
type cBatch struct {
	pointers **C.uint8_t
	lengths  *C.size_t
	items    []unsafe.Pointer
}

func newCBatch(items [][]byte) *cBatch {
	n := len(items)
	batch := &cBatch{
		pointers: (**C.uint8_t)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(uintptr(0))))),
		lengths:  (*C.size_t)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(C.size_t(0))))),
		items:    make([]unsafe.Pointer, n),
	}
	pointers := unsafe.Slice(batch.pointers, n)
	lengths := unsafe.Slice(batch.lengths, n)
	for i, item := range items {
		// A zero-length item still gets a valid pointer (C.malloc(1)): the library reads none of it.
		if len(item) == 0 {
			batch.items[i] = C.malloc(1)
		} else {
			batch.items[i] = C.CBytes(item)
		}
		pointers[i] = (*C.uint8_t)(batch.items[i])
		lengths[i] = C.size_t(len(item))
	}
	return batch
}

func (b *cBatch) free() {
	for _, item := range b.items {
		C.free(item)
	}
	C.free(unsafe.Pointer(b.pointers))
	C.free(unsafe.Pointer(b.lengths))
}

// Envelope is a decoded envelope, copied into Go memory.
type Envelope struct {
	Expiry  uint32
	TTL     uint32
	Sent    uint32 // Expiry - TTL
	Topic   [4]byte
	Nonce   uint64
	Data    []byte
	Encoded []byte // the canonical RLP as received
}

// Work is the result of checking an envelope: its identity hash, PoW hash and PoW.
type Work struct {
	Err     error // nil, or ErrDecode for a batch item that is not an envelope
	PoW     float64
	Hash    [32]byte
	PoWHash [32]byte
}

func workFrom(w *C.mv_work) Work {
	out := Work{PoW: float64(w.pow)}
	if w.status != C.MV_OK {
		out.Err = &Error{Code: int(w.status), Message: "not a canonical envelope"}
	}
	copy(out.Hash[:], C.GoBytes(unsafe.Pointer(&w.hash[0]), 32))
	copy(out.PoWHash[:], C.GoBytes(unsafe.Pointer(&w.pow_hash[0]), 32))
	return out
}

// envelopeFrom copies a handle's fields into Go memory and frees the handle.
func envelopeFrom(handle *C.mv_envelope) (*Envelope, Work, error) {
	defer C.mv_envelope_free(handle)
	var fields C.mv_envelope_fields
	var work C.mv_work
	if err := call(func() C.int { return C.mv_envelope_get_fields(handle, &fields) }); err != nil {
		return nil, Work{}, err
	}
	if err := call(func() C.int { return C.mv_envelope_work(handle, &work) }); err != nil {
		return nil, Work{}, err
	}
	e := &Envelope{
		Expiry:  uint32(fields.expiry),
		TTL:     uint32(fields.ttl),
		Sent:    uint32(fields.sent),
		Nonce:   uint64(fields.nonce),
		Data:    C.GoBytes(unsafe.Pointer(fields.data), C.int(fields.data_length)),
		Encoded: C.GoBytes(unsafe.Pointer(fields.encoded), C.int(fields.encoded_length)),
	}
	copy(e.Topic[:], C.GoBytes(unsafe.Pointer(&fields.topic[0]), 4))
	return e, workFrom(&work), nil
}

// Decode strictly decodes one envelope (go-ethereum's rules) and checks its work.
func Decode(b []byte) (*Envelope, Work, error) {
	bytes := newCBytes(b)
	defer bytes.free()
	var handle *C.mv_envelope
	if err := call(func() C.int { return C.mv_envelope_decode(bytes.uint8(), C.size_t(len(b)), &handle) }); err != nil {
		return nil, Work{}, err
	}
	return envelopeFrom(handle)
}

// VerifyBatch decodes and checks many envelopes in one call (several hashed at once in SIMD
// lanes). Each item's Err says whether it decoded; the call fails only for bad arguments.
func VerifyBatch(envelopes [][]byte) ([]Work, error) {
	if len(envelopes) == 0 {
		return nil, nil
	}
	batch := newCBatch(envelopes)
	defer batch.free()
	results := make([]C.mv_work, len(envelopes))
	if err := call(func() C.int {
		return C.mv_verify_batch(batch.pointers, batch.lengths, C.size_t(len(envelopes)), &results[0])
	}); err != nil {
		return nil, err
	}
	out := make([]Work, len(results))
	for i := range results {
		out[i] = workFrom(&results[i])
	}
	return out, nil
}

// TopicBloom is the 64-byte bloom of a topic (go-ethereum's TopicToBloom).
func TopicBloom(topic [4]byte) (bloom [64]byte) {
	C.mv_topic_bloom((*C.uint8_t)(unsafe.Pointer(&topic[0])), (*C.uint8_t)(unsafe.Pointer(&bloom[0])))
	return bloom
}

// BloomMatches reports whether filter accepts sample ((f | s) == f byte by byte).
func BloomMatches(filter, sample [64]byte) bool {
	var match C.int
	C.mv_bloom_match((*C.uint8_t)(unsafe.Pointer(&filter[0])), (*C.uint8_t)(unsafe.Pointer(&sample[0])), &match)
	return match != 0
}

// SealOptions says what to seal and how hard to search.
type SealOptions struct {
	Expiry    uint32
	TTL       uint32
	Topic     [4]byte
	Data      []byte
	TargetPoW float64
	WorkTime  time.Duration // 0: the library's default (1 s)
	Threads   int           // 0: one per core
}

// Seal searches a nonce reaching opts.TargetPoW and returns the sealed envelope. Cancelling
// ctx stops the search: the error is then ErrCancelled. It blocks its goroutine's OS thread.
func Seal(ctx context.Context, opts SealOptions) (*Envelope, error) {
	if err := ctx.Err(); err != nil {
		return nil, &Error{Code: int(C.MV_ERR_CANCELLED), Message: err.Error()}
	}
	var options C.mv_seal_options
	C.mv_seal_options_init(&options)
	options.expiry = C.uint32_t(opts.Expiry)
	options.ttl = C.uint32_t(opts.TTL)
	for i, b := range opts.Topic {
		options.topic[i] = C.uint8_t(b)
	}
	data := newCBytes(opts.Data)
	defer data.free()
	options.data = data.uint8()
	options.data_length = C.size_t(len(opts.Data))
	options.target_pow = C.double(opts.TargetPoW)
	if opts.WorkTime > 0 {
		options.work_time_ms = C.uint32_t(opts.WorkTime / time.Millisecond)
	}
	if opts.Threads < 0 {
		return nil, &Error{Code: int(C.MV_ERR_INVALID_ARGUMENT), Message: "threads must be 0 (one per core) or more"}
	}
	options.threads = C.uint32_t(opts.Threads)
	cancel := C.mv_cancel_new()
	defer C.mv_cancel_free(cancel)
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-ctx.Done():
			C.mv_cancel_trigger(cancel)
		case <-done:
		}
	}()
	var handle *C.mv_envelope
	err := call(func() C.int { return C.mv_seal(&options, cancel, &handle, nil) })
	close(done)
	<-stopped // the watcher no longer touches the cancel handle
	if err != nil {
		return nil, err
	}
	envelope, _, err := envelopeFrom(handle)
	return envelope, err
}

// StoreOptions says how a store is opened; the zero value means the library's defaults.
type StoreOptions struct {
	CompressionLevel *int   // zstd 1..19, 0 raw; nil: 3
	MaxAge           uint32 // seconds after sent time; 0: 30 days
	ReadOnly         bool
	MaxBytes         uint64 // size cap on stored records; 0: none
	InitialMapBytes  uint64 // 0: 64 MiB
}

// Store is an open envelope store. Its methods may be called from many goroutines at once.
type Store struct {
	mu     sync.RWMutex
	handle *C.mv_store // nil once closed
}

// Open opens (creating if needed) the store in dir.
func Open(dir string, opts StoreOptions) (*Store, error) {
	var options C.mv_store_options
	C.mv_store_options_init(&options)
	if opts.CompressionLevel != nil {
		options.compression_level = C.int32_t(*opts.CompressionLevel)
	}
	if opts.MaxAge != 0 {
		options.retention_max_age = C.uint32_t(opts.MaxAge)
	}
	if opts.ReadOnly {
		options.read_only = 1
	}
	options.retention_max_bytes = C.uint64_t(opts.MaxBytes)
	if opts.InitialMapBytes != 0 {
		options.initial_map_bytes = C.uint64_t(opts.InitialMapBytes)
	}
	path := C.CString(dir)
	defer C.free(unsafe.Pointer(path))
	var handle *C.mv_store
	if err := call(func() C.int { return C.mv_store_open(path, &options, &handle) }); err != nil {
		return nil, err
	}
	return &Store{handle: handle}, nil
}

// Close finishes queued writes, closes the store and releases its handle, after the calls
// running on other goroutines return. A second Close returns ErrClosed, as every later call does.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.handle == nil {
		return &Error{Code: int(C.MV_ERR_CLOSED), Message: "the store is closed"}
	}
	err := call(func() C.int { return C.mv_store_close(s.handle) })
	C.mv_store_free(s.handle)
	s.handle = nil
	return err
}

// use runs f with the handle under the read lock, or returns ErrClosed.
func (s *Store) use(f func(*C.mv_store) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.handle == nil {
		return &Error{Code: int(C.MV_ERR_CLOSED), Message: "the store is closed"}
	}
	return f(s.handle)
}

// IngestStatus is what became of one ingested envelope.
type IngestStatus int

// The statuses of an ingested envelope.
const (
	Stored    IngestStatus = C.MV_INGEST_STORED    // newly stored, durable
	Duplicate IngestStatus = C.MV_INGEST_DUPLICATE // already stored
	Invalid   IngestStatus = C.MV_INGEST_INVALID   // not a canonical envelope; skipped
)

func (s IngestStatus) String() string {
	switch s {
	case Stored:
		return "stored"
	case Duplicate:
		return "duplicate"
	case Invalid:
		return "invalid"
	}
	return fmt.Sprintf("IngestStatus(%d)", int(s))
}

// IngestResult is one envelope's status and hash.
type IngestResult struct {
	Status IngestStatus
	Hash   [32]byte
}

// Ingest decodes and stores envelopes in one durable commit (apply the node's rules first: the
// store applies none). Results come in input order.
func (s *Store) Ingest(envelopes [][]byte) ([]IngestResult, error) {
	if len(envelopes) == 0 {
		return nil, s.use(func(*C.mv_store) error { return nil })
	}
	batch := newCBatch(envelopes)
	defer batch.free()
	results := make([]C.mv_ingest_result, len(envelopes))
	err := s.use(func(h *C.mv_store) error {
		return call(func() C.int {
			return C.mv_store_ingest(h, batch.pointers, batch.lengths, C.size_t(len(envelopes)), &results[0])
		})
	})
	if err != nil {
		return nil, err
	}
	out := make([]IngestResult, len(results))
	for i := range results {
		out[i].Status = IngestStatus(results[i].status)
		copy(out[i].Hash[:], C.GoBytes(unsafe.Pointer(&results[i].hash[0]), 32))
	}
	return out, nil
}

// Query is a history query (status-go mailserver semantics).
type Query struct {
	From, To uint32    // sent times, inclusive; To 0 means "no upper bound"
	Topics   [][4]byte // when present the bloom is ignored; at most 1000
	Bloom    []byte    // 64 bytes, or nil for every topic
	Limit    int       // 1..1000; 0: 100
	Cursor   []byte    // 36 bytes from the previous page's Next, or nil
}

// Entry is one envelope of a page; Envelope is nil on a hashes-only page.
type Entry struct {
	Sent     uint32
	Topic    [4]byte
	Hash     [32]byte
	Envelope []byte
}

// Page is one page of an answer; Next is nil when the query is complete.
type Page struct {
	Entries []Entry
	Next    []byte
}

// Query returns one page of envelopes.
func (s *Store) Query(q Query) (*Page, error) { return s.query(q, false) }

// QueryHashes returns one page of (sent, topic, hash) only: no envelope is decoded.
func (s *Store) QueryHashes(q Query) (*Page, error) { return s.query(q, true) }

func (s *Store) query(q Query, hashesOnly bool) (*Page, error) {
	var query C.mv_query
	C.mv_query_init(&query)
	query.from = C.uint32_t(q.From)
	if q.To != 0 {
		query.to = C.uint32_t(q.To)
	}
	if q.Limit != 0 {
		if q.Limit < 0 || q.Limit > 1<<31 {
			return nil, &Error{Code: int(C.MV_ERR_INVALID_ARGUMENT), Message: fmt.Sprintf("limit %d out of range", q.Limit)}
		}
		query.limit = C.uint32_t(q.Limit)
	}
	topics := make([]byte, 0, 4*len(q.Topics))
	for _, t := range q.Topics {
		topics = append(topics, t[:]...)
	}
	topicBytes, bloom, cursor := newCBytes(topics), newCBytes(q.Bloom), newCBytes(q.Cursor)
	defer topicBytes.free()
	defer bloom.free()
	defer cursor.free()
	query.topics, query.topic_count = topicBytes.uint8(), C.size_t(len(q.Topics))
	query.bloom, query.bloom_length = bloom.uint8(), C.size_t(len(q.Bloom))
	query.cursor, query.cursor_length = cursor.uint8(), C.size_t(len(q.Cursor))
	var result *C.mv_result
	err := s.use(func(h *C.mv_store) error {
		return call(func() C.int {
			if hashesOnly {
				return C.mv_store_query_hashes(h, &query, &result)
			}
			return C.mv_store_query(h, &query, &result)
		})
	})
	if err != nil {
		return nil, err
	}
	defer C.mv_result_free(result)
	count := int(C.mv_result_count(result))
	page := &Page{Entries: make([]Entry, count)}
	for i := 0; i < count; i++ {
		var entry *C.mv_result_entry
		if err := call(func() C.int { return C.mv_result_entry_at(result, C.size_t(i), &entry) }); err != nil {
			return nil, err
		}
		e := &page.Entries[i]
		e.Sent = uint32(entry.sent)
		copy(e.Topic[:], C.GoBytes(unsafe.Pointer(&entry.topic[0]), 4))
		copy(e.Hash[:], C.GoBytes(unsafe.Pointer(&entry.hash[0]), 32))
		if entry.bytes != nil {
			e.Envelope = C.GoBytes(unsafe.Pointer(entry.bytes), C.int(entry.length))
		}
	}
	var next [36]byte
	var more C.int
	if err := call(func() C.int {
		return C.mv_result_next_cursor(result, (*C.uint8_t)(unsafe.Pointer(&next[0])), &more)
	}); err != nil {
		return nil, err
	}
	if more != 0 {
		page.Next = next[:]
	}
	return page, nil
}

// Get returns the envelope with this hash, or an error matching ErrNotFound.
func (s *Store) Get(hash [32]byte) (*Envelope, error) {
	var handle *C.mv_envelope
	err := s.use(func(h *C.mv_store) error {
		return call(func() C.int {
			return C.mv_store_get(h, (*C.uint8_t)(unsafe.Pointer(&hash[0])), 32, &handle)
		})
	})
	if err != nil {
		return nil, err
	}
	envelope, _, err := envelopeFrom(handle)
	return envelope, err
}

// Presence reports, for each hash, whether the store holds it (one snapshot for the list).
func (s *Store) Presence(hashes [][32]byte) ([]bool, error) {
	if len(hashes) == 0 {
		return nil, s.use(func(*C.mv_store) error { return nil })
	}
	flat := make([]byte, 0, 32*len(hashes))
	for _, h := range hashes {
		flat = append(flat, h[:]...)
	}
	bytes := newCBytes(flat)
	defer bytes.free()
	present := make([]C.uint8_t, len(hashes))
	err := s.use(func(h *C.mv_store) error {
		return call(func() C.int { return C.mv_store_presence(h, bytes.uint8(), C.size_t(len(hashes)), &present[0]) })
	})
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(hashes))
	for i, p := range present {
		out[i] = p != 0
	}
	return out, nil
}

// Stats are a store's counts and sizes.
type Stats struct {
	Envelopes, Topics, RawBytes, StoredBytes, FileBytes uint64
	OldestSent, NewestSent                              uint32 // 0 when empty
}

// Stats reads the store's counts and sizes from one snapshot.
func (s *Store) Stats() (Stats, error) {
	var stats C.mv_store_stats
	err := s.use(func(h *C.mv_store) error { return call(func() C.int { return C.mv_store_stats_get(h, &stats) }) })
	if err != nil {
		return Stats{}, err
	}
	return Stats{
		Envelopes: uint64(stats.envelopes), Topics: uint64(stats.topics), RawBytes: uint64(stats.raw_bytes),
		StoredBytes: uint64(stats.stored_bytes), FileBytes: uint64(stats.file_bytes),
		OldestSent: uint32(stats.oldest_sent), NewestSent: uint32(stats.newest_sent),
	}, nil
}

// SweepReport says what a retention sweep removed.
type SweepReport struct{ Expired, Evicted uint64 }

// Sweep applies the retention policy at Unix time now.
func (s *Store) Sweep(now uint32) (SweepReport, error) {
	var report C.mv_sweep_report
	err := s.use(func(h *C.mv_store) error {
		return call(func() C.int { return C.mv_store_sweep(h, C.uint32_t(now), &report) })
	})
	return SweepReport{Expired: uint64(report.expired), Evicted: uint64(report.evicted)}, err
}
