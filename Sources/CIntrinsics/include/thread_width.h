#ifndef FMNIST_THREAD_WIDTH_H
#define FMNIST_THREAD_WIDTH_H

/// The calling thread's cap on the worker threads of work it starts (`CPUThreads.limited` in
/// Backend), 0 when it has none. Kept in the C library's thread-local storage (`_Thread_local`):
/// unlike a POSIX thread-specific key, no other library can reach or reuse it.
int fmnist_thread_width(void);
void fmnist_set_thread_width(int width);

#endif
