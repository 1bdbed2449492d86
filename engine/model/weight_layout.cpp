#include "engine/model/weight_layout.h"

#include <sys/mman.h>

#include <algorithm>
#include <string>
#include <unordered_map>

#include "formats/try.h"
#include "kernels/packed_layout.h"

namespace shoptalk::engine {

namespace {

constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kCopyAlignment = 64;
// Source bytes copied between releases of the mapped pages already copied, so resident memory
// peaks at the copies plus one chunk rather than at twice the weights.
constexpr size_t kCopyChunkBytes = size_t{4} << 20;

// One block for every copy: huge pages make it cheap to fill (few page faults) and to stream (few
// TLB misses), and a single allocation wastes at most one huge page.
WeightCopy allocate_copies(size_t bytes) {
  const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  auto* p = static_cast<uint8_t*>(std::aligned_alloc(kHugePage, rounded));
#if defined(MADV_HUGEPAGE)
  if (p) madvise(p, rounded, MADV_HUGEPAGE);
#endif
  return WeightCopy(p);
}

// Copies w (rows in panels of panel_rows) to dst through copy(part, src, dst) a few whole panels
// at a time, releasing the mapped source pages behind it.
template <class CopyPanels>
void chunked_copy(const gguf::GgufFile& file, const kernels::Weight& w, int64_t panel_rows,
                  uint8_t* dst, CopyPanels copy) {
  const size_t panel_bytes = w.row_bytes * static_cast<size_t>(panel_rows);
  const int64_t chunk_rows =
      panel_rows * std::max<int64_t>(1, static_cast<int64_t>(kCopyChunkBytes / panel_bytes));
  for (int64_t r0 = 0; r0 < w.rows; r0 += chunk_rows) {
    const int64_t n = std::min(chunk_rows, w.rows - r0);
    const size_t offset = w.row_bytes * static_cast<size_t>(r0);
    copy(kernels::panel_shape(w.type, n, w.cols, panel_rows), w.data + offset, dst + offset);
    file.file().release(w.data + offset, w.row_bytes * static_cast<size_t>(n));
  }
}

// What arrange_weights does with one tensor.
struct Plan {
  const gguf::TensorInfo* tensor;
  kernels::Weight from;  // as in the file
  bool to_packed;        // the layout the kernels want
  size_t copy_offset;    // in the copies block, when the layouts differ
};

}  // namespace

Result<FilePacking> read_file_packing(const gguf::GgufFile& file) {
  FilePacking packing;
  if (!file.find(kPackedLayoutKey)) return packing;
  ST_ASSIGN_OR_RETURN(packing.layout, file.get_string(kPackedLayoutKey));
  ST_ASSIGN_OR_RETURN(const std::vector<std::string_view>* names,
                      file.get_string_array(kPackedTensorsKey));
  packing.tensors = *names;
  return packing;
}

bool packs_type(const kernels::KernelTable& table, GgmlType type) {
  return !table.packed_layout.empty() && table.types[static_cast<int>(type)].packed_gemm;
}

Status arrange_weights(const gguf::GgufFile& file, const kernels::KernelTable& table, Repack repack,
                       const std::vector<kernels::Weight*>& weights, WeightCopy& copies) {
  ST_ASSIGN_OR_RETURN(const FilePacking packing, read_file_packing(file));
  const int64_t file_panel_rows = kernels::layout_panel_rows(packing.layout);
  if (!packing.layout.empty() && file_panel_rows == 0)
    return Error(ErrorCode::kUnsupported,
                 "the file is packed in layout '" + std::string(packing.layout) +
                     "', which this build of shoptalk cannot read; pack the original file again");
  const bool file_in_table_layout = packing.layout == table.packed_layout;
  const bool may_repack = repack == Repack::kIfMapped && file.file().is_mapped();

  std::unordered_map<const uint8_t*, const gguf::TensorInfo*> tensor_at;
  for (const gguf::TensorInfo& t : file.tensors()) tensor_at.emplace(t.data, &t);
  std::unordered_map<std::string_view, bool> declared;  // packed in the file -> seen as a weight
  for (std::string_view name : packing.tensors) declared.emplace(name, false);

  // Plan every tensor once (views of one tensor share it), then copy into one block.
  std::unordered_map<const uint8_t*, Plan> plans;
  std::vector<Plan*> order;
  size_t copy_bytes = 0;
  for (kernels::Weight* w : weights) {
    if (plans.count(w->data)) continue;
    const gguf::TensorInfo& t = *tensor_at.at(w->data);
    kernels::Weight from = *w;
    const auto d = declared.find(t.name);
    from.packed = d != declared.end();
    if (from.packed) d->second = true;
    const bool to_packed =
        packs_type(table, w->type) && (from.packed ? file_in_table_layout : may_repack);
    Plan& plan = plans[w->data] = Plan{&t, from, to_packed, copy_bytes};
    order.push_back(&plan);
    if (from.packed != to_packed)
      copy_bytes += (t.nbytes + kCopyAlignment - 1) / kCopyAlignment * kCopyAlignment;
  }
  for (const auto& [name, seen] : declared)
    if (!seen)
      return Error(
          ErrorCode::kMalformedFile,
          "tensor '" + std::string(name) + "' is declared packed but is not a weight matrix");

  if (copy_bytes > 0) {
    copies = allocate_copies(copy_bytes);
    if (!copies) return Error(ErrorCode::kOutOfMemory, "cannot allocate the packed weights");
  }
  const auto pack = [](const kernels::PanelShape& part, const uint8_t* src, uint8_t* dst) {
    kernels::pack_panels(part, src, 0, part.blocks(), dst);
  };
  const auto unpack = [](const kernels::PanelShape& part, const uint8_t* src, uint8_t* dst) {
    kernels::unpack_panels(part, src, dst);
  };
  for (Plan* plan : order) {
    if (plan->from.packed == plan->to_packed) continue;
    uint8_t* dst = copies.get() + plan->copy_offset;
    if (plan->to_packed) {
      chunked_copy(file, plan->from, kernels::kPanelRows, dst, pack);
    } else {
      chunked_copy(file, plan->from, file_panel_rows, dst, unpack);
    }
    file.file().release(plan->tensor->data, plan->tensor->nbytes);  // the chunks' edge pages
  }
  for (kernels::Weight* w : weights) {
    const Plan& plan = plans.at(w->data);
    w->packed = plan.to_packed;
    if (plan.from.packed != plan.to_packed) w->data = copies.get() + plan.copy_offset;
  }
  return {};
}

}  // namespace shoptalk::engine
