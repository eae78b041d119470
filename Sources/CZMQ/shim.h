// libzmq's C API. Constants are plain #defines of integers, which Swift imports directly;
// errno needs a shim because Swift cannot read the thread-local macro.
#include <zmq.h>
#include <errno.h>

static inline int colad_errno(void) { return errno; }
static inline int colad_eagain(void) { return EAGAIN; }
static inline int colad_eintr(void) { return EINTR; }
