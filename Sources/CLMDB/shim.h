#include <lmdb.h>

/// Asks the CPU to start loading the cache line at `address` (a hint; never faults). A page
/// prefetches every record it will read before reading the first, so that their cache and TLB
/// misses overlap instead of queueing one after another.
static inline void mailvault_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}
