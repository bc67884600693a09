// Command example runs Mailvault's C API from Go, step for step as Docs/examples/c/example.c
// does, and prints the same lines: decode and verify go-ethereum's public vector, blooms, seal
// ten envelopes, then store, query page by page, look up, sweep and close, CYCLES times.
//
// Build from the repository root (Docs/CAPI.md has the static link too):
//
//	swift build -c release --product MailvaultC
//	cd Docs/examples/go
//	CGO_CFLAGS="-I$PWD/../../../Sources/MailvaultC/include" \
//	CGO_LDFLAGS="-L$PWD/../../../.build/release -lMailvaultC -Wl,-rpath,$PWD/../../../.build/release" \
//	go run ./cmd/example [CYCLES]
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strconv"

	"example.com/mailvault/mailvault"
)

// The public go-ethereum vector: TTL 1, expiry 0, topic 00000000, data deadbeef, nonce 276.
var vector = []byte{0xcf, 0x80, 0x01, 0x84, 0, 0, 0, 0, 0x84, 0xde, 0xad, 0xbe, 0xef, 0x82, 0x01, 0x14}

// The same with the nonce written with a leading zero byte: not canonical, must not decode.
var nonCanonical = []byte{0xd0, 0x80, 0x01, 0x84, 0, 0, 0, 0, 0x84, 0xde, 0xad, 0xbe, 0xef, 0x83, 0x00, 0x01, 0x14}

const (
	envelopes = 10
	sentBase  = 1_700_000_000
)

func status(err error) string {
	var e *mailvault.Error
	if errors.As(err, &e) {
		return mailvault.StatusName(e.Code)
	}
	return "MV_OK"
}

func decodeAndVerify() {
	envelope, work, err := mailvault.Decode(vector)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("decode: expiry=%d ttl=%d nonce=%d data_length=%d pow=%.17g\n", envelope.Expiry, envelope.TTL,
		envelope.Nonce, len(envelope.Data), work.PoW)
	fmt.Printf("decode: pow_hash=%x\n", work.PoWHash)
	_, _, err = mailvault.Decode(nonCanonical)
	fmt.Printf("decode non-canonical: %s\n", status(err))

	results, err := mailvault.VerifyBatch([][]byte{vector, nonCanonical, vector})
	if err != nil {
		log.Fatal(err)
	}
	for i, w := range results {
		pow := w.PoW
		if w.Err != nil {
			pow = 0
		}
		fmt.Printf("verify[%d]: %s pow=%.17g\n", i, status(w.Err), pow)
	}

	bloom := mailvault.TopicBloom([4]byte{0x00, 0x00, 0xff, 0x06})
	fmt.Printf("bloom: byte0=%02x byte32=%02x byte63=%02x\n", bloom[0], bloom[32], bloom[63])
	sample := mailvault.TopicBloom([4]byte{0x12, 0x34, 0x56, 0x78})
	match := 0
	if mailvault.BloomMatches(bloom, sample) {
		match = 1
	}
	fmt.Printf("bloom: own topic filter matches another topic: %d\n", match)
}

// sealBatch seals ten small envelopes on two topics (one thread: deterministic nonces).
func sealBatch() [][]byte {
	sealed := make([][]byte, envelopes)
	for i := range sealed {
		payload := make([]byte, 16)
		for j := range payload {
			payload[j] = byte(i*31 + j)
		}
		envelope, err := mailvault.Seal(context.Background(), mailvault.SealOptions{
			Expiry: sentBase + uint32(i) + 3600, TTL: 3600, Topic: [4]byte{0xca, 0, 0, byte(i % 2)},
			Data: payload, TargetPoW: 0.002, Threads: 1,
		})
		if err != nil {
			log.Fatal(err)
		}
		sealed[i] = envelope.Encoded
	}
	return sealed
}

