// Out of memory in practice: a child process (fork) gets an address-space limit (RLIMIT_AS, no
// cgroup needed) just below what the memory plan says a synthetic Qwen3-0.6B Q4_0 with a
// 2,048-token Q4_0 KV cache (the 512 MB tier) needs, and must be refused cleanly with
// kOutOfMemory: no crash, no abort, no exception. With room for the plan, the file's mapping and
// the rest of the process (the tokenizer, the libraries) it loads and runs. Tagged hidden: ctest
// runs it in a process of its own (api_memory_limit), which has no other threads when it forks.
// Skipped under AddressSanitizer, whose shadow memory reserves terabytes of address space so that
// any limit is meaningless; and where the limit is not enforced (qemu-user ignores RLIMIT_AS so as
// not to limit itself), which the child checks before loading.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "api_helpers.h"

#if defined(__SANITIZE_ADDRESS__)
#define SHOPTALK_RLIMIT_AS_MEANINGFUL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || \
    __has_feature(thread_sanitizer)
#define SHOPTALK_RLIMIT_AS_MEANINGFUL 0
#endif
#elif defined(__SANITIZE_THREAD__)
#define SHOPTALK_RLIMIT_AS_MEANINGFUL 0
#endif
#ifndef SHOPTALK_RLIMIT_AS_MEANINGFUL
#define SHOPTALK_RLIMIT_AS_MEANINGFUL 1
#endif

namespace shoptalk::test {

namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

// The child's exit codes.
enum Outcome {
  kRefused = 10,      // kOutOfMemory from load, session creation or the first evaluation
  kRan = 11,          // loaded, created a session and evaluated a token
  kOtherError = 12,   // refused with another code (printed)
  kNotEnforced = 13,  // an allocation beyond the limit succeeded: no limit here
};

uint64_t vm_size() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmSize:", 0) == 0) return std::stoull(line.substr(7)) * 1024;
  return 0;
}

[[noreturn]] void child(const std::string& path, const ModelOptions& options, uint64_t room) {
  const uint64_t limit = vm_size() + room;
  if (limit > std::numeric_limits<rlim_t>::max()) _exit(kNotEnforced);  // a 32-bit rlim_t
  const rlimit rl{static_cast<rlim_t>(limit), static_cast<rlim_t>(limit)};
  if (setrlimit(RLIMIT_AS, &rl) != 0) _exit(kNotEnforced);
  void* probe = std::malloc(room + 16 * kMiB);
  if (probe) _exit(kNotEnforced);
  auto model = Model::load(path, options);
  Status status = model ? Status() : Status(model.error());
  if (model) {
    auto session = Session::create(*model);
    status = session ? session->prompt(std::vector<Token>{1}) : Status(session.error());
  }
  if (status) _exit(kRan);
  if (status.error().code() == ErrorCode::kOutOfMemory) _exit(kRefused);
  std::fprintf(stderr, "refused with %s: %s\n", error_code_name(status.error().code()),
               status.error().message().c_str());
  _exit(kOtherError);
}

// The child's exit code, or -1 when a signal ended it.
int run_child(const std::string& path, const ModelOptions& options, uint64_t room) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) child(path, options, room);
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return -2;
  if (WIFSIGNALED(status)) return -1;
  return WEXITSTATUS(status);
}

}  // namespace

TEST_CASE("a model under an address-space limit below its plan is refused cleanly", "[.rlimit]") {
  if (!SHOPTALK_RLIMIT_AS_MEANINGFUL) {
    WARN("skipped: a sanitizer's shadow memory makes an address-space limit meaningless");
    return;
  }
  const std::string path = synthetic_qwen3_q4_0("rlimit-qwen3-0.6b-q4_0.gguf");
  ModelOptions options;
  options.threads = 1;
  options.context = 2048;
  options.kv_type = KvType::kQ4_0;
  auto plan = Model::plan(path, options);
  REQUIRE(plan);
  INFO("plan " << plan->total() / kMiB << " MiB");

  const int below = run_child(path, options, plan->total() - kMiB);
  // The address space holds the file's mapping beside the weights' packed copies (whose pages of
  // the mapping were given back, so that RSS counts them once), and the process's libraries and
  // heap besides the plan.
  const uint64_t file_bytes = std::filesystem::file_size(path);
  const int above = below == kNotEnforced
                        ? kNotEnforced
                        : run_child(path, options, plan->total() + file_bytes + 64 * kMiB);
  std::remove(path.c_str());
  if (below == kNotEnforced) {
    WARN("skipped: RLIMIT_AS is not enforced here (an emulator?)");
    return;
  }
  CHECK(below == kRefused);
  CHECK(above == kRan);
}

}  // namespace shoptalk::test
