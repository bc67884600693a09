package mailvault

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The public go-ethereum vector: TTL 1, expiry 0, topic 00000000, data deadbeef, nonce 276.
var vector = []byte{0xcf, 0x80, 0x01, 0x84, 0, 0, 0, 0, 0x84, 0xde, 0xad, 0xbe, 0xef, 0x82, 0x01, 0x14}

// rlpString and rlpUint write canonical RLP, enough to build envelopes for the store tests
// (the store applies no PoW or clock rule).
func rlpString(b []byte) []byte {
	if len(b) == 1 && b[0] < 0x80 {
		return b
	}
	if len(b) < 56 {
		return append([]byte{0x80 + byte(len(b))}, b...)
	}
	n := rlpLength(len(b))
	return append(append([]byte{0xb7 + byte(len(n))}, n...), b...)
}

func rlpLength(n int) []byte {
	var out []byte
	for ; n > 0; n >>= 8 {
		out = append([]byte{byte(n)}, out...)
	}
	return out
}

func rlpUint(v uint64) []byte {
	var b []byte
	for ; v > 0; v >>= 8 {
		b = append([]byte{byte(v)}, b...)
	}
	return rlpString(b)
}

func envelope(expiry, ttl uint32, topic [4]byte, data []byte, nonce uint64) []byte {
	var payload []byte
	payload = append(payload, rlpUint(uint64(expiry))...)
	payload = append(payload, rlpUint(uint64(ttl))...)
	payload = append(payload, rlpString(topic[:])...)
	payload = append(payload, rlpString(data)...)
	payload = append(payload, rlpUint(nonce)...)
	if len(payload) < 56 {
		return append([]byte{0xc0 + byte(len(payload))}, payload...)
	}
	n := rlpLength(len(payload))
	return append(append([]byte{0xf7 + byte(len(n))}, n...), payload...)
}

