/*
 * zipbench: the "practical limit" baseline for export-collector's benchmark.
 *
 * Reads a ZIP archive the way a careful verifier would: finds the end of
 * central directory (ZIP64 locator/record included), walks the central
 * directory (ZIP64 extra fields included), then for every entry, in
 * local-header offset order, reads the local header and the entry's data,
 * inflates it with zlib (raw deflate, one z_stream reused with inflateReset),
 * computes crc32_z and, with -s, SHA-256 (OpenSSL EVP) of the uncompressed
 * bytes. Stored entries are only CRC'd (+SHA). Each CRC and uncompressed size
 * is checked against the central directory; any mismatch, unsupported method
 * or encrypted entry makes the exit status non-zero.
 *
 * Not part of the product. Build:
 *   cc -O2 -o zipbench zipbench.c -lz -lcrypto
 * Usage: zipbench [-s] [-v] FILE...
 */
#define _FILE_OFFSET_BITS 64
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <openssl/evp.h>

#define IN_SIZE (1u << 20)   /* 1 MiB input buffer */
#define OUT_SIZE (256u << 10) /* 256 KiB output buffer */

typedef struct {
    uint64_t csize, usize, lho;
    uint32_t crc;
    uint16_t method, flags;
    uint32_t idx;
} entry_t;

static int verbose;
static int do_sha;

static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const unsigned char *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

static int read_at(int fd, void *buf, size_t len, uint64_t off) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (n == 0) return -1; /* short file */
        done += (size_t)n;
    }
    return 0;
}

static int cmp_lho(const void *a, const void *b) {
    const entry_t *x = a, *y = b;
    return x->lho < y->lho ? -1 : x->lho > y->lho;
}

static void hex(const unsigned char *d, unsigned n, char *out) {
    static const char h[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = h[d[i] >> 4];
        out[2 * i + 1] = h[d[i] & 15];
    }
    out[2 * n] = 0;
}

#define FAIL(...) do { fprintf(stderr, "zipbench: %s: ", path); fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); goto out; } while (0)

