// Links against the installed library and uses its public API: parse a model file given on the
// command line and print its architecture and tensor count.
#include <cstdio>

#include "shoptalk/shoptalk.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer MODEL.gguf\n");
    return 2;
  }
  auto summary = shoptalk::inspect_file(argv[1]);
  if (!summary) {
    std::fprintf(stderr, "consumer: %s (%s)\n", summary.error().message().c_str(),
                 shoptalk::error_code_name(summary.error().code()));
    return 1;
  }
  std::printf("architecture=%s tensors=%zu\n", summary->architecture.c_str(),
              summary->tensors.size());
  return 0;
}
