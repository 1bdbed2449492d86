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
  SHOPTALK_KV_MODEL_DEFAULT = -1, /* session options only: the model's default type */
  SHOPTALK_KV_F16 = 0,
  SHOPTALK_KV_Q8_0 = 1,
  SHOPTALK_KV_Q4_0 = 2
} shoptalk_kv_type;

/* "f16", "q8_0", "q4_0"; "" for other values. */
const char* shoptalk_kv_type_name(shoptalk_kv_type type);
/* The type a name spells (the spellings above); SHOPTALK_INVALID_ARGUMENT for any other name. */
shoptalk_status shoptalk_kv_type_from_name(const char* name, shoptalk_kv_type* type);

typedef struct shoptalk_model_options {
  int threads;              /* per session; 0 = every core, at most 256 */
  int context;              /* default session context; 0 = min(training context, 4096) */
  shoptalk_kv_type kv_type; /* default session KV cache type */
  uint64_t memory_budget;   /* bytes for the model and all its sessions (0 = none): a larger plan,
                               or a session past it, is SHOPTALK_BUDGET_EXCEEDED */
  int vocab_only;           /* nonzero: load the tokenizer only (no tensors are read) */
  /* Nonzero: contexts longer than the model's training context are allowed (default context and
   * every session); otherwise they are SHOPTALK_INVALID_ARGUMENT. */
  int allow_context_beyond_training;
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

/* Bytes a model needs, by category, for one session of its default context. */
typedef struct shoptalk_memory_plan {
  uint64_t weights;  /* resident weight bytes (mapped file or packed copies) */
  uint64_t kv_cache; /* one session's KV cache */
  uint64_t scratch;  /* one session's activations and buffers */
  uint64_t total;
} shoptalk_memory_plan;

/* What a load would need, from the file's header, without loading. */
shoptalk_status shoptalk_model_plan(const char* path, const shoptalk_model_options* options,
                                    shoptalk_memory_plan* plan);
/* Measured after load: resident weights plus one default session. */
void shoptalk_model_memory(const shoptalk_model* model, shoptalk_memory_plan* plan);
/* The options the model was loaded with. */
void shoptalk_model_get_options(const shoptalk_model* model, shoptalk_model_options* options);
/* The kernel level the model computes with ("avx2", "neon", "scalar", ...). */
const char* shoptalk_model_isa(const shoptalk_model* model);

/* Tensor bytes of one ggml type ("q4_K"). */
typedef struct shoptalk_type_bytes {
  const char* type;
  uint64_t bytes;
} shoptalk_type_bytes;

/* How an embedding pools the output-normed hidden states of an input's tokens: the values of
 * shoptalk::Pooling and of a GGUF's {arch}.pooling_type. */
typedef enum shoptalk_pooling {
  SHOPTALK_POOLING_NONE = 0, /* model info: the file declares none; embed options: the model's */
  SHOPTALK_POOLING_MEAN = 1, /* the average over the tokens */
  SHOPTALK_POOLING_CLS = 2,  /* the first token's */
  SHOPTALK_POOLING_LAST = 3  /* the last token's (Qwen3-Embedding) */
} shoptalk_pooling;

/* "none", "mean", "cls", "last"; "" for other values. */
const char* shoptalk_pooling_name(shoptalk_pooling pooling);
/* The pooling a name spells; SHOPTALK_INVALID_ARGUMENT for any other name. */
shoptalk_status shoptalk_pooling_from_name(const char* name, shoptalk_pooling* pooling);

/* Hyperparameters and identity of a model (shoptalk.hpp: ModelInfo). Pointers stay valid while
 * the model (or the file summary it came from) lives. */
typedef struct shoptalk_model_info {
  const char* architecture; /* "qwen3", "llama", "phi3", "smollm3" */
  const char* name;         /* general.name, or "" */
  int n_vocab;
  int n_embd;
  int n_layer;
  int n_head;
  int n_head_kv;
  int head_dim;
  int n_ff;
  int n_rot;
  int context_train;
  float rope_base;
  float rms_eps;
  shoptalk_pooling pooling; /* {arch}.pooling_type: set by embedding models */
  int32_t bos;              /* -1: none */
  int32_t eos;
  const int32_t* eog_tokens; /* the ids that end a generation, sorted */
  size_t n_eog_tokens;
  const char* chat_family; /* "qwen3", "phi4-mini", ...; "" when not recognized */
  const char* chat_error;  /* why not, when chat_family is "" */
  uint64_t n_params;
  uint64_t weight_bytes_per_token;       /* weight bytes one decode step reads */
  const shoptalk_type_bytes* type_bytes; /* the quant mix, sorted by type name */
  size_t n_type_bytes;
} shoptalk_model_info;

void shoptalk_model_get_info(const shoptalk_model* model, shoptalk_model_info* info);
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
/* Tokens to text (special: render control tokens as their text), NUL-terminated in `text`.
 * *length is set to the text's byte count (without the NUL); a buffer of fewer than *length + 1
 * bytes is SHOPTALK_INVALID_ARGUMENT, so a first call with capacity 0 can ask the size. An id
 * outside the vocabulary is SHOPTALK_INVALID_ARGUMENT. */
shoptalk_status shoptalk_detokenize(const shoptalk_model* model, const int32_t* tokens,
                                    size_t n_tokens, int special, char* text, size_t capacity,
                                    size_t* length);

/* An assistant message with tool calls is the generated text, calls included, as the model wrote
 * it; a "tool" message is a tool's result (chat with tools). */
typedef struct shoptalk_chat_message {
  const char* role; /* "system", "user", "assistant" or "tool" */
  const char* content;
} shoptalk_chat_message;

/* A tool the model may call (Qwen3, Phi-4-mini): name (letters, digits, '_', '-', '.'; unique),
 * description and the JSON Schema of its arguments. */
typedef struct shoptalk_tool {
  const char* name;
  const char* description;
  const char* parameters;
} shoptalk_tool;

typedef struct shoptalk_chat_options {
  int add_generation_prompt;  /* end with the assistant's turn opening (default 1) */
  int enable_thinking;        /* Qwen3, SmolLM3: 0 pre-fills an empty think block (default 1) */
  const shoptalk_tool* tools; /* shown to the model as its template does (default none) */
  size_t n_tools;
} shoptalk_chat_options;

void shoptalk_chat_options_init(shoptalk_chat_options* options);
/* The prompt text the model's chat template renders for these messages (tokenize it with
 * parse_special), NUL-terminated; buffer sizes as shoptalk_detokenize. SHOPTALK_UNSUPPORTED when
 * the model has no recognized template. */
shoptalk_status shoptalk_model_chat_prompt(const shoptalk_model* model,
                                           const shoptalk_chat_message* messages, size_t n_messages,
                                           const shoptalk_chat_options* options, char* text,
                                           size_t capacity, size_t* length);

/* ---- Embeddings ---- */

typedef struct shoptalk_embed_options {
  /* SHOPTALK_POOLING_NONE (the init value): the model's own; a model that declares none is
   * refused unless one is named. */
  shoptalk_pooling pooling;
  int normalize; /* nonzero: each vector divided by its L2 norm */
  int threads;   /* 0 = the model's default */
} shoptalk_embed_options;

void shoptalk_embed_options_init(shoptalk_embed_options* options);

/* One embedding per input (shoptalk.hpp: Model::embed_tokens): input i is the n_tokens[i] ids at
 * inputs[i]. The vectors, n_embd floats each (shoptalk_model_info), are written one after the
 * other into `vectors`, and *n_floats is set to n_inputs x n_embd; a buffer too small is
 * SHOPTALK_INVALID_ARGUMENT before anything is evaluated. Thread-safe on one model. */
shoptalk_status shoptalk_model_embed_tokens(const shoptalk_model* model,
                                            const int32_t* const* inputs, const size_t* n_tokens,
                                            size_t n_inputs, const shoptalk_embed_options* options,
                                            float* vectors, size_t capacity, size_t* n_floats);
/* The same for NUL-terminated texts, tokenized with special-token parsing (Model::embed). */
shoptalk_status shoptalk_model_embed(const shoptalk_model* model, const char* const* texts,
                                     size_t n_texts, const shoptalk_embed_options* options,
                                     float* vectors, size_t capacity, size_t* n_floats);

/* ---- Constraints ---- */

/* Constrained generation (shoptalk.hpp: Constraint): the answer only ever continues as a valid
 * prefix and ends when the value is complete, so it parses and validates whatever the weights. */
typedef struct shoptalk_constraint shoptalk_constraint;

typedef enum shoptalk_constraint_kind {
  SHOPTALK_CONSTRAINT_JSON_SCHEMA = 0, /* one JSON value valid under the schema */
  SHOPTALK_CONSTRAINT_GRAMMAR = 1,     /* llama.cpp's GBNF syntax, from the rule `root` */
  SHOPTALK_CONSTRAINT_REGEX = 2        /* the whole answer matches (ECMAScript syntax) */
} shoptalk_constraint_kind;

/* Compiles `text` (NUL-terminated) for the model's vocabulary; the constraint may be used by any
 * number of generations, sessions and threads on that model at once; free it when none uses it
 * any more. A malformed text (the message gives the position), an unsupported keyword, or a
 * constraint that matches nothing or only the empty string is SHOPTALK_INVALID_ARGUMENT. */
shoptalk_status shoptalk_constraint_compile(const shoptalk_model* model,
                                            shoptalk_constraint_kind kind, const char* text,
                                            shoptalk_constraint** constraint);
void shoptalk_constraint_free(shoptalk_constraint* constraint);
/* SHOPTALK_OK when `text` (length bytes) is a whole value of the constraint, else
 * SHOPTALK_INVALID_ARGUMENT saying where it is not. */
shoptalk_status shoptalk_constraint_check(const shoptalk_constraint* constraint, const char* text,
                                          size_t length);

/* ---- Sessions ---- */

typedef struct shoptalk_session_options {
  int context;              /* 0 = the model's default */
  int threads;              /* 0 = the model's default */
  shoptalk_kv_type kv_type; /* SHOPTALK_KV_MODEL_DEFAULT (the init value) = the model's default */
  int allow_context_beyond_training; /* as in shoptalk_model_options, for this session */
} shoptalk_session_options;

void shoptalk_session_options_init(shoptalk_session_options* options);
shoptalk_status shoptalk_session_create(shoptalk_model* model,
                                        const shoptalk_session_options* options,
                                        shoptalk_session** session);
void shoptalk_session_free(shoptalk_session* session);

/* Sets (1) or clears (0) the session's cancel flag; callable from any thread. While it is set,
 * every call that evaluates tokens stops within one layer: a prompt or eval returns
 * SHOPTALK_CANCELLED (and is dropped whole), a generation returns what it generated with
 * SHOPTALK_STOP_CANCELLED. */
void shoptalk_session_set_cancel(shoptalk_session* session, int cancelled);

int shoptalk_session_position(const shoptalk_session* session); /* tokens in the context */
int shoptalk_session_context(const shoptalk_session* session);  /* the context limit */
shoptalk_kv_type shoptalk_session_kv_type(const shoptalk_session* session);
/* The tokens in the context (*n_tokens of them), valid until the next call that changes the
 * session. */
const int32_t* shoptalk_session_tokens(const shoptalk_session* session, size_t* n_tokens);
void shoptalk_session_reset(shoptalk_session* session);
/* Forgets the tokens from `position` on. */
shoptalk_status shoptalk_session_truncate(shoptalk_session* session, int position);

/* Appends tokens to the context in one forward pass and copies the logits into `logits`: every
 * token's row when all_logits is nonzero (n_tokens x n_vocab floats), else the last row. Sets
 * *n_logits to the float count. A buffer too small is SHOPTALK_INVALID_ARGUMENT before anything
 * is evaluated; logits NULL (with capacity 0) evaluates without copying. */
shoptalk_status shoptalk_session_eval(shoptalk_session* session, const int32_t* tokens,
                                      size_t n_tokens, int all_logits, float* logits,
                                      size_t capacity, size_t* n_logits);
/* The logits after the last token of the context (n_vocab floats, owned by the session), valid
 * until the next call that changes the session; NULL when not known (an empty context, after
 * truncate or reset). Reading them takes no copy: decode with shoptalk_session_eval(session,
 * &token, 1, 0, NULL, 0, NULL), then read them here. */
const float* shoptalk_session_logits(const shoptalk_session* session);
/* Appends text (special tokens parsed) to the context without generating. */
shoptalk_status shoptalk_session_prompt(shoptalk_session* session, const char* text);
/* Appends tokens to the context without generating. */
shoptalk_status shoptalk_session_prompt_tokens(shoptalk_session* session, const int32_t* tokens,
                                               size_t n_tokens);

/* ---- Generation ---- */

/* Receives each piece of generated text (whole UTF-8 characters, not NUL-terminated); return
 * nonzero to continue, 0 to stop. */
typedef int (*shoptalk_piece_fn)(const char* piece, size_t length, void* user_data);

/* Added to a token's logit before sampling (-INFINITY bans it). */
typedef struct shoptalk_logit_bias {
  int32_t token;
  float bias;
} shoptalk_logit_bias;

/* What chat does when the conversation and its answer do not fit (shoptalk.hpp: ContextFull). */
typedef enum shoptalk_context_full {
  SHOPTALK_CONTEXT_FULL_STOP = 0, /* stop with SHOPTALK_STOP_CONTEXT_FULL */
  /* Keep the system messages and the latest user message, leave out the oldest turns until the
   * rest fits, re-prefill it and continue. */
  SHOPTALK_CONTEXT_FULL_DROP_OLDEST_TURNS = 1
} shoptalk_context_full;

/* Which answers a chat with tools allows. */
typedef enum shoptalk_tool_choice {
  SHOPTALK_TOOL_CHOICE_AUTO = 0,     /* text, or tool calls */
  SHOPTALK_TOOL_CHOICE_REQUIRED = 1, /* at least one tool call */
  SHOPTALK_TOOL_CHOICE_NONE = 2      /* text only (the tools are still shown) */
} shoptalk_tool_choice;

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
  /* Tokens that end the generation besides the model's end-of-generation tokens. */
  const int32_t* stop_tokens;
  size_t n_stop_tokens;
  const shoptalk_logit_bias* logit_bias;
  size_t n_logit_bias;
  int top_logprobs;                      /* alternatives reported per generated token (0: none) */
  shoptalk_context_full on_context_full; /* chat only; generate always stops */
  /* Constrained generation: at most one of a compiled constraint and an inline JSON Schema,
   * grammar or regex (NULL: none), and none with tools. Chat with thinking on (Qwen3, SmolLM3):
   * a think block of at most thinking_budget tokens (0: half of max_tokens) comes first. Stop
   * strings and stop tokens apply to free text only, never inside a value or a tool call. */
  const shoptalk_constraint* constraint;
  const char* json_schema;
  const char* grammar;
  const char* regex;
  int thinking_budget;
  /* Chat with tools (Qwen3, Phi-4-mini): each call's arguments follow its tool's schema. */
  const shoptalk_tool* tools;
  size_t n_tools;
  shoptalk_tool_choice tool_choice;
  const char* tool_name; /* with SHOPTALK_TOOL_CHOICE_REQUIRED: the tool to call (NULL: any) */
} shoptalk_generate_options;

