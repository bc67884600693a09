#!/usr/bin/env python3
"""Writes Sources/CKeccakKernels/KeccakKernels.c: keccak-f[1600] on 4 (AVX2) and 8 (AVX-512)
independent states at once, fully unrolled within a round so that every rotation count is an
immediate (intrinsics require constants, even at -O0).

States are lane-interleaved: word i (i = x + 5y) of state j lives at s[i * LANES + j], so one
vector load brings word i of every state.

Run from the repository root: python3 Scripts/kernels/generate_keccak_kernels.py
"""
from pathlib import Path

# Rotation offsets r[x + 5y] and round constants (FIPS 202, sections 3.2.2 and 3.2.5).
ROT = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14]
RC = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]


def pi_targets():
    """b[y + 5 * ((2x + 3y) % 5)] = rot(a[x + 5y] ^ d[x], ROT[x + 5y])"""
    out = {}
    for x in range(5):
        for y in range(5):
            out[y + 5 * ((2 * x + 3 * y) % 5)] = (x + 5 * y, x)
    return out


def kernel(name, target, vec, lanes, ops, absorb=False):
    """The permutation; with absorb=True, a loop that XORs each 136-byte block of `data` into the
    state (held in registers throughout) and permutes, as a sponge absorbs whole blocks."""
    load, store, xor, rol, xor5, chi, bcast = ops
    signature = "uint64_t *s, const uint8_t *data, size_t blocks" if absorb else "uint64_t *s"
    lines = [f'__attribute__((target("{target}")))',
             f"static void {name}({signature}) {{"]
    lines += [f"    {vec} a{i} = {load(f's + {i * lanes}')};" for i in range(25)]
    indent = "    "
    if absorb:
        lines.append("    for (; blocks > 0; blocks--, data += 136) {")
        lines += [f"        a{i} = {xor(f'a{i}', load(f'(const uint64_t *)(const void *)(data + {8 * i})'))};" for i in range(17)]
        indent = "        "
    lines.append(indent + "for (int round = 0; round < 24; round++) {")
    start = len(lines)
    for x in range(5):
        lines.append(f"        {vec} c{x} = {xor5(*[f'a{x + 5 * y}' for y in range(5)])};")
    for x in range(5):
        lines.append(f"        {vec} d{x} = {xor(f'c{(x + 4) % 5}', rol(f'c{(x + 1) % 5}', 1))};")
    for j, (i, x) in sorted(pi_targets().items()):
        lines.append(f"        {vec} b{j} = {rol(xor(f'a{i}', f'd{x}'), ROT[i])};")
    for y in range(5):
        for x in range(5):
            b = lambda k: f"b{(k % 5) + 5 * y}"
            lines.append(f"        a{x + 5 * y} = {chi(b(x), b(x + 1), b(x + 2))};")
    lines.append(f"        a0 = {xor('a0', bcast('(long long)mv_round_constants[round]'))};")
    lines.append("    }")
    if absorb:
        lines[start:] = ["    " + line for line in lines[start:]]
        lines.append("    }")
    lines += [f"    {store(f's + {i * lanes}', f'a{i}')};" for i in range(25)]
    lines.append("}")
    return "\n".join(lines)


def avx2_rol(v, n):
    return v if n == 0 else f"_mm256_or_si256(_mm256_slli_epi64({v}, {n}), _mm256_srli_epi64({v}, {64 - n}))"


avx2 = (
    lambda p: f"_mm256_loadu_si256((const __m256i *)({p}))",
    lambda p, v: f"_mm256_storeu_si256((__m256i *)({p}), {v})",
    lambda p, q: f"_mm256_xor_si256({p}, {q})",
    avx2_rol,
    lambda *v: "_mm256_xor_si256(_mm256_xor_si256(_mm256_xor_si256({}, {}), _mm256_xor_si256({}, {})), {})".format(*v),
    lambda p, q, r: f"_mm256_xor_si256({p}, _mm256_andnot_si256({q}, {r}))",
    lambda c: f"_mm256_set1_epi64x({c})",
)