func storeCycle(sealed [][]byte, verbose bool) {
	directory, err := os.MkdirTemp("", "mailvault-go-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(directory)
	level := 3
	store, err := mailvault.Open(directory, mailvault.StoreOptions{
		MaxAge: 7 * 24 * 3600, CompressionLevel: &level, InitialMapBytes: 8 << 20,
	})
	if err != nil {
		log.Fatal(err)
	}
	results, err := store.Ingest(sealed)
	if err != nil {
		log.Fatal(err)
	}
	stored := 0
	for _, r := range results {
		if r.Status == mailvault.Stored {
			stored++
		}
	}
	again, err := store.Ingest(sealed[:2])
	if err != nil {
		log.Fatal(err)
	}
	if verbose {
		fmt.Printf("ingest: stored=%d again: %d %d (1 = duplicate)\n", stored, again[0].Status, again[1].Status)
	}

	// Topic ca000001 only (5 envelopes), 3 per page: two pages.
	query := mailvault.Query{From: sentBase, To: sentBase + 100, Topics: [][4]byte{{0xca, 0, 0, 1}}, Limit: 3}
	for page := 1; page <= 2; page++ {
		answer, err := store.Query(query)
		if err != nil {
			log.Fatal(err)
		}
		if verbose {
			fmt.Printf("page %d: %d envelopes\n", page, len(answer.Entries))
		}
		for _, entry := range answer.Entries {
			envelope, _, err := mailvault.Decode(entry.Envelope)
			if err != nil {
				log.Fatal(err)
			}
			if verbose {
				fmt.Printf("  sent=%d topic=%x bytes=%d\n", entry.Sent, envelope.Topic, len(entry.Envelope))
			}
		}
		more := 0
		if answer.Next != nil {
			more = 1
		}
		if verbose {
			fmt.Printf("page %d: more=%d\n", page, more)
		}
		query.Cursor = answer.Next
	}

	_, work, err := mailvault.Decode(sealed[0])
	if err != nil {
		log.Fatal(err)
	}
	if _, err := store.Get(work.Hash); err != nil {
		log.Fatal(err)
	}
	var absent [32]byte
	for i := range absent {
		absent[i] = 0xab
	}
	present, err := store.Presence([][32]byte{work.Hash, absent})
	if err != nil {
		log.Fatal(err)
	}
	stats, err := store.Stats()
	if err != nil {
		log.Fatal(err)
	}
	report, err := store.Sweep(sentBase + 7*24*3600 + 5)
	if err != nil {
		log.Fatal(err)
	}
	if verbose {
		fmt.Printf("lookup: found, presence=%d%d\n", bit(present[0]), bit(present[1]))
		fmt.Printf("stats: envelopes=%d topics=%d\n", stats.Envelopes, stats.Topics)
		fmt.Printf("sweep: expired=%d\n", report.Expired)
	}
	if err := store.Close(); err != nil {
		log.Fatal(err)
	}
	err = store.Close()
	if verbose {
		fmt.Printf("close again: %s\n", status(err))
	}
}

func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}

func main() {
	cycles := 1
	if len(os.Args) > 1 {
		n, err := strconv.Atoi(os.Args[1])
		if err != nil || n < 0 {
			fmt.Fprintf(os.Stderr, "example: CYCLES must be a whole number, got %q\n", os.Args[1])
			os.Exit(2)
		}
		cycles = n
	}
	major, minor := mailvault.APIVersion()
	if headerMajor, _ := mailvault.HeaderAPIVersion(); major != headerMajor {
		fmt.Fprintf(os.Stderr, "library API %d.%d, header %d\n", major, minor, headerMajor)
		os.Exit(1)
	}
	fmt.Printf("mailvault %s (API %d.%d)\n", mailvault.Version(), major, minor)
	decodeAndVerify()
	sealed := sealBatch()
	for cycle := 0; cycle < cycles; cycle++ {
		storeCycle(sealed, cycle == 0)
	}
	fmt.Printf("cycles: %d\n", cycles)
}
