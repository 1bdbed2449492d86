// The C API (include/shoptalk/shoptalk.h): opaque handles over Model and Session, statuses with a
// per-thread error message. Model files, synthetic models and machine queries: c_api_files.cpp.
#include "shoptalk/shoptalk.h"

#include <atomic>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>

#include "engine/api/c_api_util.h"
#include "shoptalk/shoptalk.hpp"

using shoptalk::capi::c_enum_value;
using shoptalk::capi::fail;
using shoptalk::capi::guarded;
using shoptalk::capi::status_of;

struct shoptalk_constraint {
  shoptalk::Constraint constraint;
};

struct shoptalk_session {
  std::atomic<bool> cancel{false};  // before `session`, which points at it
  std::optional<shoptalk::Session> session;
  size_t n_vocab = 0;
  // The last generation, which shoptalk_generation_info points into: its text, its tokens and
  // every token's alternatives back to back.
  shoptalk::Generation last;
  std::vector<shoptalk_generated_token> tokens;
  std::vector<shoptalk_token_logprob> top;
  std::vector<shoptalk_tool_call> tool_calls;
};

namespace shoptalk::capi {

namespace {
thread_local std::string last_error;
// Set instead of last_error when recording the message itself could fail.
thread_local const char* last_error_fixed = nullptr;
}  // namespace

const char* last_error_message() {
  return last_error_fixed ? last_error_fixed : last_error.c_str();
}

shoptalk_status fail(const Error& error) {
  last_error_fixed = nullptr;
  last_error = error.message();
  return static_cast<shoptalk_status>(error.code());
}

shoptalk_status fail(shoptalk_status status, const char* message) {
  last_error_fixed = nullptr;
  last_error = message;
  return status;
}

shoptalk_status fail_fixed(shoptalk_status status, const char* message) {
  last_error_fixed = message;
  return status;
}

std::vector<shoptalk_type_bytes> type_bytes_view(
    const std::vector<std::pair<std::string, uint64_t>>& type_bytes) {
  std::vector<shoptalk_type_bytes> view;
  for (const auto& [type, bytes] : type_bytes) view.push_back({type.c_str(), bytes});
  return view;
}

void describe(const ModelInfo& info, const std::vector<shoptalk_type_bytes>& type_bytes,
              shoptalk_model_info* out) {
  *out = shoptalk_model_info{info.architecture.c_str(),
                             info.name.c_str(),
                             info.n_vocab,
                             info.n_embd,
                             info.n_layer,
                             info.n_head,
                             info.n_head_kv,
                             info.head_dim,
                             info.n_ff,
                             info.n_rot,
                             info.context_train,
                             info.rope_base,
                             info.rms_eps,
                             static_cast<shoptalk_pooling>(info.pooling),
                             info.bos,
                             info.eos,
                             info.eog_tokens.data(),
                             info.eog_tokens.size(),
                             info.chat_family.c_str(),
                             info.chat_error.c_str(),
                             info.n_params,
                             info.weight_bytes_per_token,
                             type_bytes.data(),
                             type_bytes.size()};
}

}  // namespace shoptalk::capi

