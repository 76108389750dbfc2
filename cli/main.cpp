#include <exception>
#include <iostream>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "cli/command.hpp"

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // A parsed request body is many small blocks, all freed once it is answered. By default glibc hands a freed heap top
  // over 128 KB back to the kernel and serves blocks over 128 KB by mmap, so each 1 MB body faulted its several MB of
  // tree in afresh: most of the time from bytes to verdict (docs/schema.md#speed). Freed memory up to these
  // bounds is kept for the next body instead; the peak resident size is the same.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
  try {
    return apigw::cli::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "apigw: internal error: " << e.what() << "\n";
    return apigw::cli::k_exit_bad_input;
  }
}