/* llama.cpp's defaults: 256 tokens, temperature 0.8, top_k 40, top_p 0.95, min_p 0.05, no
 * penalties over a 64-token window, a random seed, thinking on, no stop tokens or bias, no
 * alternatives, stop when the context is full; no constraint, no tools. */
void shoptalk_generate_options_init(shoptalk_generate_options* options);

typedef enum shoptalk_stop_reason {
  SHOPTALK_STOP_END_OF_GENERATION = 0,
  SHOPTALK_STOP_TOKEN = 1,
  SHOPTALK_STOP_STRING = 2,
  SHOPTALK_STOP_MAX_TOKENS = 3,
  SHOPTALK_STOP_CALLBACK = 4,
  SHOPTALK_STOP_CONTEXT_FULL = 5,
  SHOPTALK_STOP_CANCELLED = 6,
  /* max_tokens ran out inside a constrained value or a tool call: the answer is not complete. */
  SHOPTALK_STOP_INCOMPLETE_VALUE = 7
} shoptalk_stop_reason;

/* "end_of_generation", "stop_token", "stop_string", "max_tokens", "callback", "context_full",
 * "cancelled", "incomplete_value". */
const char* shoptalk_stop_reason_name(shoptalk_stop_reason reason);

typedef struct shoptalk_token_logprob {
  int32_t token;
  float logprob; /* natural log of the model's probability */
} shoptalk_token_logprob;

