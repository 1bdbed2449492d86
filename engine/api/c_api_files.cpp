// The C API's model files (inspect, pack) and machine queries.
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "engine/api/c_api_util.h"

using shoptalk::capi::fail;
using shoptalk::capi::guarded;
using shoptalk::capi::status_of;
using shoptalk::capi::store;

struct shoptalk_file {
  shoptalk::FileSummary summary;
  // The C views of summary's vectors.
  std::vector<shoptalk_metadata_entry> metadata;
  std::vector<shoptalk_tensor_entry> tensors;
  std::vector<shoptalk_type_bytes> type_bytes;
  std::vector<shoptalk_type_bytes> model_type_bytes;
};

extern "C" {

shoptalk_status shoptalk_file_inspect(const char* path, shoptalk_file** file) {
  return guarded([&] {
    if (!path || !file) return fail(SHOPTALK_INVALID_ARGUMENT, "path and file must not be NULL");
    *file = nullptr;
    auto summary = shoptalk::inspect_file(path);
    if (!summary) return fail(summary.error());
    std::unique_ptr<shoptalk_file> f(new (std::nothrow)
                                         shoptalk_file{std::move(summary).value(), {}, {}, {}, {}});
    if (!f) return fail(SHOPTALK_OUT_OF_MEMORY, "cannot allocate a file handle");
    for (const shoptalk::MetadataSummary& m : f->summary.metadata)
      f->metadata.push_back({m.key.c_str(), m.type.c_str(), m.value.c_str()});
    for (const shoptalk::TensorSummary& t : f->summary.tensors)
      f->tensors.push_back(
          {t.name.c_str(), t.type.c_str(), t.shape.data(), t.shape.size(), t.bytes});
    f->type_bytes = shoptalk::capi::type_bytes_view(f->summary.type_bytes);
    f->model_type_bytes = shoptalk::capi::type_bytes_view(f->summary.model.type_bytes);
    *file = f.release();
    return SHOPTALK_OK;
  });
}

void shoptalk_file_get_info(const shoptalk_file* file, shoptalk_file_info* info) {
  const shoptalk::FileSummary& s = file->summary;
  *info = shoptalk_file_info{s.version,
                             s.file_size,
                             s.alignment,
                             file->metadata.data(),
                             file->metadata.size(),
                             file->tensors.data(),
                             file->tensors.size(),
                             file->type_bytes.data(),
                             file->type_bytes.size(),
                             s.tensor_bytes,
                             s.architecture.c_str(),
                             s.model_supported ? 1 : 0,
                             s.model_error.c_str(),
                             {}};
  shoptalk::capi::describe(s.model, file->model_type_bytes, &info->model);
}

void shoptalk_file_free(shoptalk_file* file) {
  delete file;
}

shoptalk_status shoptalk_pack_model(const char* in_path, const char* out_path) {
  return guarded([&] {
    if (!in_path || !out_path)
      return fail(SHOPTALK_INVALID_ARGUMENT, "in_path and out_path must not be NULL");
    return status_of(shoptalk::pack_model(in_path, out_path));
  });
}

shoptalk_status shoptalk_active_isa(const char** isa) {
  return guarded([&] {
    if (!isa) return fail(SHOPTALK_INVALID_ARGUMENT, "isa must not be NULL");
    thread_local std::string name;
    auto active = shoptalk::active_isa();
    if (!active) return fail(active.error());
    name = *active;
    *isa = name.c_str();
    return SHOPTALK_OK;
  });
}

shoptalk_status shoptalk_measure_read_bandwidth(int threads, uint64_t bytes, double* bytes_per_s) {
  return guarded([&] {
    if (!bytes_per_s) return fail(SHOPTALK_INVALID_ARGUMENT, "bytes_per_s must not be NULL");
    return store(shoptalk::measure_read_bandwidth(threads, bytes), bytes_per_s);
  });
}

shoptalk_status shoptalk_measure_int8_peak(int threads, double* macs_per_s) {
  return guarded([&] {
    if (!macs_per_s) return fail(SHOPTALK_INVALID_ARGUMENT, "macs_per_s must not be NULL");
    return store(shoptalk::measure_int8_peak(threads), macs_per_s);
  });
}

shoptalk_status shoptalk_isa_levels(shoptalk_isa_level* levels, size_t capacity, size_t* count) {
  return guarded([&] {
    if (!count) return fail(SHOPTALK_INVALID_ARGUMENT, "count must not be NULL");
    // The build's levels and this CPU's answers do not change while the process runs: listed
    // once, by the first call that succeeds, and never changed after (the strings stay valid).
    static std::mutex mutex;
    static std::vector<shoptalk::IsaLevel> all;
    std::lock_guard<std::mutex> lock(mutex);
    if (all.empty()) {
      auto listed = shoptalk::isa_levels();
      if (!listed) return fail(listed.error());
      all = std::move(listed).value();
    }
    *count = all.size();
    if (all.size() > capacity || !levels)
      return fail(SHOPTALK_INVALID_ARGUMENT, "the level buffer is too small");
    for (size_t i = 0; i < all.size(); ++i)
      levels[i] = {all[i].name.c_str(), all[i].runnable ? 1 : 0, all[i].unavailable.c_str()};
    return SHOPTALK_OK;
  });
}

}  // extern "C"
