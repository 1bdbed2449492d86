/* shoptalk: the C API, for firmware written in C (C99). A thin layer over the C++ API in
 * shoptalk.hpp: the same models, sessions, generation, chat and state, behind opaque handles.
 *
 * Every fallible call returns a shoptalk_status (SHOPTALK_OK = 0); on failure
 * shoptalk_last_error() gives the message, for the calling thread, until its next failed call.
 *
 *   shoptalk_model* model;
 *   if (shoptalk_model_load("model.gguf", NULL, &model) != SHOPTALK_OK) {
 *     log(shoptalk_last_error());
 *     return;
 *   }
 *   shoptalk_session* session;
 *   shoptalk_session_create(model, NULL, &session);
 *   shoptalk_chat_message chat[] = {{"user", "Motor current 8.5 A, belt speed 30 %"}};
 *   shoptalk_session_chat(session, chat, 1, NULL, uart_piece, &uart, NULL);
 *   shoptalk_session_free(session);
 *   shoptalk_model_free(model);
 */
#ifndef SHOPTALK_SHOPTALK_H
#define SHOPTALK_SHOPTALK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The values of shoptalk::ErrorCode. */
typedef enum shoptalk_status {
  SHOPTALK_OK = 0,
  SHOPTALK_INVALID_ARGUMENT = 1,
  SHOPTALK_IO = 2,
  SHOPTALK_MALFORMED_FILE = 3,
  SHOPTALK_UNSUPPORTED = 4,
  SHOPTALK_OUT_OF_MEMORY = 5,
  SHOPTALK_CONTEXT_OVERFLOW = 6,
  SHOPTALK_BUDGET_EXCEEDED = 7,
  SHOPTALK_CANCELLED = 8,
  SHOPTALK_STATE_MISMATCH = 9,
  SHOPTALK_INTERNAL = 10
} shoptalk_status;

/* "ok", "invalid_argument", "malformed_file", ... */
const char* shoptalk_status_name(shoptalk_status status);
/* The message of this thread's last failed call ("" if none). */
const char* shoptalk_last_error(void);

typedef struct shoptalk_model shoptalk_model;
typedef struct shoptalk_session shoptalk_session;

/* ---- Models ---- */

typedef enum shoptalk_kv_type {
  SHOPTALK_KV_F16 = 0,
  SHOPTALK_KV_Q8_0 = 1,
  SHOPTALK_KV_Q4_0 = 2
} shoptalk_kv_type;

typedef struct shoptalk_model_options {
  int threads;              /* per session; 0 = every core */
  int context;              /* default session context; 0 = min(training context, 4096) */
  shoptalk_kv_type kv_type; /* default session KV cache type */
  uint64_t memory_budget;   /* bytes; a larger memory plan is SHOPTALK_BUDGET_EXCEEDED; 0 = none */
} shoptalk_model_options;

/* The defaults (all zero, F16 cache). NULL options anywhere mean these. */
void shoptalk_model_options_init(shoptalk_model_options* options);

shoptalk_status shoptalk_model_load(const char* path, const shoptalk_model_options* options,
                                    shoptalk_model** model);
/* The image must stay valid and unchanged while the model or a session on it lives. */
shoptalk_status shoptalk_model_load_from_memory(const void* data, size_t size,
                                                const shoptalk_model_options* options,
                                                shoptalk_model** model);
/* Frees the handle; sessions created on the model keep it alive until they are freed. */
void shoptalk_model_free(shoptalk_model* model);

/* Bytes a load would need (weights + one session's KV cache and scratch), without loading. */
shoptalk_status shoptalk_model_plan(const char* path, const shoptalk_model_options* options,
                                    uint64_t* total_bytes);

int shoptalk_model_n_vocab(const shoptalk_model* model);
/* "qwen3", "phi4-mini", ...; "" when the model has no recognized chat template. */
const char* shoptalk_model_chat_family(const shoptalk_model* model);
int shoptalk_model_is_end_of_generation(const shoptalk_model* model, int32_t token);

/* Text to tokens (add_special: BOS/EOS as the vocabulary asks; parse_special: special-token
 * text becomes those tokens). Writes at most `capacity` ids and sets *n_tokens to the count the
 * text has; a count above capacity is SHOPTALK_INVALID_ARGUMENT. */
shoptalk_status shoptalk_tokenize(const shoptalk_model* model, const char* text, int add_special,
                                  int parse_special, int32_t* tokens, size_t capacity,
                                  size_t* n_tokens);

/* ---- Sessions ---- */

typedef struct shoptalk_session_options {
  int context; /* 0 = the model's default */
  int threads; /* 0 = the model's default */
} shoptalk_session_options;

void shoptalk_session_options_init(shoptalk_session_options* options);
shoptalk_status shoptalk_session_create(shoptalk_model* model,
                                        const shoptalk_session_options* options,
                                        shoptalk_session** session);
void shoptalk_session_free(shoptalk_session* session);

