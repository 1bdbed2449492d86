// The C API (include/shoptalk/shoptalk.h): opaque handles over Model and Session, statuses with a
// per-thread error message.
#include "shoptalk/shoptalk.h"

#include <atomic>
#include <cstring>
#include <new>
#include <optional>
#include <string>

#include "shoptalk/shoptalk.hpp"

struct shoptalk_model {
  shoptalk::Model model;
};

struct shoptalk_session {
  std::atomic<bool> cancel{false};  // before `session`, which points at it
  std::optional<shoptalk::Session> session;
};

namespace {

thread_local std::string last_error;

shoptalk_status fail(const shoptalk::Error& error) {
  last_error = error.message();
  return static_cast<shoptalk_status>(error.code());
}

shoptalk_status fail(shoptalk_status status, const char* message) {
  last_error = message;
  return status;
}

template <typename T>
shoptalk_status status_of(const shoptalk::Result<T>& r) {
  return r ? SHOPTALK_OK : fail(r.error());
}

// The status of r, with its value in *out on success.
template <typename T>
shoptalk_status store(const shoptalk::Result<T>& r, T* out) {
  if (!r) return fail(r.error());
  *out = *r;
  return SHOPTALK_OK;
}

shoptalk::ModelOptions model_options(const shoptalk_model_options* o) {
  shoptalk::ModelOptions options;
  if (!o) return options;
  options.threads = o->threads;
  options.context = o->context;
  options.kv_type = o->kv_type == SHOPTALK_KV_Q8_0   ? shoptalk::KvType::kQ8_0
                    : o->kv_type == SHOPTALK_KV_Q4_0 ? shoptalk::KvType::kQ4_0
                                                     : shoptalk::KvType::kF16;
  options.memory_budget = o->memory_budget;
  return options;
}

shoptalk_status wrap_model(shoptalk::Result<shoptalk::Model> loaded, shoptalk_model** out) {
  if (!loaded) return fail(loaded.error());
  *out = new (std::nothrow) shoptalk_model{std::move(loaded).value()};
  return *out ? SHOPTALK_OK : fail(SHOPTALK_OUT_OF_MEMORY, "cannot allocate a model handle");
}

shoptalk::GenerateOptions generate_options(const shoptalk_generate_options* o) {
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
  for (size_t i = 0; i < o->n_stop_strings; ++i)
    if (o->stop_strings && o->stop_strings[i])
      options.stop_strings.emplace_back(o->stop_strings[i]);
  options.enable_thinking = o->enable_thinking != 0;
  return options;
}

shoptalk::PieceCallback piece_callback(shoptalk_piece_fn fn, void* user_data) {
  if (!fn) return {};
  return [fn, user_data](std::string_view piece) {
    return fn(piece.data(), piece.size(), user_data) != 0;
  };
}

shoptalk_status finish(const shoptalk::Result<shoptalk::Generation>& g,
                       shoptalk_generation_info* info) {
  if (!g) return fail(g.error());
  if (info) {
    info->stop_reason = static_cast<shoptalk_stop_reason>(g->stop_reason);
    info->prompt_tokens = g->stats.prompt_tokens;
    info->reused_tokens = g->stats.reused_tokens;
    info->generated_tokens = g->stats.generated_tokens;
    info->time_to_first_token = g->stats.time_to_first_token;
    info->prefill_tokens_per_second = g->stats.prefill_tokens_per_second();
    info->decode_tokens_per_second = g->stats.decode_tokens_per_second();
    info->mean_logprob = g->confidence.mean_logprob;
    info->min_logprob = g->confidence.min_logprob;
    info->mean_entropy = g->confidence.mean_entropy;
    info->seed = g->seed;
  }
  return SHOPTALK_OK;
}

}  // namespace