/* One generated token with the model's confidence in it (temperature 1, before sampling). */
typedef struct shoptalk_generated_token {
  int32_t token;
  float logprob;
  float entropy;                     /* of the model's distribution at this step, in nats */
  const shoptalk_token_logprob* top; /* the top_logprobs most likely tokens, most likely first */
  size_t n_top;
} shoptalk_generated_token;

/* One call of a tool: its name and its arguments as JSON text (NUL-terminated). */
typedef struct shoptalk_tool_call {
  const char* name;
  const char* arguments;
} shoptalk_tool_call;

/* What a generation produced. The text, token and call arrays stay valid until the session's next
 * generate or chat call, or its free. */
typedef struct shoptalk_generation_info {
  shoptalk_stop_reason stop_reason;
  int prompt_tokens;
  int reused_tokens;
  int generated_tokens;
  int dropped_messages; /* chat with SHOPTALK_CONTEXT_FULL_DROP_OLDEST_TURNS: messages left out */
  double prompt_seconds;
  double decode_seconds;
  double time_to_first_token; /* seconds */
  double prefill_tokens_per_second;
  double decode_tokens_per_second;
  float mean_logprob; /* confidence: mean log-probability of the generated tokens */
  float min_logprob;
  float mean_entropy;
  uint64_t seed;
  const char* text; /* exactly what the callback received, NUL-terminated */
  size_t text_length;
  const shoptalk_generated_token* tokens; /* generated_tokens of them */
  /* With a constraint: the value's text (after the think block, if any), NUL-terminated. */
  const char* value;
  size_t value_length;
  /* With tools: the calls the model made, in order (the text holds them too). */
  const shoptalk_tool_call* tool_calls;
  size_t n_tool_calls;
} shoptalk_generation_info;

