#ifndef FMNIST_PREFETCH_H
#define FMNIST_PREFETCH_H
/* Asks the CPU to start loading the `bytes` bytes at `address` into cache (a hint: no fault, no
   effect on results), one request per 64-byte line. */
static inline void fmnist_prefetch(const void *address, long bytes) {
    const char *p = (const char *)address;
    for (long offset = 0; offset < bytes; offset += 64) __builtin_prefetch(p + offset);
}
#endif