extern "C" {

const char* shoptalk_status_name(shoptalk_status status) {
  return status == SHOPTALK_OK
             ? "ok"
             : shoptalk::error_code_name(static_cast<shoptalk::ErrorCode>(status));
}

const char* shoptalk_last_error(void) {
  return last_error.c_str();
}

void shoptalk_model_options_init(shoptalk_model_options* options) {
  *options = shoptalk_model_options{0, 0, SHOPTALK_KV_F16, 0};
}

shoptalk_status shoptalk_model_load(const char* path, const shoptalk_model_options* options,
                                    shoptalk_model** model) {
  if (!path || !model) return fail(SHOPTALK_INVALID_ARGUMENT, "path and model must not be NULL");
  *model = nullptr;
  return wrap_model(shoptalk::Model::load(path, model_options(options)), model);
}

shoptalk_status shoptalk_model_load_from_memory(const void* data, size_t size,
                                                const shoptalk_model_options* options,
                                                shoptalk_model** model) {
  if (!data || !model) return fail(SHOPTALK_INVALID_ARGUMENT, "data and model must not be NULL");
  *model = nullptr;
  return wrap_model(shoptalk::Model::load_from_memory(data, size, model_options(options)), model);
}

void shoptalk_model_free(shoptalk_model* model) {
  delete model;
}

shoptalk_status shoptalk_model_plan(const char* path, const shoptalk_model_options* options,
                                    uint64_t* total_bytes) {
  if (!path || !total_bytes)
    return fail(SHOPTALK_INVALID_ARGUMENT, "path and total_bytes must not be NULL");
  const auto plan = shoptalk::Model::plan(path, model_options(options));
  if (!plan) return fail(plan.error());
  *total_bytes = plan->total();
  return SHOPTALK_OK;
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
  if (!text || !n_tokens) return fail(SHOPTALK_INVALID_ARGUMENT, "text and n_tokens must be set");
  const auto ids = model->model.tokenize(text, add_special != 0, parse_special != 0);
  if (!ids) return fail(ids.error());
  *n_tokens = ids->size();
  if (ids->size() > capacity || (!tokens && !ids->empty()))
    return fail(SHOPTALK_INVALID_ARGUMENT, "the token buffer is too small");
  if (!ids->empty()) std::memcpy(tokens, ids->data(), ids->size() * sizeof(int32_t));
  return SHOPTALK_OK;
}

void shoptalk_session_options_init(shoptalk_session_options* options) {
  *options = shoptalk_session_options{0, 0};
}

shoptalk_status shoptalk_session_create(shoptalk_model* model,
                                        const shoptalk_session_options* options,
                                        shoptalk_session** session) {
  if (!model || !session) return fail(SHOPTALK_INVALID_ARGUMENT, "model and session must be set");
  *session = nullptr;
  auto* s = new (std::nothrow) shoptalk_session;
  if (!s) return fail(SHOPTALK_OUT_OF_MEMORY, "cannot allocate a session handle");
  shoptalk::SessionOptions so;
  if (options) {
    so.context = options->context;
    so.threads = options->threads;
  }
  so.cancel = &s->cancel;
  auto created = shoptalk::Session::create(model->model, so);
  if (!created) {
    delete s;
    return fail(created.error());
  }
  s->session.emplace(std::move(created).value());
  *session = s;
  return SHOPTALK_OK;
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

void shoptalk_session_reset(shoptalk_session* session) {
  session->session->reset();
}

shoptalk_status shoptalk_session_prompt(shoptalk_session* session, const char* text) {
  if (!text) return fail(SHOPTALK_INVALID_ARGUMENT, "text must not be NULL");
  return status_of(session->session->prompt(std::string_view(text)));
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
                                       d.enable_thinking ? 1 : 0};
}

shoptalk_status shoptalk_session_generate(shoptalk_session* session, const char* prompt,
                                          const shoptalk_generate_options* options,
                                          shoptalk_piece_fn on_piece, void* user_data,
                                          shoptalk_generation_info* info) {
  const shoptalk::GenerateOptions o = generate_options(options);
  const shoptalk::PieceCallback cb = piece_callback(on_piece, user_data);
  if (prompt) return finish(session->session->generate(std::string_view(prompt), o, cb), info);
  return finish(session->session->generate(o, cb), info);
}

shoptalk_status shoptalk_session_chat(shoptalk_session* session,
                                      const shoptalk_chat_message* messages, size_t n_messages,
                                      const shoptalk_generate_options* options,
                                      shoptalk_piece_fn on_piece, void* user_data,
                                      shoptalk_generation_info* info) {
  if (!messages && n_messages > 0)
    return fail(SHOPTALK_INVALID_ARGUMENT, "messages must not be NULL");
  std::vector<shoptalk::ChatMessage> chat;
  for (size_t i = 0; i < n_messages; ++i) {
    if (!messages[i].role || !messages[i].content)
      return fail(SHOPTALK_INVALID_ARGUMENT, "a chat message has a NULL role or content");
    chat.push_back({messages[i].role, messages[i].content});
  }
  return finish(
      session->session->chat(chat, generate_options(options), piece_callback(on_piece, user_data)),
      info);
}

shoptalk_status shoptalk_session_save_state(const shoptalk_session* session, void* buffer,
                                            size_t capacity, size_t* size) {
  if (!size) return fail(SHOPTALK_INVALID_ARGUMENT, "size must not be NULL");
  const auto state = session->session->save_state();
  if (!state) return fail(state.error());
  *size = state->size();
  if (!buffer || capacity < state->size())
    return fail(SHOPTALK_INVALID_ARGUMENT, "the state buffer is too small");
  std::memcpy(buffer, state->data(), state->size());
  return SHOPTALK_OK;
}

shoptalk_status shoptalk_session_load_state(shoptalk_session* session, const void* data,
                                            size_t size) {
  return status_of(session->session->load_state(data, size));
}

shoptalk_status shoptalk_session_save_state_file(const shoptalk_session* session,
                                                 const char* path) {
  if (!path) return fail(SHOPTALK_INVALID_ARGUMENT, "path must not be NULL");
  return status_of(session->session->save_state_file(path));
}

shoptalk_status shoptalk_session_load_state_file(shoptalk_session* session, const char* path) {
  if (!path) return fail(SHOPTALK_INVALID_ARGUMENT, "path must not be NULL");
  return status_of(session->session->load_state_file(path));
}

shoptalk_status shoptalk_active_isa(const char** isa) {
  if (!isa) return fail(SHOPTALK_INVALID_ARGUMENT, "isa must not be NULL");
  thread_local std::string name;
  auto active = shoptalk::active_isa();
  if (!active) return fail(active.error());
  name = *active;
  *isa = name.c_str();
  return SHOPTALK_OK;
}

shoptalk_status shoptalk_measure_read_bandwidth(int threads, uint64_t bytes, double* bytes_per_s) {
  if (!bytes_per_s) return fail(SHOPTALK_INVALID_ARGUMENT, "bytes_per_s must not be NULL");
  return store(shoptalk::measure_read_bandwidth(threads, bytes), bytes_per_s);
}

shoptalk_status shoptalk_measure_int8_peak(int threads, double* macs_per_s) {
  if (!macs_per_s) return fail(SHOPTALK_INVALID_ARGUMENT, "macs_per_s must not be NULL");
  return store(shoptalk::measure_int8_peak(threads), macs_per_s);
}

}  // extern "C"
