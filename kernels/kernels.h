// The kernel interface: one table of function pointers per ISA level, chosen once at start-up.
//
// Like ggml's CPU type traits, the table is indexed by ggml type id: a weight type is usable when
// its entry has a vec_dot; the entry names the activation type (vec_dot_type) the weight pairs
// with (docs/formats.md, matrix products). Activations are converted to that type once per matmul
// input by from_float[vec_dot_type]. Adding a quant type means filling one entry per ISA table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "formats/ggml_type.h"
#include "kernels/isa_levels.h"  // enum class Isa: generated from the registry, isa_levels.cmake
#include "shoptalk/result.hpp"

namespace shoptalk::kernels {

// The level's name in the registry ("scalar", "avx2", "neon", ...: the SHOPTALK_ISA spellings).
const char* isa_name(Isa isa);

// Dot product of one weight row (n elements in the weight type) with one activation row (n
// elements in the weight's vec_dot_type). n is a multiple of both types' block sizes.
using VecDotFn = float (*)(int64_t n, const void* w_row, const void* act_row);
// Converts n floats to a row of the type (n a multiple of its block size).
using FromFloatFn = void (*)(const float* x, void* dst, int64_t n);
// Converts n elements of a row of the type to floats.
using ToFloatFn = void (*)(const void* src, float* y, int64_t n);

// Rows [r0, r1) of a weight matrix (rows w_row_bytes apart, n elements each) times n_tok
// activation rows (x_row_bytes apart): y[t * y_stride + r] = dot(row r, activation t). Each output
// equals the table's vec_dot of the same operands bit for bit, whatever the tiling, so results do
// not depend on how rows are split between threads.
using GemmFn = void (*)(int64_t n, const uint8_t* w, size_t w_row_bytes, int64_t r0, int64_t r1,
                        const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y,
                        int64_t y_stride);

// The same over a matrix of `rows` rows stored in the packed panel layout (packed_layout.h).
// Outputs equal the row-major vec_dot of the same row bit for bit; r0 is a multiple of
// kPanelRows.
using PackedGemmFn = void (*)(int64_t n, const uint8_t* w, int64_t rows, int64_t r0, int64_t r1,
                              const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y,
                              int64_t y_stride);

// Batches of at least this many activation rows take a type's prefill kernel when it has one.
inline constexpr int64_t kPrefillMinTokens = 32;
// A prefill kernel expands at most kPrefillPanelRows weight rows at a time into the scratch its
// caller gives it, at most kPrefillScratchBytesPerWeight bytes per weight element
// (matmul.h: prefill_scratch_bytes).
inline constexpr int64_t kPrefillPanelRows = 16;
inline constexpr size_t kPrefillScratchBytesPerWeight = 3;

// The operands of a prefill matmul: weight rows of n elements (row-major, w_row_bytes apart, or
// the packed panel layout of `rows` rows), n_tok activation rows in the weight's vec_dot_type with
// their block sums (ActSumsFn), and y[t * y_stride + r].
struct PrefillOperands {
  int64_t n = 0;
  const uint8_t* w = nullptr;
  size_t w_row_bytes = 0;
  int64_t rows = 0;
  bool packed = false;
  const uint8_t* x = nullptr;
  size_t x_row_bytes = 0;
  const uint8_t* x_sums = nullptr;
  size_t x_sums_row_bytes = 0;
  int64_t n_tok = 0;
  float* y = nullptr;
  int64_t y_stride = 0;
};

// Rows [r0, r1) of a prefill matmul (r0 a multiple of 8) in the prefill formulation of
// docs/kernels.md: per (row, token), one exact integer sum per scale block of the weight type,
// folded into a float in block order. The same formulation on every level, so a table's prefill
// equals the scalar table's bit for bit, for any split of the rows; it is not the vec_dot's float
// order (its results differ from vec_dot's by float rounding).
// `scratch`: 64-byte aligned, prefill_scratch_bytes(op.n) bytes, the calling thread's own.
using PrefillFn = void (*)(const PrefillOperands& op, int64_t r0, int64_t r1, uint8_t* scratch);

// The side data of one activation row that prefill kernels read with it, from the row (n
// elements): ActSumsQ8_0 per block of a Q8_0 row, ActSumsQ8_K per super-block of a Q8_K row.
using ActSumsFn = void (*)(const void* act_row, void* sums, int64_t n);
struct ActSumsQ8_0 {
  float d;      // the block's scale
  int32_t sum;  // Σ of its 32 values
};
struct ActSumsQ8_K {
  int16_t sum32[8];  // Σ of each 32 values
};

struct TypeKernels {
  GgmlType vec_dot_type = GgmlType::F32;
  VecDotFn vec_dot = nullptr;  // nullptr: weights of this type cannot be multiplied
  GemmFn gemm = nullptr;       // optional register-tiled form of vec_dot over many rows/tokens
  PackedGemmFn packed_gemm = nullptr;  // set for the types the table's packed layout holds
  PrefillFn prefill = nullptr;         // optional, for kPrefillMinTokens or more activation rows
  ToFloatFn to_float = nullptr;        // set for the types a KV cache may hold
  // Per-thread scratch bytes gemm and packed_gemm can use for each weight block of a row, from
  // the pool running them (ThreadPool::scratch); without it they take a path that needs none and
  // gives the same results. 0: they use none. matmul_scratch_bytes() sizes a matrix's.
  size_t gemm_scratch_per_block = 0;
};

enum class RopeStyle { kNorm, kNeox };  // pairs (2i, 2i+1) / (i, i + n_rot/2)

// One query row of attention against a KV cache (the flash-attention one-row algorithm of
// docs/models.md). Keys and values of one KV head are rows of head_dim elements in
// kv_type, position j at k + j * kv_stride (bytes); positions 0..n_kv-1 are all visible.
struct AttentionRow {
  const float* q = nullptr;
  const uint8_t* k = nullptr;
  const uint8_t* v = nullptr;
  size_t kv_stride = 0;
  int64_t n_kv = 0;
  int head_dim = 0;
  GgmlType kv_type = GgmlType::F16;
  float scale = 1.0f;
  float* out = nullptr;  // head_dim floats
};

// Largest head size the attention kernels accept (their scratch lives on the stack).
inline constexpr int kMaxHeadDim = 512;

// The query heads that share one KV head (a GQA group, at most kMaxAttentionGroup of them)
// against a KV cache, positions 0..n_kv-1 visible to all. Each K and V row is read once for the
// whole group. Online softmax over chunks of positions with float accumulators: the form for
// prompt batches and long caches, where llama.cpp also leaves its one-row fp16-accumulator path.
struct AttentionGroup {
  AttentionRow first;  // the first query row, the cache, and where that row's output goes
  int n_query = 1;     // query rows, q_stride floats apart from first.q
  int64_t q_stride = 0;
  int64_t out_stride = 0;  // floats between the output rows, from first.out
};
inline constexpr int kMaxAttentionGroup = 8;

// Consecutive tokens' queries of one GQA group against the KV cache with the causal mask: token t
// of the tile sees positions 0 .. first.n_kv - 1 + t. The form for prompt batches: each key and
// value block is converted to float once and used by every query row of the tile (docs/kernels.md,
// "Prefill attention"). A row's result does not depend on the tile it is computed in.
struct AttentionTile {
  AttentionRow first;        // the first token's first query head, the cache, where its output goes
  int n_query = 1;           // query heads of the group, head_dim floats apart in q and out
  int n_tok = 1;             // tokens; n_query * n_tok <= kAttentionTileRows
  int64_t q_tok_stride = 0;  // floats between two tokens' first query heads
  int64_t out_tok_stride = 0;  // floats between two tokens' first output heads
  // attention_tile_scratch_bytes(first.head_dim) bytes, the calling thread's own (the SIMD
  // kernels' working rows live there, so nothing is allocated per call).
  float* scratch = nullptr;
};
inline constexpr int kAttentionTileRows = 64;
// Positions per step of the tile's online softmax (part of its rounding: every ISA uses it).
inline constexpr int kAttentionTileKeys = 24;

// The scratch of AttentionTile on every table: the tile's scaled queries and value accumulators
// (kAttentionTileRows rows each), one block's keys and values as floats and its weights, head
// sizes padded to a multiple of kAttentionTileKeys (each kernel pads to a divisor of it).
constexpr size_t attention_tile_scratch_bytes(int64_t head_dim) {
  const auto hd = static_cast<size_t>(head_dim);
  const size_t pad = (hd + kAttentionTileKeys - 1) / kAttentionTileKeys * kAttentionTileKeys;
  const size_t rows = kAttentionTileRows;
  const size_t keys = kAttentionTileKeys;
  return (hd * rows + pad * rows + keys * hd + keys * pad + keys * rows) * sizeof(float);
}

struct KernelTable {
  Isa isa = Isa::kScalar;
  // The packed layout name (packed_layout.h) whose matrices the packed_gemm entries multiply;
  // empty when the level has none and every weight stays row-major.
  std::string_view packed_layout;
  TypeKernels types[kGgmlTypeCount];
  // Indexed by the target type; set for F32, F16, BF16, Q8_0, Q8_1, Q8_K (the activation types).
  FromFloatFn from_float[kGgmlTypeCount] = {};
  // Indexed by activation type; set for the activation types of the weights that have a prefill.
  ActSumsFn act_sums[kGgmlTypeCount] = {};

