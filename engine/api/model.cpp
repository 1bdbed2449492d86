// shoptalk::Model: load (from a path or caller memory), the memory plan, tokenizer access.
#include <algorithm>

#include "engine/api/guard.h"
#include "engine/api/impl.h"
#include "engine/api/model_info.h"
#include "engine/model/memory.h"
#include "formats/try.h"

namespace shoptalk {

namespace api {
GgmlType kv_ggml_type(KvType type) {
  switch (type) {
    case KvType::kQ8_0:
      return GgmlType::Q8_0;
    case KvType::kQ4_0:
      return GgmlType::Q4_0;
    case KvType::kF16:
      break;
  }
  return GgmlType::F16;
}

Result<uint32_t> session_context(const engine::HParams& hp, int requested,
                                 bool allow_beyond_training) {
  if (requested <= 0) return std::min<uint32_t>(hp.n_ctx_train, 4096);
  const uint32_t n_ctx = static_cast<uint32_t>(requested);
  if (n_ctx > hp.n_ctx_train && !allow_beyond_training)
    return Error(ErrorCode::kInvalidArgument,
                 "a context of " + std::to_string(n_ctx) + " tokens is longer than the " +
                     std::to_string(hp.n_ctx_train) +
                     " the model was trained for; set allow_context_beyond_training to use it "
                     "anyway");
  return n_ctx;
}

void describe_chat(const gguf::GgufFile& file, Model::Impl& impl) {
  const engine::Tokenizer& tokenizer = *impl.tokenizer;
  impl.info.eog_tokens = tokenizer.eog_ids();
  std::sort(impl.info.eog_tokens.begin(), impl.info.eog_tokens.end());
  Result<engine::ChatFamily> family = engine::detect_chat_family(file, tokenizer);
  if (!family) {
    impl.info.chat_error = family.error().message();
    return;
  }
  Result<std::vector<int32_t>> stop = engine::chat_stop_tokens(*family, tokenizer);
  if (!stop) {
    impl.info.chat_error = stop.error().message();
    return;
  }
  impl.chat_family = *family;
  impl.info.chat_family = engine::chat_family_name(*family);
  impl.info.eog_tokens = std::move(stop).value();
}
}  // namespace api

const char* kv_type_name(KvType type) {
  switch (type) {
    case KvType::kQ8_0:
      return "q8_0";
    case KvType::kQ4_0:
      return "q4_0";
    case KvType::kF16:
      break;
  }
  return "f16";
}

Result<KvType> kv_type_from_name(std::string_view name) {
  return api::guarded([&]() -> Result<KvType> {
    for (KvType t : {KvType::kF16, KvType::kQ8_0, KvType::kQ4_0})
      if (name == kv_type_name(t)) return t;
    return Error(ErrorCode::kInvalidArgument,
                 "unknown KV cache type '" + std::string(name) + "' (f16, q8_0 or q4_0)");
  });
}

namespace {

MemoryPlan to_plan(const engine::MemoryReport& r) {
  return {r.weights, r.kv_cache, r.scratch};
}

Status check_options(const ModelOptions& options) {
  ST_TRY(engine::resolve_threads(options.threads));
  if (options.context < 0)
    return Error(ErrorCode::kInvalidArgument, "context must not be negative");
  return {};
}

Result<MemoryPlan> plan_for(const gguf::GgufFile& file, const kernels::KernelTable& table,
                            const ModelOptions& options) {
  ST_ASSIGN_OR_RETURN(auto header, engine::read_model_header(file));
  engine::SessionShape session;
  ST_ASSIGN_OR_RETURN(session.n_ctx, api::session_context(header.second, options.context,
                                                          options.allow_context_beyond_training));
  session.kv_type = api::kv_ggml_type(options.kv_type);
  session.n_batch = engine::kDefaultBatch;
  ST_ASSIGN_OR_RETURN(session.n_threads, engine::resolve_threads(options.threads));
  ST_ASSIGN_OR_RETURN(engine::MemoryReport report, engine::plan_memory(file, table, session));
  return to_plan(report);
}

Result<const kernels::KernelTable*> active_table() {
  ST_ASSIGN_OR_RETURN(const kernels::Isa isa, kernels::isa_from_env());
  return kernels::kernels_for(isa);
}

Result<Model::Impl> load_vocab_only(gguf::GgufFile file, const ModelOptions& options) {
  Model::Impl impl;
  impl.options = options;
  ST_ASSIGN_OR_RETURN(engine::Tokenizer tokenizer, engine::Tokenizer::from_gguf(file));
  impl.info.architecture = std::string(file.get_string_or("general.architecture", "").value_or(""));
  impl.info.name = std::string(file.get_string_or("general.name", "").value_or(""));
  impl.info.n_vocab = tokenizer.n_vocab();
  impl.info.bos = tokenizer.bos_id();
  impl.info.eos = tokenizer.eos_id();
  impl.tokenizer = std::move(tokenizer);
  impl.vocab_file = std::move(file);
  api::describe_chat(*impl.vocab_file, impl);
  impl.vocab_file->release_metadata();
  return impl;
}

Result<Model::Impl> load_full(gguf::GgufFile file, const ModelOptions& options) {
  ST_ASSIGN_OR_RETURN(const kernels::KernelTable* table, active_table());
  ST_ASSIGN_OR_RETURN(const MemoryPlan plan, plan_for(file, *table, options));
  if (options.memory_budget > 0 && plan.total() > options.memory_budget)
    return Error(ErrorCode::kBudgetExceeded,
                 "model needs " + api::amount(plan.total(), options.memory_budget) +
                     " with a session of the default context (weights " +
                     api::amount(plan.weights, 0) + ", KV cache " + api::amount(plan.kv_cache, 0) +
                     ", scratch " + api::amount(plan.scratch, 0) + ") but the memory budget is " +
                     api::amount(options.memory_budget, plan.total()));
  engine::LoadOptions load_options;
  load_options.kernels = table;
  Model::Impl impl;
  impl.options = options;
  impl.memory = plan;
  impl.budget = std::make_unique<api::Budget>(options.memory_budget, plan.weights);
  ST_ASSIGN_OR_RETURN(std::shared_ptr<engine::Model> model,
                      engine::Model::from_gguf(std::move(file), load_options));
  ST_ASSIGN_OR_RETURN(engine::Tokenizer tokenizer, engine::Tokenizer::from_gguf(model->file()));
  impl.tokenizer = std::move(tokenizer);
  impl.info = api::describe_model(model->file(), model->arch(), model->hparams());
  api::describe_chat(model->file(), impl);
  // The tokenizer and the chat template have what they need: the model's metadata (the
  // vocabulary twice over, as views and as mapped pages) is not kept resident.
  model->release_metadata();
  impl.model = std::move(model);
  return impl;
}

Result<Model::Impl> load_impl(gguf::GgufFile file, const ModelOptions& options) {
  ST_TRY(check_options(options));
  return options.vocab_only ? load_vocab_only(std::move(file), options)
                            : load_full(std::move(file), options);
}
}  // namespace

Result<Model> Model::load(const std::string& path, const ModelOptions& options) {
  return api::guarded([&]() -> Result<Model> {
    ST_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::open(path));
    auto impl = load_impl(std::move(file), options);
    if (!impl) return Error(impl.error().code(), path + ": " + impl.error().message());
    return Model(std::make_shared<const Impl>(std::move(impl).value()));
  });
}

