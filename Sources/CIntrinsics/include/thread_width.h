#ifndef FMNIST_THREAD_WIDTH_H
#define FMNIST_THREAD_WIDTH_H

/// The calling thread's cap on the worker threads of work it starts (`CPUThreads.limited` in
/// Backend), 0 when it has none. Kept in C thread-local storage (`_Thread_local`), which no
/// other library can reach or reuse.
int fmnist_thread_width(void);
void fmnist_set_thread_width(int width);

#endif
