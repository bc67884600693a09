#ifndef MAILVAULT_CKECCAKKERNELS_H
#define MAILVAULT_CKECCAKKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU can run the kernel with `lanes` lanes (1: AVX-512VL single state, 4: AVX2,
/// 8: AVX-512F), else 0.
int mv_keccak_kernel_available(int lanes);

/// keccak-f[1600] on one state (25 words) held in AVX-512VL registers.
/// Call only when mv_keccak_kernel_available(1) is 1.
void mv_keccak_f1600_x1(uint64_t *state);

/// Absorbs `blocks` whole 136-byte blocks of `data` into one state (XOR, then permute, per
/// block), keeping the state in AVX-512VL registers. Call only when mv_keccak_kernel_available(1) is 1.
void mv_keccak_absorb_x1(uint64_t *state, const uint8_t *data, size_t blocks);

/// keccak-f[1600] on 4 lane-interleaved states (word i of state j at states[i * 4 + j]).
/// Call only when mv_keccak_kernel_available(4) is 1.
void mv_keccak_f1600_x4(uint64_t *states);

/// keccak-f[1600] on 8 lane-interleaved states (word i of state j at states[i * 8 + j]).
/// Call only when mv_keccak_kernel_available(8) is 1.
void mv_keccak_f1600_x8(uint64_t *states);

#endif