/* Appends `prompt` (NULL: nothing) and generates; info may be NULL. */
shoptalk_status shoptalk_session_generate(shoptalk_session* session, const char* prompt,
                                          const shoptalk_generate_options* options,
                                          shoptalk_piece_fn on_piece, void* user_data,
                                          shoptalk_generation_info* info);

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

/* ---- Model files ---- */

typedef struct shoptalk_file shoptalk_file;

typedef struct shoptalk_metadata_entry {
  const char* key;
  const char* type;  /* "uint32", "string", "array[string]", ... */
  const char* value; /* rendered; long arrays are abbreviated */
} shoptalk_metadata_entry;

typedef struct shoptalk_tensor_entry {
  const char* name;
  const char* type;     /* ggml type name ("q4_K") */
  const int64_t* shape; /* ne order: shape[0] is the contiguous dimension */
  size_t n_dims;
  uint64_t bytes;
} shoptalk_tensor_entry;

/* What `shoptalk inspect` shows (shoptalk.hpp: FileSummary). Pointers stay valid while the
 * shoptalk_file lives. */
typedef struct shoptalk_file_info {
  uint32_t version;
  uint64_t file_size;
  uint32_t alignment;
  const shoptalk_metadata_entry* metadata;
  size_t n_metadata;
  const shoptalk_tensor_entry* tensors;
  size_t n_tensors;
  const shoptalk_type_bytes* type_bytes;
  size_t n_type_bytes;
  uint64_t tensor_bytes;
  const char* architecture;
  int model_supported;       /* shoptalk can run it */
  const char* model_error;   /* why not, when it cannot */
  shoptalk_model_info model; /* valid when model_supported */
} shoptalk_file_info;

