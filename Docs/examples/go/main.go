package main

import (
	"fmt"
	"log"
	"os"
)

// The public go-ethereum vector: TTL 1, expiry 0, topic 00000000, data deadbeef, nonce 276.
var vector = []byte{0xcf, 0x80, 0x01, 0x84, 0, 0, 0, 0, 0x84, 0xde, 0xad, 0xbe, 0xef, 0x82, 0x01, 0x14}

func main() {
	work, err := VerifyBatch([][]byte{vector, {0xc0}})
	if err != nil {
		log.Fatal(err)
	}
	for i, w := range work {
		if !w.Valid {
			fmt.Printf("envelope %d: %v\n", i, errNotEnvelope)
			continue
		}
		fmt.Printf("envelope %d: pow %.17g hash %x\n", i, w.PoW, w.Hash)
	}

	dir, err := os.MkdirTemp("", "mailvault-go-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	store, err := OpenStore(dir, 30*24*3600)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	stored, err := store.Ingest([][]byte{vector})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("stored:", stored)
	var cursor []byte
	for pageNumber := 1; ; pageNumber++ {
		page, err := store.Query(0, ^uint32(0), 100, cursor)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("page %d: %d envelopes\n", pageNumber, len(page.Envelopes))
		if page.Next == nil {
			break
		}
		cursor = page.Next
	}
}