/* Sets (1) or clears (0) the session's cancel flag; callable from any thread. While it is set,
 * every call that evaluates tokens stops within one layer and returns SHOPTALK_CANCELLED. */
void shoptalk_session_set_cancel(shoptalk_session* session, int cancelled);

int shoptalk_session_position(const shoptalk_session* session);
void shoptalk_session_reset(shoptalk_session* session);
/* Appends text (special tokens parsed) to the context without generating. */
shoptalk_status shoptalk_session_prompt(shoptalk_session* session, const char* text);

/* ---- Generation ---- */

/* Receives each piece of generated text (whole UTF-8 characters, not NUL-terminated); return
 * nonzero to continue, 0 to stop. */
typedef int (*shoptalk_piece_fn)(const char* piece, size_t length, void* user_data);

typedef struct shoptalk_generate_options {
  int max_tokens;
  float temperature; /* <= 0: greedy */
  int top_k;
  float top_p;
  float min_p;
  float repeat_penalty;
  float presence_penalty;
  float frequency_penalty;
  int penalty_last_n;
  uint64_t seed; /* 0xFFFFFFFF: a new seed each call */
  const char* const* stop_strings;
  size_t n_stop_strings;
  int enable_thinking; /* chat: Qwen3 / SmolLM3 thinking mode */
} shoptalk_generate_options;

/* llama.cpp's defaults: 256 tokens, temperature 0.8, top_k 40, top_p 0.95, min_p 0.05, no
 * penalties over a 64-token window, a random seed, thinking on. */
void shoptalk_generate_options_init(shoptalk_generate_options* options);

typedef enum shoptalk_stop_reason {
  SHOPTALK_STOP_END_OF_GENERATION = 0,
  SHOPTALK_STOP_TOKEN = 1,
  SHOPTALK_STOP_STRING = 2,
  SHOPTALK_STOP_MAX_TOKENS = 3,
  SHOPTALK_STOP_CALLBACK = 4,
  SHOPTALK_STOP_CONTEXT_FULL = 5
} shoptalk_stop_reason;

typedef struct shoptalk_generation_info {
  shoptalk_stop_reason stop_reason;
  int prompt_tokens;
  int reused_tokens;
  int generated_tokens;
  double time_to_first_token; /* seconds */
  double prefill_tokens_per_second;
  double decode_tokens_per_second;
  float mean_logprob; /* confidence: mean log-probability of the generated tokens */
  float min_logprob;
  float mean_entropy;
  uint64_t seed;
} shoptalk_generation_info;

/* Appends `prompt` (NULL: nothing) and generates; info may be NULL. */
shoptalk_status shoptalk_session_generate(shoptalk_session* session, const char* prompt,
                                          const shoptalk_generate_options* options,
                                          shoptalk_piece_fn on_piece, void* user_data,
                                          shoptalk_generation_info* info);

typedef struct shoptalk_chat_message {
  const char* role; /* "system", "user" or "assistant" */
  const char* content;
} shoptalk_chat_message;

/* Renders the conversation with the model's chat template and generates the answer; the shared
 * prefix with the previous turn is not evaluated again. */
shoptalk_status shoptalk_session_chat(shoptalk_session* session,
                                      const shoptalk_chat_message* messages, size_t n_messages,
                                      const shoptalk_generate_options* options,
                                      shoptalk_piece_fn on_piece, void* user_data,
                                      shoptalk_generation_info* info);

/* ---- State ---- */

/* Writes the state into buffer (when capacity suffices) and its size into *size; a buffer too
 * small (or NULL) is SHOPTALK_INVALID_ARGUMENT with *size set, so a first call can ask the size. */
shoptalk_status shoptalk_session_save_state(const shoptalk_session* session, void* buffer,
                                            size_t capacity, size_t* size);
shoptalk_status shoptalk_session_load_state(shoptalk_session* session, const void* data,
                                            size_t size);
shoptalk_status shoptalk_session_save_state_file(const shoptalk_session* session, const char* path);
shoptalk_status shoptalk_session_load_state_file(shoptalk_session* session, const char* path);

/* Machine queries (shoptalk.hpp: active_isa, measure_read_bandwidth, measure_int8_peak). *isa: the
 * kernel level in use ("avx2", "neon", ...), valid until this thread's next call of it. The
 * measurements use `threads` threads (0 = every core): DRAM read bytes per second over a buffer of
 * `bytes` (1 GiB is a good size, at least 1 MiB), the limit of decode; int8 multiply-adds per
 * second of the level's dot step on registers, the limit of prefill. */
shoptalk_status shoptalk_active_isa(const char** isa);
shoptalk_status shoptalk_measure_read_bandwidth(int threads, uint64_t bytes, double* bytes_per_s);
shoptalk_status shoptalk_measure_int8_peak(int threads, double* macs_per_s);

#ifdef __cplusplus
}
#endif

#endif /* SHOPTALK_SHOPTALK_H */
