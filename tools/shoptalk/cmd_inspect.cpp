// `shoptalk inspect FILE.gguf [--json]`: metadata, tensor table, sizes, architecture.
#include <cinttypes>
#include <cstdio>

#include "commands.h"
#include "json.h"
#include "shoptalk/shoptalk.hpp"

namespace shoptalk::cli {

namespace {
std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? " x " : "") + std::to_string(shape[i]);
  return s;
}

double mib(uint64_t bytes) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

void print_text(const std::string& path, const FileSummary& s, const std::string& isa) {
  std::printf("file        %s\n", path.c_str());
  std::printf("format      GGUF v%u, %" PRIu64 " bytes, alignment %u\n", s.version, s.file_size,
              s.alignment);
  std::printf("kernels     %s\n", isa.c_str());
  std::printf("architecture %s (%s)\n", s.architecture.empty() ? "(none)" : s.architecture.c_str(),
              s.model_supported ? "supported" : s.model_error.c_str());
  if (s.model_supported) {
    const ModelInfo& m = s.model;
    std::printf(
        "hparams     n_vocab %d, n_embd %d, n_layer %d, n_head %d, n_head_kv %d, head_dim %d, "
        "n_ff %d, n_rot %d, context %d, rope base %g, rms eps %g, pooling %s, params %" PRIu64 "\n",
        m.n_vocab, m.n_embd, m.n_layer, m.n_head, m.n_head_kv, m.head_dim, m.n_ff, m.n_rot,
        m.context_train, m.rope_base, m.rms_eps, pooling_name(m.pooling), m.n_params);
  }
  std::printf("\nmetadata (%zu keys)\n", s.metadata.size());
  for (const MetadataSummary& m : s.metadata)
    std::printf("  %-48s %-14s %s\n", m.key.c_str(), m.type.c_str(), m.value.c_str());
  std::printf("\ntensors (%zu)\n", s.tensors.size());
  for (const TensorSummary& t : s.tensors)
    std::printf("  %-40s %-8s %-22s %12" PRIu64 "\n", t.name.c_str(), t.type.c_str(),
                shape_text(t.shape).c_str(), t.bytes);
  std::printf("\nbytes per type\n");
  for (const auto& [type, bytes] : s.type_bytes)
    std::printf("  %-8s %14" PRIu64 "  (%.1f MiB)\n", type.c_str(), bytes, mib(bytes));
  std::printf("  %-8s %14" PRIu64 "  (%.1f MiB)\n", "total", s.tensor_bytes, mib(s.tensor_bytes));
}

void print_json(const std::string& path, const FileSummary& s, const std::string& isa) {
  json::Json j = {{"file", path},
                  {"version", s.version},
                  {"file_size", s.file_size},
                  {"alignment", s.alignment},
                  {"isa", isa},
                  {"architecture", s.architecture},
                  {"supported", s.model_supported}};
  if (!s.model_supported) j["unsupported_reason"] = s.model_error;
  if (s.model_supported) {
    const ModelInfo& m = s.model;
    j["hparams"] = {{"n_vocab", m.n_vocab},
                    {"n_embd", m.n_embd},
                    {"n_layer", m.n_layer},
                    {"n_head", m.n_head},
                    {"n_head_kv", m.n_head_kv},
                    {"head_dim", m.head_dim},
                    {"n_ff", m.n_ff},
                    {"n_rot", m.n_rot},
                    {"context_length", m.context_train},
                    {"rope_freq_base", json::float_number(m.rope_base)},
                    {"rms_eps", json::float_number(m.rms_eps)},
                    {"pooling", pooling_name(m.pooling)},
                    {"n_params", m.n_params}};
  }
  json::Json& metadata = j["metadata"] = json::Json::array();
  for (const MetadataSummary& m : s.metadata)
    metadata.push_back({{"key", m.key}, {"type", m.type}, {"value", m.value}});
  json::Json& tensors = j["tensors"] = json::Json::array();
  for (const TensorSummary& t : s.tensors)
    tensors.push_back({{"name", t.name}, {"type", t.type}, {"shape", t.shape}, {"bytes", t.bytes}});
  json::Json& per_type = j["bytes_per_type"] = json::Json::object();
  for (const auto& [type, bytes] : s.type_bytes) per_type[type] = bytes;
  j["tensor_bytes"] = s.tensor_bytes;
  std::printf("%s\n", json::dump(j).c_str());
}
}  // namespace

void register_inspect(CLI::App& app, CommandRunner& run) {
  struct Args {
    std::string path;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("inspect", "Show a GGUF file's metadata, tensors and sizes");
  cmd->add_option("file", args->path, "GGUF file")->required();
  cmd->add_flag("--json", args->json, "Print JSON instead of text");
  cmd->callback([args, &run] {
    run = [args] {
      auto summary = inspect_file(args->path);
      if (!summary) return report(summary.error());
      auto isa = active_isa();
      if (!isa) return report(isa.error());
      if (args->json) {
        print_json(args->path, *summary, *isa);
      } else {
        print_text(args->path, *summary, *isa);
      }
      return 0;
    };
  });
}

}  // namespace shoptalk::cli