Result<Model> Model::load_from_memory(const void* data, size_t size, const ModelOptions& options) {
  return api::guarded([&]() -> Result<Model> {
    ST_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::from_memory(data, size));
    ST_ASSIGN_OR_RETURN(Impl impl, load_impl(std::move(file), options));
    return Model(std::make_shared<const Impl>(std::move(impl)));
  });
}

Result<MemoryPlan> Model::plan(const std::string& path, const ModelOptions& options) {
  return api::guarded([&]() -> Result<MemoryPlan> {
    ST_TRY(check_options(options));
    ST_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::open(path));
    ST_ASSIGN_OR_RETURN(const kernels::KernelTable* table, active_table());
    return plan_for(file, *table, options);
  });
}

const ModelInfo& Model::info() const {
  return impl_->info;
}
const ModelOptions& Model::options() const {
  return impl_->options;
}
MemoryPlan Model::memory() const {
  return impl_->memory;
}

const char* Model::isa() const {
  return impl_->model ? kernels::isa_name(impl_->model->kernels().isa) : "none";
}

Result<std::vector<Token>> Model::tokenize(std::string_view text, bool add_special,
                                           bool parse_special) const {
  return api::guarded([&]() -> Result<std::vector<Token>> {
    return impl_->tokenizer->tokenize(text, add_special, parse_special);
  });
}

Result<std::string> Model::detokenize(const std::vector<Token>& tokens, bool special) const {
  return api::guarded([&] { return impl_->tokenizer->detokenize(tokens, special); });
}

bool Model::is_end_of_generation(Token token) const {
  const std::vector<Token>& eog = impl_->info.eog_tokens;
  return std::binary_search(eog.begin(), eog.end(), token);
}

Result<std::string> Model::chat_prompt(const std::vector<ChatMessage>& messages,
                                       const ChatOptions& options) const {
  return api::guarded([&]() -> Result<std::string> {
    if (!impl_->chat_family) return Error(ErrorCode::kUnsupported, impl_->info.chat_error);
    std::vector<engine::ChatMessage> converted;
    converted.reserve(messages.size());
    for (const ChatMessage& m : messages) {
      engine::ChatMessage& c = converted.emplace_back();
      c.role = m.role;
      c.content = m.content;
      for (const ToolCall& call : m.tool_calls) c.tool_calls.push_back({call.name, call.arguments});
    }
    engine::ChatOptions chat;
    chat.add_generation_prompt = options.add_generation_prompt;
    chat.enable_thinking = options.enable_thinking;
    for (const Tool& t : options.tools) chat.tools.push_back({t.name, t.description, t.parameters});
    chat.tokenizer_adds_bos = impl_->tokenizer->add_bos();
    return engine::render_chat(*impl_->chat_family, converted, chat);
  });
}

}  // namespace shoptalk
