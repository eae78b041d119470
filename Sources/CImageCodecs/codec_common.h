/* codec_common.h — private helpers shared by the PNG and JPEG wrappers. */
#ifndef COLAD_CODEC_COMMON_H
#define COLAD_CODEC_COMMON_H

#include <stdarg.h>
#include <stdio.h>

/* Writes a formatted message into err (if err is non-NULL) and returns code. */
static inline int colad_fail(char *err, size_t errlen, int code, const char *fmt, ...) {
    if (err != NULL && errlen > 0) {
        va_list args;
        va_start(args, fmt);
        vsnprintf(err, errlen, fmt, args);
        va_end(args);
    }
    return code;
}

/* True when width x height is positive and at most COLAD_CODEC_MAX_PIXELS. */
static inline int colad_dims_ok(long long width, long long height) {
    return width > 0 && height > 0 && width * height <= (long long)COLAD_CODEC_MAX_PIXELS;
}

#endif /* COLAD_CODEC_COMMON_H */
