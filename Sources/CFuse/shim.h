#ifndef SCORPIO_CFUSE_SHIM_H
#define SCORPIO_CFUSE_SHIM_H
// libfuse picks its API by FUSE_USE_VERSION; 3.12+ selects the versioned multi-threaded loop.
#define FUSE_USE_VERSION 314
#include <fuse3/fuse_lowlevel.h>
#endif
