/* sha256.h — the benchmark's SHA-256 (see sha256.c). */
#ifndef WEIR_BENCH_SHA256_H
#define WEIR_BENCH_SHA256_H
#include <stdint.h>
void bench_sha256(const uint8_t *data, uint32_t len, uint8_t out[32]);
#endif