func openStore(t *testing.T) *Store {
	t.Helper()
	store, err := Open(t.TempDir(), StoreOptions{MaxAge: 3600 * 24 * 365 * 10, InitialMapBytes: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return store
}

func TestDecode(t *testing.T) {
	withTrailingByte := append(append([]byte{}, vector...), 0)
	cases := []struct {
		name    string
		input   []byte
		wantErr error
		pow     float64
		powHash string
	}{
		{"go-ethereum's vector", vector, nil, 19.692307692307693,
			"00e2374c6353c243e4073e209a7f2acb2506522af318b3b78cf9a88310a2a11c"},
		{"nonce with a leading zero byte", []byte{0xd0, 0x80, 0x01, 0x84, 0, 0, 0, 0, 0x84, 0xde, 0xad, 0xbe, 0xef, 0x83, 0x00, 0x01, 0x14},
			ErrDecode, 0, ""},
		{"trailing byte", withTrailingByte, ErrDecode, 0, ""},
		{"empty list", []byte{0xc0}, ErrDecode, 0, ""},
		{"nil", nil, ErrDecode, 0, ""},
		{"empty", []byte{}, ErrDecode, 0, ""},
		{"length bomb", []byte{0xfb, 0xff, 0xff, 0xff, 0xff}, ErrDecode, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, work, err := Decode(c.input)
			if !errors.Is(err, c.wantErr) || (c.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			if c.wantErr != nil {
				var mvErr *Error
				if !errors.As(err, &mvErr) || mvErr.Message == "" {
					t.Fatalf("error %v carries no message", err)
				}
				return
			}
			if work.PoW != c.pow || hex.EncodeToString(work.PoWHash[:]) != c.powHash {
				t.Fatalf("pow %v hash %x", work.PoW, work.PoWHash)
			}
			if e.TTL != 1 || e.Nonce != 276 || hex.EncodeToString(e.Data) != "deadbeef" || string(e.Encoded) != string(vector) {
				t.Fatalf("fields %+v", e)
			}
		})
	}
}

func TestVerifyBatch(t *testing.T) {
	if work, err := VerifyBatch(nil); work != nil || err != nil {
		t.Fatalf("empty batch: %v %v", work, err)
	}
	work, err := VerifyBatch([][]byte{vector, nil, {}, vector})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []error{nil, ErrDecode, ErrDecode, nil} {
		if !errors.Is(work[i].Err, want) || (want == nil && work[i].Err != nil) {
			t.Fatalf("item %d: %v, want %v", i, work[i].Err, want)
		}
	}
	if work[0].Hash != work[3].Hash || work[0].PoW != 19.692307692307693 {
		t.Fatalf("work %+v", work[0])
	}
}

func TestBloom(t *testing.T) {
	bloom := TopicBloom([4]byte{0x00, 0x00, 0xff, 0x06})
	if bloom[0] != 0x01 || bloom[32] != 0x01 || bloom[63] != 0x80 {
		t.Fatalf("bloom %x", bloom)
	}
	if !BloomMatches(bloom, bloom) || BloomMatches(bloom, TopicBloom([4]byte{0x12, 0x34, 0x56, 0x78})) {
		t.Fatal("bloom matching")
	}
}

func TestSeal(t *testing.T) {
	e, err := Seal(context.Background(), SealOptions{Expiry: 1_700_003_600, TTL: 3600, Topic: [4]byte{1, 2, 3, 4},
		Data: []byte("hello"), TargetPoW: 0.002, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, work, err := Decode(e.Encoded); err != nil || work.PoW < 0.002 {
		t.Fatalf("sealed envelope: pow %v, err %v", work.PoW, err)
	}
	cases := []struct {
		name string
		opts SealOptions
		want error
	}{
		{"zero TTL", SealOptions{Expiry: 10, TTL: 0, TargetPoW: 1}, ErrInvalidArgument},
		{"no target", SealOptions{Expiry: 10, TTL: 5}, ErrInvalidArgument},
		{"negative threads", SealOptions{Expiry: 10, TTL: 5, TargetPoW: 1, Threads: -1}, ErrInvalidArgument},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Seal(context.Background(), c.opts); !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

func TestSealCancelled(t *testing.T) {
	// A target no 2 s budget reaches on one thread, a 30 s budget, cancelled after 50 ms.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Seal(ctx, SealOptions{Expiry: 1_700_003_600, TTL: 3600, Data: make([]byte, 64), TargetPoW: 1e6,
		WorkTime: 30 * time.Second, Threads: 1})
	if !errors.Is(err, ErrCancelled) {
		t.Fatalf("err = %v, want ErrCancelled", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("cancellation took %v", elapsed)
	}
	done, stop := context.WithCancel(context.Background())
	stop()
	if _, err := Seal(done, SealOptions{Expiry: 10, TTL: 5, TargetPoW: 1}); !errors.Is(err, ErrCancelled) {
		t.Fatalf("already cancelled: %v", err)
	}
}

func TestStoreRoundTrip(t *testing.T) {
	store := openStore(t)
	var batch [][]byte
	for i := 0; i < 10; i++ {
		batch = append(batch, envelope(1_700_000_100+uint32(i), 100, [4]byte{0xca, 0, 0, byte(i % 2)}, []byte{byte(i)}, 0))
	}
	results, err := store.Ingest(append(batch, []byte{0xc0}, nil))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		want := Stored
		if i >= 10 {
			want = Invalid
		}
		if r.Status != want {
			t.Fatalf("item %d: %v, want %v", i, r.Status, want)
		}
	}
	again, err := store.Ingest(batch[:1])
	if err != nil || again[0].Status != Duplicate {
		t.Fatalf("again: %v %v", again, err)
	}
	query := Query{From: 1_700_000_000, To: 1_700_000_100, Topics: [][4]byte{{0xca, 0, 0, 1}}, Limit: 2}
	var sent []uint32
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("the cursor never ends")
		}
		page, err := store.Query(query)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Entries {
			if e.Topic != [4]byte{0xca, 0, 0, 1} || len(e.Envelope) == 0 {
				t.Fatalf("entry %+v", e)
			}
			sent = append(sent, e.Sent)
		}
		if page.Next == nil {
			break
		}
		query.Cursor = page.Next
	}
	if fmt.Sprint(sent) != "[1700000001 1700000003 1700000005 1700000007 1700000009]" {
		t.Fatalf("sent %v", sent)
	}
	hashes, err := store.QueryHashes(Query{Limit: 1000})
	if err != nil || len(hashes.Entries) != 10 || hashes.Entries[0].Envelope != nil {
		t.Fatalf("hashes page: %d entries, err %v", len(hashes.Entries), err)
	}
	got, err := store.Get(results[3].Hash)
	if err != nil || string(got.Encoded) != string(batch[3]) {
		t.Fatalf("get: %v", err)
	}
	if _, err := store.Get([32]byte{1}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get absent: %v", err)
	}
	present, err := store.Presence([][32]byte{results[0].Hash, {9}})
	if err != nil || !present[0] || present[1] {
		t.Fatalf("presence %v %v", present, err)
	}
	if none, err := store.Presence(nil); none != nil || err != nil {
		t.Fatalf("presence of nothing: %v %v", none, err)
	}
	stats, err := store.Stats()
	if err != nil || stats.Envelopes != 10 || stats.Topics != 2 {
		t.Fatalf("stats %+v %v", stats, err)
	}
	report, err := store.Sweep(1_700_000_005 + 3600*24*365*10)
	if err != nil || report.Expired != 5 {
		t.Fatalf("sweep %+v %v", report, err)
	}
}

func TestBadQueries(t *testing.T) {
	store := openStore(t)
	cases := []struct {
		name  string
		query Query
	}{
		{"cursor of 35 bytes", Query{Cursor: make([]byte, 35)}},
		{"bloom of 63 bytes", Query{Bloom: make([]byte, 63)}},
		{"limit above 1000", Query{Limit: 5000}},
		{"negative limit", Query{Limit: -1}},
		{"from after to", Query{From: 10, To: 9}},
		{"1001 topics", Query{Topics: make([][4]byte, 1001)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := store.Query(c.query); !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("err = %v, want ErrInvalidArgument", err)
			}
		})
	}
}

func TestClosedStore(t *testing.T) {
	store := openStore(t)
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"Close":       store.Close,
		"Ingest":      func() error { _, err := store.Ingest([][]byte{vector}); return err },
		"IngestEmpty": func() error { _, err := store.Ingest(nil); return err },
		"Query":       func() error { _, err := store.Query(Query{}); return err },
		"QueryHashes": func() error { _, err := store.QueryHashes(Query{}); return err },
		"Get":         func() error { _, err := store.Get([32]byte{}); return err },
		"Presence":    func() error { _, err := store.Presence([][32]byte{{}}); return err },
		"Stats":       func() error { _, err := store.Stats(); return err },
		"Sweep":       func() error { _, err := store.Sweep(0); return err },
	}
	for name, f := range calls {
		if err := f(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
	if _, err := Open("", StoreOptions{}); err == nil {
		t.Error("opening an empty path succeeded")
	}
}

// TestConcurrentUse shares one store handle between 16 goroutines for a bounded time: eight
// ingest while eight query, look up and read stats; then a Close races the last calls. Run it
// with -race.
func TestConcurrentUse(t *testing.T) {
	store := openStore(t)
	const writers, readers = 8, 8
	deadline := time.Now().Add(2 * time.Second)
	var ingested, queried atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, writers+readers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				var batch [][]byte
				for j := 0; j < 8; j++ {
					batch = append(batch, envelope(1_700_000_000+uint32(i), 100, [4]byte{byte(w), 0, 0, byte(j)},
						[]byte(fmt.Sprintf("%d/%d/%d", w, i, j)), 0))
				}
				results, err := store.Ingest(batch)
				if err != nil {
					errs <- err
					return
				}
				for _, r := range results {
					if r.Status != Stored {
						errs <- fmt.Errorf("writer %d: %v", w, r.Status)
						return
					}
				}
				ingested.Add(int64(len(batch)))
			}
		}(w)
	}
	for r := 0; r < readers; r++ {
		wg.Add(1)
		go func(r int) {
			defer wg.Done()
			for time.Now().Before(deadline) {
				page, err := store.Query(Query{Topics: [][4]byte{{byte(r), 0, 0, byte(r % 8)}}, Limit: 50})
				if err != nil {
					errs <- err
					return
				}
				for _, e := range page.Entries {
					if _, _, err := Decode(e.Envelope); err != nil {
						errs <- err
						return
					}
				}
				if _, err := store.Stats(); err != nil {
					errs <- err
					return
				}
				queried.Add(1)
			}
		}(r)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	stats, err := store.Stats()
	if err != nil || int64(stats.Envelopes) != ingested.Load() {
		t.Fatalf("stats %+v (%v), ingested %d", stats, err, ingested.Load())
	}
	if ingested.Load() == 0 || queried.Load() == 0 {
		t.Fatalf("ingested %d, queried %d", ingested.Load(), queried.Load())
	}
	// Close while readers are still calling: each call either completes or returns ErrClosed.
	var late sync.WaitGroup
	for r := 0; r < readers; r++ {
		late.Add(1)
		go func() {
			defer late.Done()
			for i := 0; i < 50; i++ {
				if _, err := store.Query(Query{Limit: 10}); err != nil && !errors.Is(err, ErrClosed) {
					t.Error(err)
					return
				}
			}
		}()
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	late.Wait()
}
