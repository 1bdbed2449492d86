#include "engine/synth/presets.h"

#include <string>

#include "engine/model/arch_spec.h"
#include "formats/try.h"

namespace shoptalk::synth {

namespace {

// Llama-3.2's rope_scaling: factor 32, low/high frequency factors 1 and 4, original context 8192.
const Llama3Rope kLlama32Rope = {32.0f, 1.0f, 4.0f, 8192};

// Values of the models' HF configs as the converter writes them (docs/models.md).
// clang-format off
const std::vector<PresetEntry> kPresets = {
    // name, model, general.name, arch, family, n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff,
    // n_vocab, context, rope base, rms eps, partial rotary factor, LongRoPE original context,
    // sliding window, LongRoPE, tied embeddings, Llama-3 rope scaling
    {"qwen3-0.6b", "Qwen3-0.6B", "Qwen3 0.6B", "qwen3", "qwen3", 1024, 28, 16, 8, 128, 3072, 151936,
     40960, 1e6f, 1e-6f, 1.0f, 0, 0},
    {"qwen3-1.7b", "Qwen3-1.7B", "Qwen3 1.7B", "qwen3", "qwen3", 2048, 28, 16, 8, 128, 6144, 151936,
     40960, 1e6f, 1e-6f, 1.0f, 0, 0},
    {"qwen3-4b", "Qwen3-4B", "Qwen3 4B", "qwen3", "qwen3", 2560, 36, 32, 8, 128, 9728, 151936,
     40960, 1e6f, 1e-6f, 1.0f, 0, 0},
    {"phi-4-mini", "Phi-4-mini-instruct", "Phi 4 Mini Instruct", "phi3", "phi4-mini", 3072, 32, 24,
     8, 0, 8192, 200064, 131072, 1e4f, 1e-5f, 0.75f, 4096, 262144, true},
    {"smollm2-135m", "SmolLM2-135M-Instruct", "SmolLM2 135M Instruct", "llama", "smollm2", 576, 30,
     9, 3, 0, 1536, 49152, 8192, 1e5f, 1e-5f, 1.0f, 0, 0},
    {"smollm2-360m", "SmolLM2-360M-Instruct", "SmolLM2 360M Instruct", "llama", "smollm2", 960, 32,
     15, 5, 0, 2560, 49152, 8192, 1e5f, 1e-5f, 1.0f, 0, 0},
    {"smollm2-1.7b", "SmolLM2-1.7B-Instruct", "SmolLM2 1.7B Instruct", "llama", "smollm2", 2048, 24,
     32, 32, 0, 8192, 49152, 8192, 1.3e5f, 1e-5f, 1.0f, 0, 0},
    {"smollm3-3b", "SmolLM3-3B", "SmolLM3 3B", "smollm3", "smollm3", 2048, 36, 16, 4, 0, 11008,
     128256, 65536, 5e6f, 1e-6f, 1.0f, 0, 0},
    {"qwen2.5-0.5b", "Qwen2.5-0.5B-Instruct", "Qwen2.5 0.5B Instruct", "qwen2", "qwen2.5", 896, 24,
     14, 2, 0, 4864, 151936, 32768, 1e6f, 1e-6f, 1.0f, 0, 0},
    {"qwen2.5-1.5b", "Qwen2.5-1.5B-Instruct", "Qwen2.5 1.5B Instruct", "qwen2", "qwen2.5", 1536, 28,
     12, 2, 0, 8960, 151936, 32768, 1e6f, 1e-6f, 1.0f, 0, 0},
    {"llama-3.2-1b", "Llama-3.2-1B-Instruct", "Llama 3.2 1B Instruct", "llama", "llama3.2", 2048,
     16, 32, 8, 64, 8192, 128256, 131072, 5e5f, 1e-5f, 1.0f, 0, 0, false, true, kLlama32Rope},
    {"llama-3.2-3b", "Llama-3.2-3B-Instruct", "Llama 3.2 3B Instruct", "llama", "llama3.2", 3072,
     28, 24, 8, 128, 8192, 128256, 131072, 5e5f, 1e-5f, 1.0f, 0, 0, false, true, kLlama32Rope},
    {"phi-3-mini", "Phi-3-mini-4k-instruct", "Phi 3 Mini 4k Instruct", "phi3", "phi3-mini", 3072,
     32, 32, 32, 0, 8192, 32064, 4096, 1e4f, 1e-5f, 1.0f, 4096, 2047, false, false},
    {"qwen3-embedding-0.6b", "Qwen3-Embedding-0.6B", "Qwen3 Embedding 0.6B", "qwen3",
     "qwen3-embedding", 1024, 28, 16, 8, 128, 3072, 151669, 32768, 1e6f, 1e-6f, 1.0f, 0, 0},
};
// clang-format on

Error invalid(const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, "synth: " + what);
}

// The preset whose defaults (rope base, eps, context, vocabulary, LongRoPE) an explicit shape of
// this architecture and model family (empty: any) takes: the first one of them.
const PresetEntry* family_defaults(const std::string& architecture, const std::string& family) {
  for (const PresetEntry& p : kPresets)
    if (architecture == p.architecture && (family.empty() || family == p.family)) return &p;
  return nullptr;
}

int64_t pick(int override_value, int64_t preset_value) {
  return override_value != 0 ? override_value : preset_value;
}

// Partial rotary as Phi3MiniModel converts it: int(factor * n_embd) // n_head, kept even.
int64_t rotated_dims(const ModelShape& s, float partial_rotary_factor) {
  if (partial_rotary_factor == 1.0f) return s.head_dim;
  return static_cast<int64_t>(partial_rotary_factor * static_cast<float>(s.n_embd)) / s.n_head / 2 *
         2;
}

Status check_shape(const ModelShape& s, const engine::ArchSpec& spec) {
  const std::pair<const char*, int64_t> positive[] = {
      {"n_embd", s.n_embd}, {"n_layer", s.n_layer}, {"n_head", s.n_head},
      {"n_ff", s.n_ff},     {"n_vocab", s.n_vocab}, {"context", s.context}};
  for (const auto& [what, value] : positive)
    if (value <= 0) return invalid(std::string(what) + " must be positive");
  if (s.n_layer > 512) return invalid("n_layer must be at most 512");
  if (s.n_head_kv <= 0 || s.n_head_kv > s.n_head || s.n_head % s.n_head_kv != 0)
    return invalid("n_head_kv (" + std::to_string(s.n_head_kv) + ") must divide n_head (" +
                   std::to_string(s.n_head) + ")");
  if (s.head_dim < 2 || s.head_dim % 2 != 0)
    return invalid("head_dim (" + std::to_string(s.head_dim) + ") must be even and at least 2");
  if (spec.q_width_is_n_embd && s.n_embd_q() != s.n_embd)
    return invalid(s.architecture + " needs n_head * head_dim == n_embd (" +
                   std::to_string(s.n_embd_q()) + " != " + std::to_string(s.n_embd) + ")");
  if (s.n_rot < 2) return invalid("too few rotary dimensions (" + std::to_string(s.n_rot) + ")");
  return {};
}

}  // namespace

