#ifndef EXPORT_COLLECTOR_CZLIB_SHIM_H
#define EXPORT_COLLECTOR_CZLIB_SHIM_H

#include <zlib.h>

/// `inflateInit2` is a function-like macro (it passes ZLIB_VERSION and the
/// struct size), so Swift cannot call it; this typed wrapper can be.
/// Pass a negative `windowBits` for raw deflate as stored in ZIP entries.
static inline int ec_inflateInit2(z_streamp _Nonnull strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}

/// `deflateInit2` likewise; tests use it to build deflate streams.
static inline int ec_deflateInit2(z_streamp _Nonnull strm, int level, int windowBits) {
    return deflateInit2(strm, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}

#endif