namespace {

template <typename T>
using Result = shoptalk::Result<T>;

Result<shoptalk::KvType> kv_type_of(const shoptalk_kv_type& type) {
  const int raw = c_enum_value(type);
  switch (raw) {
    case SHOPTALK_KV_F16:
      return shoptalk::KvType::kF16;
    case SHOPTALK_KV_Q8_0:
      return shoptalk::KvType::kQ8_0;
    case SHOPTALK_KV_Q4_0:
      return shoptalk::KvType::kQ4_0;
    case SHOPTALK_KV_MODEL_DEFAULT:
      break;
  }
  return shoptalk::Error(shoptalk::ErrorCode::kInvalidArgument,
                         "KV cache type value " + std::to_string(raw) + " is not a cache type");
}

shoptalk_kv_type c_kv_type(shoptalk::KvType type) {
  switch (type) {
    case shoptalk::KvType::kQ8_0:
      return SHOPTALK_KV_Q8_0;
    case shoptalk::KvType::kQ4_0:
      return SHOPTALK_KV_Q4_0;
    case shoptalk::KvType::kF16:
      break;
  }
  return SHOPTALK_KV_F16;
}

Result<shoptalk::ModelOptions> model_options(const shoptalk_model_options* o) {
  shoptalk::ModelOptions options;
  if (!o) return options;
  options.threads = o->threads;
  options.context = o->context;
  auto kv = kv_type_of(o->kv_type);
  if (!kv) return kv.error();
  options.kv_type = *kv;
  options.memory_budget = o->memory_budget;
  options.vocab_only = o->vocab_only != 0;
  options.allow_context_beyond_training = o->allow_context_beyond_training != 0;
  return options;
}

shoptalk_status wrap_model(Result<shoptalk::Model> loaded, shoptalk_model** out) {
  if (!loaded) return fail(loaded.error());
  std::unique_ptr<shoptalk_model> handle(new (std::nothrow)
                                             shoptalk_model{std::move(loaded).value(), {}});
  if (!handle) return fail(SHOPTALK_OUT_OF_MEMORY, "cannot allocate a model handle");
  handle->type_bytes = shoptalk::capi::type_bytes_view(handle->model.info().type_bytes);
  *out = handle.release();
  return SHOPTALK_OK;
}

void plan_to_c(const shoptalk::MemoryPlan& p, shoptalk_memory_plan* out) {
  *out = shoptalk_memory_plan{p.weights, p.kv_cache, p.scratch, p.total()};
}

// Copies text NUL-terminated into a caller buffer of `capacity` bytes, its length into *length.
shoptalk_status copy_text(const Result<std::string>& text, char* buffer, size_t capacity,
                          size_t* length) {
  if (!text) return fail(text.error());
  *length = text->size();
  if (!buffer || capacity < text->size() + 1)
    return fail(SHOPTALK_INVALID_ARGUMENT, "the text buffer is too small");
  std::memcpy(buffer, text->c_str(), text->size() + 1);
  return SHOPTALK_OK;
}

Result<std::vector<shoptalk::ChatMessage>> chat_messages(const shoptalk_chat_message* messages,
                                                         size_t n_messages) {
  const shoptalk::Error bad(shoptalk::ErrorCode::kInvalidArgument,
                            "messages must not be NULL, nor any role or content");
  if (!messages && n_messages > 0) return bad;
  std::vector<shoptalk::ChatMessage> chat;
  for (size_t i = 0; i < n_messages; ++i) {
    if (!messages[i].role || !messages[i].content) return bad;
    chat.push_back({messages[i].role, messages[i].content});
  }
  return chat;
}

Result<std::vector<shoptalk::Tool>> tools_of(const shoptalk_tool* tools, size_t n_tools) {
  const shoptalk::Error bad(shoptalk::ErrorCode::kInvalidArgument,
                            "tools must not be NULL, nor any name, description or parameters");
  if (!tools && n_tools > 0) return bad;
  std::vector<shoptalk::Tool> out;
  for (size_t i = 0; i < n_tools; ++i) {
    const shoptalk_tool& t = tools[i];
    if (!t.name || !t.description || !t.parameters) return bad;
    out.push_back({t.name, t.description, t.parameters});
  }
  return out;
}

Result<shoptalk::ToolChoice> tool_choice_of(const shoptalk_tool_choice& choice) {
  const int raw = c_enum_value(choice);
  switch (raw) {
    case SHOPTALK_TOOL_CHOICE_AUTO:
      return shoptalk::ToolChoice::kAuto;
    case SHOPTALK_TOOL_CHOICE_REQUIRED:
      return shoptalk::ToolChoice::kRequired;
    case SHOPTALK_TOOL_CHOICE_NONE:
      return shoptalk::ToolChoice::kNone;
  }
  return shoptalk::Error(shoptalk::ErrorCode::kInvalidArgument,
                         "tool choice value " + std::to_string(raw) + " is not a tool choice");
}

Result<shoptalk::GenerateOptions> generate_options(const shoptalk_generate_options* o) {
  shoptalk::GenerateOptions options;
  if (!o) return options;
  options.max_tokens = o->max_tokens;
  shoptalk::SamplingOptions& s = options.sampling;
  s.temperature = o->temperature;
  s.top_k = o->top_k;
  s.top_p = o->top_p;
  s.min_p = o->min_p;
  s.repeat_penalty = o->repeat_penalty;
  s.presence_penalty = o->presence_penalty;
  s.frequency_penalty = o->frequency_penalty;
  s.penalty_last_n = o->penalty_last_n;
  s.seed = o->seed;
  for (size_t i = 0; o->logit_bias && i < o->n_logit_bias; ++i)
    s.logit_bias.push_back({o->logit_bias[i].token, o->logit_bias[i].bias});
  for (size_t i = 0; o->stop_strings && i < o->n_stop_strings; ++i)
    if (o->stop_strings[i]) options.stop_strings.emplace_back(o->stop_strings[i]);
  if (o->stop_tokens) options.stop_tokens.assign(o->stop_tokens, o->stop_tokens + o->n_stop_tokens);
  options.top_logprobs = o->top_logprobs;
  options.enable_thinking = o->enable_thinking != 0;
  options.on_context_full =
      c_enum_value(o->on_context_full) == SHOPTALK_CONTEXT_FULL_DROP_OLDEST_TURNS
          ? shoptalk::ContextFull::kDropOldestTurns
          : shoptalk::ContextFull::kStop;
  if (o->constraint) options.constraint = o->constraint->constraint;
  if (o->json_schema) options.json_schema = o->json_schema;
  if (o->grammar) options.grammar = o->grammar;
  if (o->regex) options.regex = o->regex;
  // An empty inline text is "none" in the C++ options; in C it is a constraint nothing satisfies.
  if ((o->json_schema && !*o->json_schema) || (o->grammar && !*o->grammar) ||
      (o->regex && !*o->regex))
    return shoptalk::Error(shoptalk::ErrorCode::kInvalidArgument,
                           "an empty json_schema, grammar or regex constrains nothing: pass NULL");
  options.thinking_budget = o->thinking_budget;
  auto tools = tools_of(o->tools, o->n_tools);
  if (!tools) return tools.error();
  options.tools = std::move(tools).value();
  auto choice = tool_choice_of(o->tool_choice);
  if (!choice) return choice.error();
  options.tool_choice = *choice;
  if (o->tool_name) options.tool_name = o->tool_name;
  return options;
}

shoptalk::PieceCallback piece_callback(shoptalk_piece_fn fn, void* user_data) {
  if (!fn) return {};
  return [fn, user_data](std::string_view piece) {
    return fn(piece.data(), piece.size(), user_data) != 0;
  };
}

// Keeps the generation in the session for the info's pointers and fills the info.
shoptalk_status finish(shoptalk_session* session, Result<shoptalk::Generation> g,
                       shoptalk_generation_info* info) {
  if (!g) return fail(g.error());
  session->last = std::move(g).value();
  const shoptalk::Generation& last = session->last;
  session->top.clear();
  for (const shoptalk::GeneratedToken& t : last.tokens)
    for (const shoptalk::TokenLogprob& alt : t.top)
      session->top.push_back({alt.token, alt.logprob});
  session->tokens.clear();
  size_t at = 0;
  for (const shoptalk::GeneratedToken& t : last.tokens) {
    session->tokens.push_back(
        {t.token, t.logprob, t.entropy, session->top.data() + at, t.top.size()});
    at += t.top.size();
  }
  session->tool_calls.clear();
  for (const shoptalk::ToolCall& call : last.tool_calls)
    session->tool_calls.push_back({call.name.c_str(), call.arguments.c_str()});
  if (!info) return SHOPTALK_OK;
  const shoptalk::GenerationStats& stats = last.stats;
  *info = shoptalk_generation_info{static_cast<shoptalk_stop_reason>(last.stop_reason),
                                   stats.prompt_tokens,
                                   stats.reused_tokens,
                                   stats.generated_tokens,
                                   stats.dropped_messages,
                                   stats.prompt_seconds,
                                   stats.decode_seconds,
                                   stats.time_to_first_token,
                                   stats.prefill_tokens_per_second(),
                                   stats.decode_tokens_per_second(),
                                   last.confidence.mean_logprob,
                                   last.confidence.min_logprob,
                                   last.confidence.mean_entropy,
                                   last.seed,
                                   last.text.c_str(),
                                   last.text.size(),
                                   session->tokens.data(),
                                   last.value.c_str(),
                                   last.value.size(),
                                   session->tool_calls.data(),
                                   session->tool_calls.size()};
  return SHOPTALK_OK;
}

}  // namespace