const std::vector<PresetEntry>& preset_table() {
  return kPresets;
}

const PresetEntry* find_preset(const std::string& name) {
  for (const PresetEntry& p : kPresets)
    if (name == p.name) return &p;
  return nullptr;
}

Result<ModelShape> resolve_shape(const SynthOptions& o) {
  const PresetEntry* base = nullptr;
  ModelShape s;
  if (!o.preset.empty()) {
    base = find_preset(o.preset);
    if (!base) return invalid("unknown preset '" + o.preset + "' (see `shoptalk synth --list`)");
    if (!o.architecture.empty() && o.architecture != base->architecture)
      return invalid("preset '" + o.preset + "' is a " + base->architecture + " model, not " +
                     o.architecture);
    if (!o.family.empty() && o.family != base->family)
      return invalid("preset '" + o.preset + "' is a " + base->family + " model, not " + o.family);
    s.name = base->general_name;
  } else {
    if (o.architecture.empty()) return invalid("give a preset or an architecture");
    base = family_defaults(o.architecture, o.family);
    if (!base && !o.family.empty() && family_defaults(o.architecture, ""))
      return invalid("unknown model family '" + o.family + "' of " + o.architecture);
    if (!base)
      return invalid("unknown architecture '" + o.architecture + "' (" +
                     engine::supported_architectures() + ")");
    if (o.n_embd == 0 || o.n_layer == 0 || o.n_head == 0 || o.n_ff == 0)
      return invalid("without a preset, n_embd, n_layer, n_head and n_ff are required");
    s.name = "Synthetic " + o.architecture;
  }
  s.architecture = base->architecture;
  s.family = base->family;
  s.n_embd = pick(o.n_embd, base->n_embd);
  s.n_layer = pick(o.n_layer, base->n_layer);
  s.n_head = pick(o.n_head, base->n_head);
  s.n_head_kv = pick(o.n_head_kv, o.preset.empty() ? s.n_head : base->n_head_kv);
  const int64_t preset_head_dim = o.preset.empty() ? 0 : base->head_dim;
  s.head_dim = pick(o.head_dim, preset_head_dim);
  if (s.head_dim == 0 && s.n_head > 0) {
    if (s.n_embd % s.n_head != 0)
      return invalid("n_head (" + std::to_string(s.n_head) + ") does not divide n_embd (" +
                     std::to_string(s.n_embd) + "); give head_dim");
    s.head_dim = s.n_embd / s.n_head;
  }
  s.n_ff = pick(o.n_ff, base->n_ff);
  s.n_vocab = pick(o.n_vocab, base->n_vocab);
  s.context = pick(o.context, base->context);
  s.rope_freq_base = base->rope_freq_base;
  s.rms_eps = base->rms_eps;
  s.rope_original_context = base->rope_original_context;
  s.sliding_window = base->sliding_window;
  s.longrope = base->longrope;
  s.tied_embeddings = base->tied_embeddings;
  s.llama3_rope = base->llama3_rope;
  if (s.n_head > 0) s.n_rot = rotated_dims(s, base->partial_rotary_factor);
  ST_TRY(check_shape(s, *engine::find_arch_spec(s.architecture)));
  return s;
}

}  // namespace shoptalk::synth