/* Reads and validates a GGUF file's header, metadata and tensor table. */
shoptalk_status shoptalk_file_inspect(const char* path, shoptalk_file** file);
void shoptalk_file_get_info(const shoptalk_file* file, shoptalk_file_info* info);
void shoptalk_file_free(shoptalk_file* file);

/* Writes a copy of the model at in_path with its weights in the packed layout of the kernel level
 * in use (shoptalk.hpp: pack_model). */
shoptalk_status shoptalk_pack_model(const char* in_path, const char* out_path);

/* ---- Machine ---- */

/* Machine queries (shoptalk.hpp: active_isa, measure_read_bandwidth, measure_int8_peak). *isa: the
 * kernel level in use ("avx2", "neon", ...), valid until this thread's next call of it. The
 * measurements use `threads` threads (0 = every core): DRAM read bytes per second over a buffer of
 * `bytes` (1 GiB is a good size, at least 1 MiB), the limit of decode; int8 multiply-adds per
 * second of the level's dot step on registers, the limit of prefill. */
shoptalk_status shoptalk_active_isa(const char** isa);
shoptalk_status shoptalk_measure_read_bandwidth(int threads, uint64_t bytes, double* bytes_per_s);
shoptalk_status shoptalk_measure_int8_peak(int threads, double* macs_per_s);

/* A kernel ISA level compiled into this build (shoptalk.hpp: IsaLevel). */
typedef struct shoptalk_isa_level {
  const char* name;        /* its SHOPTALK_ISA spelling ("scalar", "avx2", "neon", ...) */
  int runnable;            /* 1 when this CPU runs it */
  const char* unavailable; /* why not, when it does not run; "" when it does */
} shoptalk_isa_level;

/* The kernel levels compiled into this build, worst first (shoptalk.hpp: isa_levels). Writes at
 * most `capacity` levels and sets *count to the number there are; a count above capacity is
 * SHOPTALK_INVALID_ARGUMENT, so a first call with capacity 0 can ask it. The strings live as long
 * as the process. */
shoptalk_status shoptalk_isa_levels(shoptalk_isa_level* levels, size_t capacity, size_t* count);

#ifdef __cplusplus
}
#endif

#endif /* SHOPTALK_SHOPTALK_H */
