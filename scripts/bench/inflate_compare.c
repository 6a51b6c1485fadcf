/*
 * inflate_compare: zlib's inflate against Intel ISA-L's isal_inflate, both
 * streaming raw deflate the way export-collector's reader does (1 MiB of input
 * at a time, 256 KiB output buffer), over every deflate entry of the given
 * archives, read into memory first (no I/O in the timings).
 *
 * Input: lines "PATH OFFSET CSIZE USIZE CRC" on stdin (data offset of each
 * deflate entry; scripts/bench/inflate_compare.py writes them).
 * Output: MB/s of uncompressed output per engine (best of 3 rounds) and
 * whether every output matched the central directory's CRC-32 and size.
 *
 * Not part of the product. Build:
 *   cc -O2 -o inflate_compare inflate_compare.c -lz -lisal
 */
#define _GNU_SOURCE
#include <isa-l.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

typedef struct { unsigned char *data; uint64_t csize, usize; uint32_t crc; } entry_t;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define IN_CHUNK (1u << 20)
#define OUT_SIZE (256u << 10)
static unsigned char out[OUT_SIZE];

static int inflate_zlib(z_stream *zs, const entry_t *e) {
    inflateReset(zs);
    uint64_t fed = 0, produced = 0;
    uint32_t crc = 0;
    for (;;) {
        if (zs->avail_in == 0 && fed < e->csize) {
            uint64_t n = e->csize - fed < IN_CHUNK ? e->csize - fed : IN_CHUNK;
            zs->next_in = e->data + fed;
            zs->avail_in = (uInt)n;
            fed += n;
        }
        zs->next_out = out;
        zs->avail_out = OUT_SIZE;
        int status = inflate(zs, Z_NO_FLUSH);
        size_t written = OUT_SIZE - zs->avail_out;
        crc = crc32_z(crc, out, written);
        produced += written;
        if (status == Z_STREAM_END) break;
        if (status != Z_OK && status != Z_BUF_ERROR) return -1;
        if (status == Z_BUF_ERROR && zs->avail_in == 0 && fed == e->csize) return -1;
    }
    return crc == e->crc && produced == e->usize ? 0 : -1;
}

static int inflate_isal(struct inflate_state *state, const entry_t *e) {
    isal_inflate_init(state);
    state->crc_flag = ISAL_DEFLATE;  /* raw deflate, no checksum of its own */
    uint64_t fed = 0, produced = 0;
    uint32_t crc = 0;
    for (;;) {
        if (state->avail_in == 0 && fed < e->csize) {
            uint64_t n = e->csize - fed < IN_CHUNK ? e->csize - fed : IN_CHUNK;
            state->next_in = e->data + fed;
            state->avail_in = (uint32_t)n;
            fed += n;
        }
        state->next_out = out;
        state->avail_out = OUT_SIZE;
        int status = isal_inflate(state);
        size_t written = OUT_SIZE - state->avail_out;
        crc = crc32_z(crc, out, written);
        produced += written;
        if (status != ISAL_DECOMP_OK) return -1;
        if (state->block_state == ISAL_BLOCK_FINISH) break;
        if (written == 0 && state->avail_in == 0 && fed == e->csize) return -1;
    }
    return crc == e->crc && produced == e->usize ? 0 : -1;
}

int main(void) {
    entry_t *entries = NULL;
    size_t count = 0, cap = 0;
    uint64_t total_out = 0, total_in = 0;
    char path[4096];
    unsigned long long offset, csize, usize;
    unsigned long crc;
    while (scanf("%4095s %llu %llu %llu %lu", path, &offset, &csize, &usize, &crc) == 5) {
        FILE *f = fopen(path, "rb");
        if (!f) { perror(path); return 2; }
        unsigned char *data = malloc(csize ? csize : 1);
        if (fseeko(f, (off_t)offset, SEEK_SET) != 0 || fread(data, 1, csize, f) != csize) { perror(path); return 2; }
        fclose(f);
        if (count == cap) { cap = cap ? cap * 2 : 256; entries = realloc(entries, cap * sizeof *entries); }
        entries[count++] = (entry_t){data, csize, usize, (uint32_t)crc};
        total_out += usize;
        total_in += csize;
    }
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, -15) != Z_OK) return 2;
    struct inflate_state *state = malloc(sizeof *state);
    double best[2] = {1e9, 1e9};
    int bad[2] = {0, 0};
    for (int round = 0; round < 3; round++) {
        for (int engine = 0; engine < 2; engine++) {
            double start = now();
            for (size_t i = 0; i < count; i++) {
                int r = engine == 0 ? inflate_zlib(&zs, &entries[i]) : inflate_isal(state, &entries[i]);
                if (r != 0 && round == 0) bad[engine]++;
            }
            double t = now() - start;
            if (t < best[engine]) best[engine] = t;
        }
    }
    printf("%zu deflate entries, %.1f MB compressed, %.1f MB uncompressed\n", count, total_in / 1e6, total_out / 1e6);
    printf("zlib %s: %.3f s, %.0f MB/s out; mismatches %d\n", zlibVersion(), best[0], total_out / 1e6 / best[0], bad[0]);
    printf("isa-l: %.3f s, %.0f MB/s out; mismatches %d\n", best[1], total_out / 1e6 / best[1], bad[1]);
    printf("isa-l / zlib speed: %.2fx\n", best[0] / best[1]);
    return bad[0] || bad[1];
}