  // y = x / sqrt(mean(x^2) + eps) * w, the sum of squares in double (docs/models.md).
  void (*rmsnorm)(const float* x, const float* w, float* y, int64_t n, float eps) = nullptr;
  // RoPE cos/sin of one position for n_rot/2 pairs by the iterated theta product;
  // factors (n_rot/2 entries) may be null.
  void (*rope_cache)(int64_t pos, int n_rot, float freq_base, float freq_scale, float attn_factor,
                     const float* factors, float* cos_out, float* sin_out) = nullptr;
  // Rotates the first n_rot dims of each of n_heads vectors of head_dim floats, in place.
  void (*rope_apply)(float* x, int n_heads, int head_dim, int n_rot, RopeStyle style,
                     const float* cos_table, const float* sin_table) = nullptr;
  // out = silu(gate) * up.
  void (*silu_mul)(const float* gate, const float* up, float* out, int64_t n) = nullptr;
  // y += x.
  void (*add)(float* y, const float* x, int64_t n) = nullptr;
  // x *= s.
  void (*scale)(float* x, float s, int64_t n) = nullptr;
  // One query row of attention (see AttentionRow); kv_type must be F16, Q8_0 or Q4_0.
  void (*attention_row)(const KernelTable& table, const AttentionRow& args) = nullptr;
  // A GQA group of query rows at once (see AttentionGroup); same cache types.
  void (*attention_group)(const KernelTable& table, const AttentionGroup& args) = nullptr;
  // A tile of query rows with the causal mask (see AttentionTile); same cache types.
  void (*attention_tile)(const KernelTable& table, const AttentionTile& args) = nullptr;

  // Runs `rounds` rounds of the level's int8 multiply-add step (the instructions its quantized
  // kernels multiply with) on register operands in independent chains and returns the
  // multiply-adds done: the probe behind measure_int8_peak (compute_peak.h).
  int64_t (*int8_dot_probe)(int64_t rounds) = nullptr;
};

// The scalar table: portable C++, the reference every SIMD table is tested against.
const KernelTable& scalar_kernels();

// The table for an ISA level, or an Error when the level is not compiled in or the CPU lacks it.
Result<const KernelTable*> kernels_for(Isa isa);
// The level named by SHOPTALK_ISA, or the best level this CPU supports when it is unset; an
// unknown name is an Error.
Result<Isa> isa_from_env();
// The table chosen once at start-up from isa_from_env(); the scalar table if that gave an Error
// (callers that must surface the error call isa_from_env() and kernels_for() themselves).
const KernelTable& active_kernels();

}  // namespace shoptalk::kernels
