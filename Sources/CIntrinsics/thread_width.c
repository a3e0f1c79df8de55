#include "thread_width.h"

static _Thread_local int width = 0;

int fmnist_thread_width(void) { return width; }

void fmnist_set_thread_width(int new_width) { width = new_width; }