avx512 = (
    lambda p: f"_mm512_loadu_si512((const void *)({p}))",
    lambda p, v: f"_mm512_storeu_si512((void *)({p}), {v})",
    lambda p, q: f"_mm512_xor_si512({p}, {q})",
    lambda v, n: v if n == 0 else f"_mm512_rol_epi64({v}, {n})",
    # 0x96 is the truth table of a three-way XOR; 0xD2 of p ^ (~q & r) (chi).
    lambda *v: "_mm512_ternarylogic_epi64(_mm512_ternarylogic_epi64({}, {}, {}, 0x96), {}, {}, 0x96)".format(*v),
    lambda p, q, r: f"_mm512_ternarylogic_epi64({p}, {q}, {r}, 0xD2)",
    lambda c: f"_mm512_set1_epi64({c})",
)

# One state in the low half of 128-bit registers: AVX-512VL gives the same one-instruction
# rotates and ternary logic on xmm registers, and 32 of them hold the whole state without spills.
# This is the single-stream permutation behind Keccak256 on CPUs that have it.
avx512vl_single = (
    lambda p: f"_mm_loadl_epi64((const __m128i *)({p}))",
    lambda p, v: f"_mm_storel_epi64((__m128i *)({p}), {v})",
    lambda p, q: f"_mm_xor_si128({p}, {q})",
    lambda v, n: v if n == 0 else f"_mm_rol_epi64({v}, {n})",
    lambda *v: "_mm_ternarylogic_epi64(_mm_ternarylogic_epi64({}, {}, {}, 0x96), {}, {}, 0x96)".format(*v),
    lambda p, q, r: f"_mm_ternarylogic_epi64({p}, {q}, {r}, 0xD2)",
    lambda c: f"_mm_set1_epi64x({c})",
)

HEADER = """// Generated by Scripts/kernels/generate_keccak_kernels.py; edit the generator, not this file.
//
// keccak-f[1600] on several independent states in SIMD lanes, chosen at run time by CPU features.
// Compiled for every x86-64 CPU: the vector code sits in functions with a target attribute and is
// only called after __builtin_cpu_supports says the CPU (and OS) can run it.
#include "CKeccakKernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define MV_X86 1

static const uint64_t mv_round_constants[24] = {
""" + "\n".join("    " + ", ".join(f"0x{c:016X}ULL" for c in RC[i:i + 4]) + "," for i in range(0, 24, 4)) + """
};
"""

FOOTER = """
#endif

int mv_keccak_kernel_available(int lanes) {
#if MV_X86
    __builtin_cpu_init();
    switch (lanes) {
    case 4: return __builtin_cpu_supports("avx2");
    case 8: return __builtin_cpu_supports("avx512f");
    case 1: return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
    default: return 0;
    }
#else
    (void)lanes;
    return 0;
#endif
}

void mv_keccak_f1600_x1(uint64_t *state) {
#if MV_X86
    mv_keccak_f1600_x1_avx512vl(state);
#else
    (void)state;
#endif
}

void mv_keccak_absorb_x1(uint64_t *state, const uint8_t *data, size_t blocks) {
#if MV_X86
    mv_keccak_absorb_x1_avx512vl(state, data, blocks);
#else
    (void)state; (void)data; (void)blocks;
#endif
}

void mv_keccak_f1600_x4(uint64_t *states) {
#if MV_X86
    mv_keccak_f1600_x4_avx2(states);
#else
    (void)states;
#endif
}

void mv_keccak_f1600_x8(uint64_t *states) {
#if MV_X86
    mv_keccak_f1600_x8_avx512(states);
#else
    (void)states;
#endif
}
"""

source = HEADER + "\n" + kernel("mv_keccak_f1600_x1_avx512vl", "avx512f,avx512vl", "__m128i", 1, avx512vl_single) + "\n\n" \
    + kernel("mv_keccak_absorb_x1_avx512vl", "avx512f,avx512vl", "__m128i", 1, avx512vl_single, absorb=True) + "\n\n" + kernel("mv_keccak_f1600_x4_avx2", "avx2", "__m256i", 4, avx2) + "\n\n" \
    + kernel("mv_keccak_f1600_x8_avx512", "avx512f", "__m512i", 8, avx512) + "\n" + FOOTER
Path("Sources/CKeccakKernels/KeccakKernels.c").write_text(source)