extern "C" {

const char* shoptalk_status_name(shoptalk_status status) {
  const int raw = c_enum_value(status);
  return raw == SHOPTALK_OK ? "ok"
                            : shoptalk::error_code_name(static_cast<shoptalk::ErrorCode>(raw));
}

const char* shoptalk_last_error(void) {
  return shoptalk::capi::last_error_message();
}

const char* shoptalk_kv_type_name(shoptalk_kv_type type) {
  // Checked first: kv_type_of's error for another value would need memory.
  const int raw = c_enum_value(type);
  if (raw < SHOPTALK_KV_F16 || raw > SHOPTALK_KV_Q4_0) return "";
  return shoptalk::kv_type_name(*kv_type_of(type));
}

shoptalk_status shoptalk_kv_type_from_name(const char* name, shoptalk_kv_type* type) {
  return guarded([&] {
    if (!name || !type) return fail(SHOPTALK_INVALID_ARGUMENT, "name and type must not be NULL");
    const auto kv = shoptalk::kv_type_from_name(name);
    if (!kv) return fail(kv.error());
    *type = c_kv_type(*kv);
    return SHOPTALK_OK;
  });
}

void shoptalk_model_options_init(shoptalk_model_options* options) {
  *options = shoptalk_model_options{0, 0, SHOPTALK_KV_F16, 0, 0, 0};
}

shoptalk_status shoptalk_model_load(const char* path, const shoptalk_model_options* options,
                                    shoptalk_model** model) {
  return guarded([&] {
    if (!path || !model) return fail(SHOPTALK_INVALID_ARGUMENT, "path and model must not be NULL");
    *model = nullptr;
    const auto o = model_options(options);
    if (!o) return fail(o.error());
    return wrap_model(shoptalk::Model::load(path, *o), model);
  });
}

shoptalk_status shoptalk_model_load_from_memory(const void* data, size_t size,
                                                const shoptalk_model_options* options,
                                                shoptalk_model** model) {
  return guarded([&] {
    if (!data || !model) return fail(SHOPTALK_INVALID_ARGUMENT, "data and model must not be NULL");
    *model = nullptr;
    const auto o = model_options(options);
    if (!o) return fail(o.error());
    return wrap_model(shoptalk::Model::load_from_memory(data, size, *o), model);
  });
}

void shoptalk_model_free(shoptalk_model* model) {
  delete model;
}

shoptalk_status shoptalk_model_plan(const char* path, const shoptalk_model_options* options,
                                    shoptalk_memory_plan* plan) {
  return guarded([&] {
    if (!path || !plan) return fail(SHOPTALK_INVALID_ARGUMENT, "path and plan must not be NULL");
    const auto o = model_options(options);
    if (!o) return fail(o.error());
    const auto planned = shoptalk::Model::plan(path, *o);
    if (!planned) return fail(planned.error());
    plan_to_c(*planned, plan);
    return SHOPTALK_OK;
  });
}

void shoptalk_model_memory(const shoptalk_model* model, shoptalk_memory_plan* plan) {
  plan_to_c(model->model.memory(), plan);
}

void shoptalk_model_get_options(const shoptalk_model* model, shoptalk_model_options* options) {
  const shoptalk::ModelOptions& o = model->model.options();
  *options = shoptalk_model_options{o.threads,
                                    o.context,
                                    c_kv_type(o.kv_type),
                                    o.memory_budget,
                                    o.vocab_only ? 1 : 0,
                                    o.allow_context_beyond_training ? 1 : 0};
}

const char* shoptalk_model_isa(const shoptalk_model* model) {
  return model->model.isa();
}

void shoptalk_model_get_info(const shoptalk_model* model, shoptalk_model_info* info) {
  shoptalk::capi::describe(model->model.info(), model->type_bytes, info);
}

int shoptalk_model_n_vocab(const shoptalk_model* model) {
  return model->model.info().n_vocab;
}

const char* shoptalk_model_chat_family(const shoptalk_model* model) {
  return model->model.info().chat_family.c_str();
}

int shoptalk_model_is_end_of_generation(const shoptalk_model* model, int32_t token) {
  return model->model.is_end_of_generation(token) ? 1 : 0;
}

shoptalk_status shoptalk_tokenize(const shoptalk_model* model, const char* text, int add_special,
                                  int parse_special, int32_t* tokens, size_t capacity,
                                  size_t* n_tokens) {
  return guarded([&] {
    if (!text || !n_tokens) return fail(SHOPTALK_INVALID_ARGUMENT, "text and n_tokens must be set");
    const auto ids = model->model.tokenize(text, add_special != 0, parse_special != 0);
    if (!ids) return fail(ids.error());
    *n_tokens = ids->size();
    if (ids->size() > capacity || (!tokens && !ids->empty()))
      return fail(SHOPTALK_INVALID_ARGUMENT, "the token buffer is too small");
    if (!ids->empty()) std::memcpy(tokens, ids->data(), ids->size() * sizeof(int32_t));
    return SHOPTALK_OK;
  });
}

shoptalk_status shoptalk_detokenize(const shoptalk_model* model, const int32_t* tokens,
                                    size_t n_tokens, int special, char* text, size_t capacity,
                                    size_t* length) {
  return guarded([&] {
    if ((!tokens && n_tokens > 0) || !length)
      return fail(SHOPTALK_INVALID_ARGUMENT, "tokens and length must be set");
    const std::vector<shoptalk::Token> ids(tokens, tokens + n_tokens);
    return copy_text(model->model.detokenize(ids, special != 0), text, capacity, length);
  });
}

void shoptalk_chat_options_init(shoptalk_chat_options* options) {
  const shoptalk::ChatOptions d;
  *options =
      shoptalk_chat_options{d.add_generation_prompt ? 1 : 0, d.enable_thinking ? 1 : 0, nullptr, 0};
}

shoptalk_status shoptalk_model_chat_prompt(const shoptalk_model* model,
                                           const shoptalk_chat_message* messages, size_t n_messages,
                                           const shoptalk_chat_options* options, char* text,
                                           size_t capacity, size_t* length) {
  return guarded([&] {
    if (!length) return fail(SHOPTALK_INVALID_ARGUMENT, "length must not be NULL");
    const auto chat = chat_messages(messages, n_messages);
    if (!chat) return fail(chat.error());
    shoptalk::ChatOptions o;
    if (options) {
      o.add_generation_prompt = options->add_generation_prompt != 0;
      o.enable_thinking = options->enable_thinking != 0;
      auto tools = tools_of(options->tools, options->n_tools);
      if (!tools) return fail(tools.error());
      o.tools = std::move(tools).value();
    }
    return copy_text(model->model.chat_prompt(*chat, o), text, capacity, length);
  });
}

shoptalk_status shoptalk_constraint_compile(const shoptalk_model* model,
                                            shoptalk_constraint_kind kind, const char* text,
                                            shoptalk_constraint** constraint) {
  return guarded([&] {
    if (!model || !text || !constraint)
      return fail(SHOPTALK_INVALID_ARGUMENT, "model, text and constraint must not be NULL");
    *constraint = nullptr;
    shoptalk::ConstraintKind k;
    switch (c_enum_value(kind)) {
      case SHOPTALK_CONSTRAINT_JSON_SCHEMA:
        k = shoptalk::ConstraintKind::kJsonSchema;
        break;
      case SHOPTALK_CONSTRAINT_GRAMMAR:
        k = shoptalk::ConstraintKind::kGrammar;
        break;
      case SHOPTALK_CONSTRAINT_REGEX:
        k = shoptalk::ConstraintKind::kRegex;
        break;
      default:
        return fail(SHOPTALK_INVALID_ARGUMENT, "unknown constraint kind");
    }
    auto compiled = shoptalk::Constraint::compile(model->model, k, text);
    if (!compiled) return fail(compiled.error());
    *constraint = new (std::nothrow) shoptalk_constraint{std::move(compiled).value()};
    if (!*constraint) return fail(SHOPTALK_OUT_OF_MEMORY, "cannot allocate a constraint handle");
    return SHOPTALK_OK;
  });
}

void shoptalk_constraint_free(shoptalk_constraint* constraint) {
  delete constraint;
}

shoptalk_status shoptalk_constraint_check(const shoptalk_constraint* constraint, const char* text,
                                          size_t length) {
  return guarded([&] {
    if (!constraint || (!text && length > 0))
      return fail(SHOPTALK_INVALID_ARGUMENT, "constraint and text must not be NULL");
    return status_of(constraint->constraint.check(std::string_view(text ? text : "", length)));
  });
}

void shoptalk_session_options_init(shoptalk_session_options* options) {
  *options = shoptalk_session_options{0, 0, SHOPTALK_KV_MODEL_DEFAULT, 0};
}

shoptalk_status shoptalk_session_create(shoptalk_model* model,
                                        const shoptalk_session_options* options,
                                        shoptalk_session** session) {
  return guarded([&] {
    if (!model || !session) return fail(SHOPTALK_INVALID_ARGUMENT, "model and session must be set");
    *session = nullptr;
    shoptalk::SessionOptions so;
    if (options) {
      so.context = options->context;
      so.threads = options->threads;
      if (options->kv_type != SHOPTALK_KV_MODEL_DEFAULT) {
        const auto kv = kv_type_of(options->kv_type);
        if (!kv) return fail(kv.error());
        so.kv_type = *kv;
      }
      so.allow_context_beyond_training = options->allow_context_beyond_training != 0;
    }
    std::unique_ptr<shoptalk_session> s(new (std::nothrow) shoptalk_session);
    if (!s) return fail(SHOPTALK_OUT_OF_MEMORY, "cannot allocate a session handle");
    so.cancel = &s->cancel;
    auto created = shoptalk::Session::create(model->model, so);
    if (!created) return fail(created.error());
    s->session.emplace(std::move(created).value());
    s->n_vocab = static_cast<size_t>(model->model.info().n_vocab);
    *session = s.release();
    return SHOPTALK_OK;
  });
}

void shoptalk_session_free(shoptalk_session* session) {
  delete session;
}

void shoptalk_session_set_cancel(shoptalk_session* session, int cancelled) {
  session->cancel.store(cancelled != 0);
}

int shoptalk_session_position(const shoptalk_session* session) {
  return session->session->position();
}

int shoptalk_session_context(const shoptalk_session* session) {
  return session->session->context();
}

shoptalk_kv_type shoptalk_session_kv_type(const shoptalk_session* session) {
  return c_kv_type(session->session->kv_type());
}

const int32_t* shoptalk_session_tokens(const shoptalk_session* session, size_t* n_tokens) {
  const std::vector<shoptalk::Token>& tokens = session->session->tokens();
  if (n_tokens) *n_tokens = tokens.size();
  return tokens.data();
}

void shoptalk_session_reset(shoptalk_session* session) {
  session->session->reset();
}

shoptalk_status shoptalk_session_truncate(shoptalk_session* session, int position) {
  return guarded([&] { return status_of(session->session->truncate(position)); });
}

shoptalk_status shoptalk_session_eval(shoptalk_session* session, const int32_t* tokens,
                                      size_t n_tokens, int all_logits, float* logits,
                                      size_t capacity, size_t* n_logits) {
  return guarded([&] {
    if (!tokens && n_tokens > 0) return fail(SHOPTALK_INVALID_ARGUMENT, "tokens must not be NULL");
    const size_t needed = (all_logits ? n_tokens : 1) * session->n_vocab;
    if (n_logits) *n_logits = needed;
    if (logits && capacity < needed)
      return fail(SHOPTALK_INVALID_ARGUMENT, "the logits buffer is too small");
    // Every row goes straight into the caller's buffer; the last row is the session's.
    const bool rows = all_logits && logits;
    const shoptalk::Status st = session->session->eval(tokens, n_tokens, rows ? logits : nullptr);
    if (!st) return fail(st.error());
    if (logits && !rows)
      std::memcpy(logits, session->session->logits(), session->n_vocab * sizeof(float));
    return SHOPTALK_OK;
  });
}

const float* shoptalk_session_logits(const shoptalk_session* session) {
  return session->session->logits();
}

shoptalk_status shoptalk_session_prompt(shoptalk_session* session, const char* text) {
  return guarded([&] {
    if (!text) return fail(SHOPTALK_INVALID_ARGUMENT, "text must not be NULL");
    return status_of(session->session->prompt(std::string_view(text)));
  });
}

shoptalk_status shoptalk_session_prompt_tokens(shoptalk_session* session, const int32_t* tokens,
                                               size_t n_tokens) {
  return guarded([&] {
    if (!tokens && n_tokens > 0) return fail(SHOPTALK_INVALID_ARGUMENT, "tokens must not be NULL");
    return status_of(
        session->session->prompt(std::vector<shoptalk::Token>(tokens, tokens + n_tokens)));
  });
}

void shoptalk_generate_options_init(shoptalk_generate_options* options) {
  const shoptalk::GenerateOptions d;
  const shoptalk::SamplingOptions& s = d.sampling;
  *options = shoptalk_generate_options{d.max_tokens,
                                       s.temperature,
                                       s.top_k,
                                       s.top_p,
                                       s.min_p,
                                       s.repeat_penalty,
                                       s.presence_penalty,
                                       s.frequency_penalty,
                                       s.penalty_last_n,
                                       s.seed,
                                       nullptr,
                                       0,
                                       d.enable_thinking ? 1 : 0,
                                       nullptr,
                                       0,
                                       nullptr,
                                       0,
                                       d.top_logprobs,
                                       SHOPTALK_CONTEXT_FULL_STOP,
                                       nullptr,
                                       nullptr,
                                       nullptr,
                                       nullptr,
                                       d.thinking_budget,
                                       nullptr,
                                       0,
                                       SHOPTALK_TOOL_CHOICE_AUTO,
                                       nullptr};
}

const char* shoptalk_stop_reason_name(shoptalk_stop_reason reason) {
  return shoptalk::stop_reason_name(static_cast<shoptalk::StopReason>(c_enum_value(reason)));
}

shoptalk_status shoptalk_session_generate(shoptalk_session* session, const char* prompt,
                                          const shoptalk_generate_options* options,
                                          shoptalk_piece_fn on_piece, void* user_data,
                                          shoptalk_generation_info* info) {
  return guarded([&] {
    const auto o = generate_options(options);
    if (!o) return fail(o.error());
    const shoptalk::PieceCallback cb = piece_callback(on_piece, user_data);
    if (prompt)
      return finish(session, session->session->generate(std::string_view(prompt), *o, cb), info);
    return finish(session, session->session->generate(*o, cb), info);
  });
}

shoptalk_status shoptalk_session_chat(shoptalk_session* session,
                                      const shoptalk_chat_message* messages, size_t n_messages,
                                      const shoptalk_generate_options* options,
                                      shoptalk_piece_fn on_piece, void* user_data,
                                      shoptalk_generation_info* info) {
  return guarded([&] {
    const auto chat = chat_messages(messages, n_messages);
    if (!chat) return fail(chat.error());
    const auto o = generate_options(options);
    if (!o) return fail(o.error());
    return finish(session, session->session->chat(*chat, *o, piece_callback(on_piece, user_data)),
                  info);
  });
}

shoptalk_status shoptalk_session_save_state(const shoptalk_session* session, void* buffer,
                                            size_t capacity, size_t* size) {
  return guarded([&] {
    if (!size) return fail(SHOPTALK_INVALID_ARGUMENT, "size must not be NULL");
    const auto state = session->session->save_state();
    if (!state) return fail(state.error());
    *size = state->size();
    if (!buffer || capacity < state->size())
      return fail(SHOPTALK_INVALID_ARGUMENT, "the state buffer is too small");
    std::memcpy(buffer, state->data(), state->size());
    return SHOPTALK_OK;
  });
}

shoptalk_status shoptalk_session_load_state(shoptalk_session* session, const void* data,
                                            size_t size) {
  return guarded([&] { return status_of(session->session->load_state(data, size)); });
}

shoptalk_status shoptalk_session_save_state_file(const shoptalk_session* session,
                                                 const char* path) {
  return guarded([&] {
    if (!path) return fail(SHOPTALK_INVALID_ARGUMENT, "path must not be NULL");
    return status_of(session->session->save_state_file(path));
  });
}

shoptalk_status shoptalk_session_load_state_file(shoptalk_session* session, const char* path) {
  return guarded([&] {
    if (!path) return fail(SHOPTALK_INVALID_ARGUMENT, "path must not be NULL");
    return status_of(session->session->load_state_file(path));
  });
}

}  // extern "C"