static int process(const char *path, unsigned char *inbuf, unsigned char *outbuf,
                   z_stream *zs, EVP_MD_CTX *md, const EVP_MD *sha256) {
    int rc = 1;
    entry_t *ents = NULL;
    unsigned char *cd = NULL;
    int fd = open(path, O_RDONLY);
    if (fd < 0) { fprintf(stderr, "zipbench: %s: %s\n", path, strerror(errno)); return 1; }
    struct stat st;
    if (fstat(fd, &st) != 0) FAIL("stat: %s", strerror(errno));
    uint64_t fsize = (uint64_t)st.st_size;
    if (fsize < 22) FAIL("too small to be a zip");

    /* --- End of central directory: scan the last 64 KiB + 22 bytes. */
    size_t tail_len = fsize < 65557 + 20 ? (size_t)fsize : 65557 + 20;
    uint64_t tail_off = fsize - tail_len;
    if (read_at(fd, inbuf, tail_len, tail_off) != 0) FAIL("read tail");
    long eocd = -1;
    for (long i = (long)tail_len - 22; i >= 0; i--) {
        if (le32(inbuf + i) == 0x06054b50 &&
            (uint64_t)i + 22 + le16(inbuf + i + 20) <= tail_len) { eocd = i; break; }
    }
    if (eocd < 0) FAIL("no end of central directory record");
    const unsigned char *e = inbuf + eocd;
    uint64_t eocd_pos = tail_off + (uint64_t)eocd;
    uint16_t disk = le16(e + 4), cd_disk = le16(e + 6);
    uint64_t n_entries = le16(e + 10), cd_size = le32(e + 12), cd_off = le32(e + 16);
    uint64_t cd_end_pos = eocd_pos; /* where the central directory should end */

    if (eocd >= 20 && le32(e - 20) == 0x07064b50) {
        /* ZIP64 end of central directory locator. */
        uint64_t z64_off = le64(e - 20 + 8);
        unsigned char r[56];
        if (z64_off + 56 > eocd_pos - 20 || read_at(fd, r, 56, z64_off) != 0 ||
            le32(r) != 0x06064b50) {
            /* Possibly prefixed archive: try the record right before the locator. */
            uint64_t guess = eocd_pos - 20 - 56;
            if (eocd_pos < 76 || read_at(fd, r, 56, guess) != 0 || le32(r) != 0x06064b50)
                FAIL("bad zip64 end of central directory record");
            z64_off = guess;
        }
        disk = (uint16_t)le32(r + 16);
        cd_disk = (uint16_t)le32(r + 20);
        n_entries = le64(r + 32);
        cd_size = le64(r + 40);
        cd_off = le64(r + 48);
        cd_end_pos = z64_off;
    } else if (n_entries == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_off == 0xFFFFFFFFu) {
        FAIL("zip64 markers without zip64 locator");
    }
    if (disk != 0 || cd_disk != 0) FAIL("multi-disk archives are not supported");
    if (cd_size > cd_end_pos) FAIL("central directory size out of range");
    /* Data prepended to the archive (self-extractors): shift all offsets. */
    uint64_t cd_pos = cd_end_pos - cd_size;
    if (cd_pos < cd_off) FAIL("central directory offset out of range");
    uint64_t base = cd_pos - cd_off;
    if (n_entries > cd_size / 46 + 1) FAIL("entry count %" PRIu64 " too large for central directory", n_entries);

    cd = malloc(cd_size ? cd_size : 1);
    ents = calloc(n_entries ? n_entries : 1, sizeof *ents);
    if (!cd || !ents) FAIL("out of memory");
    if (read_at(fd, cd, cd_size, cd_pos) != 0) FAIL("read central directory");

    /* --- Walk the central directory. */
    uint64_t p = 0;
    for (uint64_t i = 0; i < n_entries; i++) {
        if (p + 46 > cd_size || le32(cd + p) != 0x02014b50) FAIL("bad central header #%" PRIu64, i);
        const unsigned char *c = cd + p;
        entry_t *en = &ents[i];
        en->idx = (uint32_t)i;
        en->flags = le16(c + 8);
        en->method = le16(c + 10);
        en->crc = le32(c + 16);
        en->csize = le32(c + 20);
        en->usize = le32(c + 24);
        uint16_t nlen = le16(c + 28), xlen = le16(c + 30), clen = le16(c + 32);
        uint16_t edisk = le16(c + 34);
        en->lho = le32(c + 42);
        if (p + 46 + nlen + xlen + clen > cd_size) FAIL("central header #%" PRIu64 " overruns", i);
        int need_u = en->usize == 0xFFFFFFFFu, need_c = en->csize == 0xFFFFFFFFu;
        int need_o = en->lho == 0xFFFFFFFFu, need_d = edisk == 0xFFFF;
        const unsigned char *x = c + 46 + nlen, *xe = x + xlen;
        while (x + 4 <= xe) {
            uint16_t id = le16(x), sz = le16(x + 2);
            const unsigned char *d = x + 4, *de = d + sz;
            if (de > xe) break;
            if (id == 0x0001) {
                if (need_u) { if (d + 8 > de) FAIL("short zip64 extra"); en->usize = le64(d); d += 8; }
                if (need_c) { if (d + 8 > de) FAIL("short zip64 extra"); en->csize = le64(d); d += 8; }
                if (need_o) { if (d + 8 > de) FAIL("short zip64 extra"); en->lho = le64(d); d += 8; }
                if (need_d) { if (d + 4 > de) FAIL("short zip64 extra"); edisk = (uint16_t)le32(d); d += 4; }
                need_u = need_c = need_o = need_d = 0;
            }
            x = de;
        }
        if (need_u || need_c || need_o) FAIL("entry #%" PRIu64 " needs a zip64 extra field", i);
        if (edisk != 0) FAIL("entry #%" PRIu64 " on another disk", i);
        en->lho += base;
        p += 46 + (uint64_t)nlen + xlen + clen;
    }

    /* Offset order: sequential reads. */
    qsort(ents, n_entries, sizeof *ents, cmp_lho);

    uint64_t total_u = 0, total_c = 0;
    for (uint64_t i = 0; i < n_entries; i++) {
        entry_t *en = &ents[i];
        unsigned char lh[30];
        if (read_at(fd, lh, 30, en->lho) != 0 || le32(lh) != 0x04034b50)
            FAIL("bad local header for entry #%u", en->idx);
        uint64_t data = en->lho + 30 + le16(lh + 26) + le16(lh + 28);
        if (data > cd_pos || en->csize > cd_pos - data)
            FAIL("entry #%u data overruns the central directory", en->idx);
        if (en->flags & 1) FAIL("entry #%u is encrypted", en->idx);
        if (en->method != 0 && en->method != 8)
            FAIL("entry #%u: unsupported method %u", en->idx, en->method);
        if (en->method == 0 && en->csize != en->usize)
            FAIL("entry #%u: stored with csize != usize", en->idx);

        uLong crc = crc32_z(0, Z_NULL, 0);
        if (do_sha && EVP_DigestInit_ex(md, sha256, NULL) != 1) FAIL("EVP_DigestInit_ex");
        uint64_t left = en->csize, off = data, produced = 0;
        if (en->method == 0) {
            while (left) {
                size_t n = left < IN_SIZE ? (size_t)left : IN_SIZE;
                if (read_at(fd, inbuf, n, off) != 0) FAIL("read entry #%u", en->idx);
                crc = crc32_z(crc, inbuf, n);
                if (do_sha) EVP_DigestUpdate(md, inbuf, n);
                left -= n; off += n; produced += n;
            }
        } else {
            if (inflateReset(zs) != Z_OK) FAIL("inflateReset");
            int zr = Z_OK;
            while (zr != Z_STREAM_END) {
                if (zs->avail_in == 0 && left) {
                    size_t n = left < IN_SIZE ? (size_t)left : IN_SIZE;
                    if (read_at(fd, inbuf, n, off) != 0) FAIL("read entry #%u", en->idx);
                    zs->next_in = inbuf;
                    zs->avail_in = (uInt)n;
                    left -= n; off += n;
                }
                zs->next_out = outbuf;
                zs->avail_out = OUT_SIZE;
                zr = inflate(zs, Z_NO_FLUSH);
                if (zr == Z_BUF_ERROR) {
                    /* No progress possible: out of input. */
                    if (zs->avail_in == 0 && !left) FAIL("entry #%u: deflate stream truncated", en->idx);
                } else if (zr != Z_OK && zr != Z_STREAM_END) {
                    FAIL("entry #%u: inflate: %s", en->idx, zs->msg ? zs->msg : "error");
                }
                size_t got = OUT_SIZE - zs->avail_out;
                if (got) {
                    crc = crc32_z(crc, outbuf, got);
                    if (do_sha) EVP_DigestUpdate(md, outbuf, got);
                    produced += got;
                }
            }
            zs->avail_in = 0; /* ignore anything after the stream end */
        }
        if (produced != en->usize)
            FAIL("entry #%u: size %" PRIu64 " != central directory %" PRIu64, en->idx, produced, en->usize);
        if ((uint32_t)crc != en->crc)
            FAIL("entry #%u: CRC %08lx != central directory %08x", en->idx, (unsigned long)crc, en->crc);
        if (do_sha) {
            unsigned char dig[32];
            unsigned dl = 0;
            char hx[65];
            EVP_DigestFinal_ex(md, dig, &dl);
            if (verbose > 1) { hex(dig, 32, hx); printf("%s  #%u\n", hx, en->idx); }
        }
        total_u += produced;
        total_c += en->csize;
    }
    if (verbose)
        printf("%s: %" PRIu64 " entries, %" PRIu64 " bytes uncompressed, %" PRIu64 " compressed: OK\n",
               path, n_entries, total_u, total_c);
    rc = 0;
out:
    free(cd);
    free(ents);
    close(fd);
    return rc;
}

int main(int argc, char **argv) {
    int opt;
    while ((opt = getopt(argc, argv, "sv")) != -1) {
        if (opt == 's') do_sha = 1;
        else if (opt == 'v') verbose++;
        else { fprintf(stderr, "usage: zipbench [-s] [-v] FILE...\n"); return 2; }
    }
    if (optind >= argc) { fprintf(stderr, "usage: zipbench [-s] [-v] FILE...\n"); return 2; }
    unsigned char *inbuf = malloc(IN_SIZE + 65557 + 20), *outbuf = malloc(OUT_SIZE);
    if (!inbuf || !outbuf) return 1;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, -15) != Z_OK) return 1;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    const EVP_MD *sha256 = EVP_sha256();
    int failed = 0;
    for (int i = optind; i < argc; i++)
        failed |= process(argv[i], inbuf, outbuf, &zs, md, sha256);
    inflateEnd(&zs);
    EVP_MD_CTX_free(md);
    free(inbuf);
    free(outbuf);
    return failed ? 1 : 0;
}
