/* The C API from C99: load the demo model, stream a few greedy tokens through a callback, save
 * and restore the state, query the machine, and check that errors come back as statuses with
 * messages; then every call the C++ API has a C twin for (docs/api.md's table): model info and
 * options, detokenize, chat prompts, eval into a caller buffer, tokens and truncate, stop tokens,
 * logit bias and per-token log-probabilities, the KV cache type, cancellation keeping the text,
 * dropping old turns when the context is full, constraints, tool calls (with a second model that
 * has the tool-call tokens), files and packing, embeddings. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shoptalk/shoptalk.h"

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

typedef struct {
  char text[4096];
  size_t length;
  int pieces;
} collected;

static int collect(const char* piece, size_t length, void* user_data) {
  collected* c = (collected*)user_data;
  if (c->length + length < sizeof c->text) {
    memcpy(c->text + c->length, piece, length);
    c->length += length;
    c->text[c->length] = '\0';
  }
  ++c->pieces;
  return 1;
}

static int contains(const int32_t* ids, size_t n, int32_t id) {
  size_t i;
  for (i = 0; i < n; ++i)
    if (ids[i] == id) return 1;
  return 0;
}

static void check_model_calls(const char* path, shoptalk_model* model) {
  shoptalk_model_info info;
  shoptalk_model_options options;
  shoptalk_memory_plan plan;
  shoptalk_kv_type kv;
  shoptalk_model* vocab = NULL;
  uint64_t type_sum = 0;
  size_t i;

  shoptalk_model_get_info(model, &info);
  CHECK(strcmp(info.architecture, "qwen3") == 0);
  CHECK(info.n_vocab == 4096);
  CHECK(info.n_layer == 4 && info.n_embd == 256 && info.head_dim == 64);
  CHECK(info.context_train == 512);
  CHECK(info.rms_eps > 0.0f && info.rope_base > 0.0f);
  CHECK(info.n_params == 4197120);
  CHECK(contains(info.eog_tokens, info.n_eog_tokens, 4093));
  CHECK(strcmp(info.chat_family, "qwen3") == 0 && info.chat_error[0] == '\0');
  CHECK(info.n_type_bytes > 0);
  for (i = 0; i < info.n_type_bytes; ++i) type_sum += info.type_bytes[i].bytes;
  CHECK(type_sum > info.weight_bytes_per_token / 2);

  shoptalk_model_get_options(model, &options);
  CHECK(options.kv_type == SHOPTALK_KV_F16 && options.context == 0 && !options.vocab_only);
  CHECK(shoptalk_model_isa(model)[0] != '\0');
  shoptalk_model_memory(model, &plan);
  CHECK(plan.weights > 0 && plan.total == plan.weights + plan.kv_cache + plan.scratch);
  CHECK(shoptalk_model_plan(path, NULL, &plan) == SHOPTALK_OK);
  CHECK(plan.kv_cache > 0 && plan.total > plan.weights);

  CHECK(strcmp(shoptalk_kv_type_name(SHOPTALK_KV_Q8_0), "q8_0") == 0);
  /* C lets any int into an enum: values outside the enumerators are refused, never read as one. */
  CHECK(strcmp(shoptalk_kv_type_name((shoptalk_kv_type)7), "") == 0);
  CHECK(strcmp(shoptalk_status_name((shoptalk_status)99), "unknown") == 0);
  CHECK(strcmp(shoptalk_stop_reason_name((shoptalk_stop_reason)99), "unknown") == 0);
  shoptalk_model_options_init(&options);
  options.kv_type = (shoptalk_kv_type)7;
  CHECK(shoptalk_model_load(path, &options, &vocab) == SHOPTALK_INVALID_ARGUMENT);
  CHECK(strstr(shoptalk_last_error(), "value 7 is not a cache type") != NULL);
  CHECK(shoptalk_kv_type_from_name("q4_0", &kv) == SHOPTALK_OK && kv == SHOPTALK_KV_Q4_0);
  CHECK(shoptalk_kv_type_from_name("q3", &kv) == SHOPTALK_INVALID_ARGUMENT);

  /* Options: the tokenizer alone, and a default context beyond the training context. */
  shoptalk_model_options_init(&options);
  options.vocab_only = 1;
  CHECK(shoptalk_model_load(path, &options, &vocab) == SHOPTALK_OK);
  CHECK(shoptalk_model_n_vocab(vocab) == 4096);
  shoptalk_model_free(vocab);
  shoptalk_model_options_init(&options);
  options.context = 1024;
  CHECK(shoptalk_model_load(path, &options, &vocab) == SHOPTALK_INVALID_ARGUMENT);
  CHECK(strstr(shoptalk_last_error(), "trained for") != NULL);
  options.allow_context_beyond_training = 1;
  CHECK(shoptalk_model_load(path, &options, &vocab) == SHOPTALK_OK);
  shoptalk_model_free(vocab);
}

static void check_text_calls(shoptalk_model* model) {
  int32_t ids[64];
  size_t n = 0, length = 0;
  char text[256];
  shoptalk_chat_message hi = {"user", "hi"};
  shoptalk_chat_options chat_options;

  CHECK(shoptalk_tokenize(model, "Belt speed 30 %", 0, 0, ids, 64, &n) == SHOPTALK_OK);
  CHECK(shoptalk_detokenize(model, ids, n, 0, NULL, 0, &length) == SHOPTALK_INVALID_ARGUMENT);
  CHECK(length == strlen("Belt speed 30 %"));
  CHECK(shoptalk_detokenize(model, ids, n, 0, text, sizeof text, &length) == SHOPTALK_OK);
  CHECK(strcmp(text, "Belt speed 30 %") == 0);
  ids[0] = 99999;
  CHECK(shoptalk_detokenize(model, ids, 1, 0, text, sizeof text, &length) ==
        SHOPTALK_INVALID_ARGUMENT);

  CHECK(shoptalk_model_chat_prompt(model, &hi, 1, NULL, text, sizeof text, &length) == SHOPTALK_OK);
  CHECK(strcmp(text, "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n") == 0);
  shoptalk_chat_options_init(&chat_options);
  chat_options.enable_thinking = 0;
  CHECK(shoptalk_model_chat_prompt(model, &hi, 1, &chat_options, text, sizeof text, &length) ==
        SHOPTALK_OK);
  CHECK(strstr(text, "<think>\n\n</think>\n\n") != NULL);
  hi.role = "robot";
  CHECK(shoptalk_model_chat_prompt(model, &hi, 1, NULL, text, sizeof text, &length) ==
        SHOPTALK_INVALID_ARGUMENT);
}

static void check_session_calls(shoptalk_model* model) {
  shoptalk_session_options options;
  shoptalk_session* session = NULL;
  int32_t ids[64];
  size_t n = 0, n_logits = 0, n_context = 0;
  float* all;
  float last[4096];
  const int32_t* context;

  shoptalk_session_options_init(&options);
  CHECK(options.kv_type == SHOPTALK_KV_MODEL_DEFAULT);
  options.threads = 100000;
  CHECK(shoptalk_session_create(model, &options, &session) == SHOPTALK_INVALID_ARGUMENT);
  CHECK(strcmp(shoptalk_last_error(),
               "threads must be between 0 (one per core) and 256, not 100000") == 0);
  options.threads = 1;
  options.context = 600;
  CHECK(shoptalk_session_create(model, &options, &session) == SHOPTALK_INVALID_ARGUMENT);
  options.allow_context_beyond_training = 1;
  options.kv_type = SHOPTALK_KV_Q8_0;
  CHECK(shoptalk_session_create(model, &options, &session) == SHOPTALK_OK);
  CHECK(shoptalk_session_context(session) == 600);
  CHECK(shoptalk_session_kv_type(session) == SHOPTALK_KV_Q8_0);

  /* eval: a buffer too small is refused before anything runs; then every row, or the last. */
  CHECK(shoptalk_tokenize(model, "Motor current 8.5 A", 0, 0, ids, 64, &n) == SHOPTALK_OK);
  CHECK(shoptalk_session_eval(session, ids, n, 0, last, 10, &n_logits) ==
        SHOPTALK_INVALID_ARGUMENT);
  CHECK(n_logits == 4096);
  CHECK(shoptalk_session_position(session) == 0);
  all = (float*)malloc(n * 4096 * sizeof(float));
  CHECK(shoptalk_session_eval(session, ids, n, 1, all, n * 4096, &n_logits) == SHOPTALK_OK);
  CHECK(n_logits == n * 4096);
  CHECK(shoptalk_session_position(session) == (int)n);
  context = shoptalk_session_tokens(session, &n_context);
  CHECK(n_context == n && memcmp(context, ids, n * sizeof(int32_t)) == 0);

  /* The last row again: truncate one token and evaluate it alone. */
  CHECK(shoptalk_session_truncate(session, (int)n - 1) == SHOPTALK_OK);
  CHECK(shoptalk_session_eval(session, ids + n - 1, 1, 0, last, 4096, &n_logits) == SHOPTALK_OK);
  CHECK(n_logits == 4096);
  CHECK(memcmp(last, all + (n - 1) * 4096, 4096 * sizeof(float)) == 0);
  /* The session's own row, read in place; unknown after a truncate. */
  CHECK(shoptalk_session_logits(session) != NULL);
  CHECK(memcmp(shoptalk_session_logits(session), last, 4096 * sizeof(float)) == 0);
  CHECK(shoptalk_session_truncate(session, (int)n - 1) == SHOPTALK_OK);
  CHECK(shoptalk_session_logits(session) == NULL);
  CHECK(shoptalk_session_eval(session, ids + n - 1, 1, 0, NULL, 0, NULL) == SHOPTALK_OK);
  CHECK(memcmp(shoptalk_session_logits(session), last, 4096 * sizeof(float)) == 0);
  CHECK(shoptalk_session_truncate(session, 100) == SHOPTALK_INVALID_ARGUMENT);
  CHECK(shoptalk_session_prompt_tokens(session, ids, 2) == SHOPTALK_OK);
  CHECK(shoptalk_session_position(session) == (int)n + 2);
  free(all);
  shoptalk_session_free(session);
}

/* Stops the generation through the session's cancel flag at the third piece. */
typedef struct {
  collected text;
  shoptalk_session* session;
} cancelling;

static int cancel_at_third(const char* piece, size_t length, void* user_data) {
  cancelling* c = (cancelling*)user_data;
  collect(piece, length, &c->text);
  if (c->text.pieces == 3) shoptalk_session_set_cancel(c->session, 1);
  return 1;
}

static void check_generation_calls(shoptalk_model* model) {
  shoptalk_session* session = NULL;
  shoptalk_generate_options options;
  shoptalk_generation_info info;
  shoptalk_chat_message chat[8];
  shoptalk_logit_bias ban;
  int32_t stop_token;
  collected text;
  cancelling c;
  size_t i;

  CHECK(shoptalk_session_create(model, NULL, &session) == SHOPTALK_OK);
  shoptalk_generate_options_init(&options);
  options.temperature = 0.0f;
  options.max_tokens = 8;
  options.top_logprobs = 2;
  chat[0].role = "user";
  chat[0].content = "Pump P-12 is noisy. What should I check?";
  memset(&text, 0, sizeof text);
  CHECK(shoptalk_session_chat(session, chat, 1, &options, collect, &text, &info) == SHOPTALK_OK);
  CHECK(info.generated_tokens == 8 && info.tokens != NULL);
  CHECK(strcmp(info.text, text.text) == 0 && info.text_length == text.length);
  for (i = 0; i < (size_t)info.generated_tokens; ++i) {
    CHECK(info.tokens[i].n_top == 2);
    CHECK(info.tokens[i].top[0].token == info.tokens[i].token);
    CHECK(fabsf(info.tokens[i].top[0].logprob - info.tokens[i].logprob) < 1e-5f);
    CHECK(info.tokens[i].top[0].logprob >= info.tokens[i].top[1].logprob);
    CHECK(info.tokens[i].entropy >= 0.0f);
  }

  /* A stop token, and a logit bias that bans the greedy first token. */
  stop_token = info.tokens[2].token;
  options.stop_tokens = &stop_token;
  options.n_stop_tokens = 1;
  shoptalk_session_reset(session);
  CHECK(shoptalk_session_chat(session, chat, 1, &options, NULL, NULL, &info) == SHOPTALK_OK);
  CHECK(info.stop_reason == SHOPTALK_STOP_TOKEN);
  CHECK(info.generated_tokens <= 3 && info.tokens[info.generated_tokens - 1].token == stop_token);
  CHECK(strcmp(shoptalk_stop_reason_name(info.stop_reason), "stop_token") == 0);
  options.stop_tokens = NULL;
  options.n_stop_tokens = 0;
  ban.token = info.tokens[0].token;
  ban.bias = -INFINITY;
  options.logit_bias = &ban;
  options.n_logit_bias = 1;
  shoptalk_session_reset(session);
  CHECK(shoptalk_session_chat(session, chat, 1, &options, NULL, NULL, &info) == SHOPTALK_OK);
  CHECK(info.tokens[0].token != ban.token);
  options.logit_bias = NULL;
  options.n_logit_bias = 0;

  /* Cancelled from the callback's thread: the partial answer comes back with its stop reason. */
  memset(&c, 0, sizeof c);
  c.session = session;
  options.max_tokens = 40;
  shoptalk_session_reset(session);
  CHECK(shoptalk_session_chat(session, chat, 1, &options, cancel_at_third, &c, &info) ==
        SHOPTALK_OK);
  CHECK(info.stop_reason == SHOPTALK_STOP_CANCELLED);
  CHECK(info.text_length > 0 && strcmp(info.text, c.text.text) == 0);
  shoptalk_session_set_cancel(session, 0);
  shoptalk_session_free(session);

  /* A conversation longer than a 128-token context: the oldest turns give way. */
  {
    shoptalk_session_options so;
    shoptalk_session_options_init(&so);
    so.context = 128;
    CHECK(shoptalk_session_create(model, &so, &session) == SHOPTALK_OK);
  }
  chat[0].role = "system";
  chat[0].content = "You are ShopTalk, an equipment-diagnostics assistant.";
  for (i = 1; i < 7; i += 2) {
    chat[i].role = "user";
    chat[i].content =
        "The conveyor CV-07 motor still trips after a restart. The current reads "
        "8.5 A at 30 % belt speed. What should I check next?";
    chat[i + 1].role = "assistant";
    chat[i + 1].content =
        "Lock out the drive, inspect the belt tension and the bearings, then "
        "measure the current again.";
  }
  chat[7].role = "user";
  chat[7].content = "It trips again at 9 A. Is it safe to keep it running?";
  options.max_tokens = 16;
  CHECK(shoptalk_session_chat(session, chat, 8, &options, NULL, NULL, &info) ==
        SHOPTALK_CONTEXT_OVERFLOW);
  options.on_context_full = SHOPTALK_CONTEXT_FULL_DROP_OLDEST_TURNS;
  CHECK(shoptalk_session_chat(session, chat, 8, &options, NULL, NULL, &info) == SHOPTALK_OK);
  CHECK(info.dropped_messages > 0 && info.dropped_messages % 2 == 0);
  CHECK(info.generated_tokens == 16);
  shoptalk_session_free(session);
}

static void check_file_calls(const char* path) {
  shoptalk_file* file = NULL;
  shoptalk_file_info info;
  shoptalk_model* model = NULL;
  shoptalk_status packed;
  char out[64];

  CHECK(shoptalk_file_inspect(path, &file) == SHOPTALK_OK);
  shoptalk_file_get_info(file, &info);
  CHECK(info.version == 3 && info.alignment == 32);
  CHECK(strcmp(info.architecture, "qwen3") == 0);
  CHECK(info.model_supported && info.model.n_vocab == 4096);
  CHECK(info.n_tensors > 0 && info.tensors[0].n_dims >= 1 && info.tensors[0].bytes > 0);
  CHECK(info.n_metadata > 0 && strcmp(info.metadata[0].key, "general.architecture") == 0);
  CHECK(info.n_type_bytes > 0 && info.tensor_bytes > 0);
  shoptalk_file_free(file);
  CHECK(shoptalk_file_inspect("/nonexistent.gguf", &file) == SHOPTALK_IO && file == NULL);

  /* Packing needs a kernel level with a packed layout (not the scalar one). */
  sprintf(out, "/tmp/c_api_test_packed_%d.gguf", (int)(rand() % 100000));
  packed = shoptalk_pack_model(path, out);
  CHECK(packed == SHOPTALK_OK || packed == SHOPTALK_UNSUPPORTED);
  if (packed == SHOPTALK_OK) {
    CHECK(shoptalk_model_load(out, NULL, &model) == SHOPTALK_OK);
    shoptalk_model_free(model);
  }
  remove(out);
}

/* The demo model declares no pooling: refused until one is named; then one vector per input. */
static void check_embed_calls(shoptalk_model* model) {
  const char* texts[] = {"Pump P-204 sounds like gravel", "Conveyor C-12 relay trips"};
  float vectors[2 * 256];
  float from_tokens[256];
  int32_t ids[64];
  const int32_t* inputs[1];
  size_t n_ids = 0, n_floats = 0, i;
  double norm = 0.0;
  shoptalk_embed_options options;
  shoptalk_model_info info;
  shoptalk_pooling pooling = SHOPTALK_POOLING_NONE;

  shoptalk_model_get_info(model, &info);
  CHECK(info.pooling == SHOPTALK_POOLING_NONE);
  shoptalk_embed_options_init(&options);
  CHECK(options.pooling == SHOPTALK_POOLING_NONE && !options.normalize && options.threads == 0);
  CHECK(shoptalk_model_embed(model, texts, 2, &options, vectors, 512, &n_floats) ==
        SHOPTALK_INVALID_ARGUMENT);
  CHECK(strstr(shoptalk_last_error(), "declares no pooling") != NULL);

  options.pooling = SHOPTALK_POOLING_MEAN;
  options.normalize = 1;
  CHECK(shoptalk_model_embed(model, texts, 2, &options, vectors, 511, &n_floats) ==
        SHOPTALK_INVALID_ARGUMENT);
  CHECK(n_floats == 512);
  CHECK(shoptalk_model_embed(model, texts, 2, &options, vectors, 512, &n_floats) == SHOPTALK_OK);
  for (i = 0; i < 256; ++i) norm += (double)vectors[256 + i] * vectors[256 + i];
  CHECK(fabs(norm - 1.0) < 1e-5);

  CHECK(shoptalk_tokenize(model, texts[1], 1, 1, ids, 64, &n_ids) == SHOPTALK_OK);
  inputs[0] = ids;
  CHECK(shoptalk_model_embed_tokens(model, inputs, &n_ids, 1, &options, from_tokens, 256,
                                    &n_floats) == SHOPTALK_OK);
  CHECK(memcmp(from_tokens, vectors + 256, sizeof from_tokens) == 0);
  n_ids = 0;
  CHECK(shoptalk_model_embed_tokens(model, inputs, &n_ids, 1, &options, from_tokens, 256,
                                    &n_floats) == SHOPTALK_INVALID_ARGUMENT);
  CHECK(strcmp(shoptalk_last_error(), "input 0 is empty") == 0);

  CHECK(strcmp(shoptalk_pooling_name(SHOPTALK_POOLING_LAST), "last") == 0);
  CHECK(strcmp(shoptalk_pooling_name((shoptalk_pooling)9), "") == 0);
  CHECK(shoptalk_pooling_from_name("cls", &pooling) == SHOPTALK_OK &&
        pooling == SHOPTALK_POOLING_CLS);
  CHECK(shoptalk_pooling_from_name("max", &pooling) == SHOPTALK_INVALID_ARGUMENT);
}

static const char* const kFlags =
    "{\"type\": \"object\", \"properties\": {\"lockout_done\": {\"type\": \"boolean\"}, "
    "\"severity\": {\"enum\": [\"low\", \"high\"]}}, \"required\": [\"lockout_done\", "
    "\"severity\"], \"additionalProperties\": false}";

/* Constraints: compiled once and reused, inline, the value and its stop reasons, bad input. */
static void check_constraint_calls(shoptalk_model* model) {
  shoptalk_constraint* flags = NULL;
  shoptalk_constraint* bad = NULL;
  shoptalk_session* session = NULL;
  shoptalk_generate_options options;
  shoptalk_generation_info info;
  shoptalk_chat_message chat = {"user", "Pump P-204 is noisy."};
  shoptalk_tool tool = {"read_sensor", "Reads a sensor.", "{\"type\": \"object\"}"};
  const char* kValid = "{\"lockout_done\": true, \"severity\": \"low\"}";
  int seed;

  CHECK(shoptalk_constraint_compile(model, SHOPTALK_CONSTRAINT_JSON_SCHEMA, kFlags, &flags) ==
        SHOPTALK_OK);
  CHECK(shoptalk_constraint_compile(model, SHOPTALK_CONSTRAINT_JSON_SCHEMA,
                                    "{\"type\": \"object\",\n \"minProperties\": 1}",
                                    &bad) == SHOPTALK_INVALID_ARGUMENT);
  CHECK(bad == NULL);
  CHECK(strstr(shoptalk_last_error(), "line 2, column") != NULL);
  CHECK(strstr(shoptalk_last_error(), "minProperties") != NULL);
  CHECK(shoptalk_constraint_compile(model, SHOPTALK_CONSTRAINT_GRAMMAR, "root ::= \"\"", &bad) ==
        SHOPTALK_INVALID_ARGUMENT);
  CHECK(shoptalk_constraint_compile(model, (shoptalk_constraint_kind)7, "a", &bad) ==
        SHOPTALK_INVALID_ARGUMENT);
  CHECK(shoptalk_constraint_check(flags, kValid, strlen(kValid)) == SHOPTALK_OK);
  CHECK(shoptalk_constraint_check(flags, kValid, strlen(kValid) - 1) == SHOPTALK_INVALID_ARGUMENT);

  CHECK(shoptalk_session_create(model, NULL, &session) == SHOPTALK_OK);
  shoptalk_generate_options_init(&options);
  CHECK(options.constraint == NULL && options.json_schema == NULL && options.n_tools == 0);
  CHECK(options.tool_choice == SHOPTALK_TOOL_CHOICE_AUTO && options.thinking_budget == 0);
  options.max_tokens = 200;
  options.temperature = 1.0f;
  options.top_k = 0;
  options.top_p = 1.0f;
  options.min_p = 0.0f;
  options.enable_thinking = 0;
  options.constraint = flags;
  for (seed = 1; seed <= 3; ++seed) {
    options.seed = (uint64_t)seed;
    CHECK(shoptalk_session_chat(session, &chat, 1, &options, NULL, NULL, &info) == SHOPTALK_OK);
    CHECK(info.stop_reason == SHOPTALK_STOP_END_OF_GENERATION);
    CHECK(info.value_length == info.text_length && strcmp(info.value, info.text) == 0);
    CHECK(shoptalk_constraint_check(flags, info.value, info.value_length) == SHOPTALK_OK);
    CHECK(info.n_tool_calls == 0);
  }

  /* Out of tokens inside the value. */
  options.max_tokens = 3;
  CHECK(shoptalk_session_chat(session, &chat, 1, &options, NULL, NULL, &info) == SHOPTALK_OK);
  CHECK(info.stop_reason == SHOPTALK_STOP_INCOMPLETE_VALUE);
  CHECK(strcmp(shoptalk_stop_reason_name(info.stop_reason), "incomplete_value") == 0);
  CHECK(shoptalk_constraint_check(flags, info.value, info.value_length) != SHOPTALK_OK);

  /* Inline: a regex with generate, after a think block in chat. */
  options.constraint = NULL;
  options.max_tokens = 40;
  options.regex = "[A-Z]{2}-[0-9]{2,4}";
  CHECK(shoptalk_session_generate(session, "Asset tag: ", &options, NULL, NULL, &info) ==
        SHOPTALK_OK);
  CHECK(info.stop_reason == SHOPTALK_STOP_END_OF_GENERATION);
  CHECK(info.value_length >= 5 && info.value_length <= 7 && info.value[2] == '-');
  options.regex = NULL;
  options.json_schema = kFlags;
  options.enable_thinking = 1;
  options.thinking_budget = 4;
  options.max_tokens = 200;
  CHECK(shoptalk_session_chat(session, &chat, 1, &options, NULL, NULL, &info) == SHOPTALK_OK);
  CHECK(strncmp(info.text, "<think>", 7) == 0);
  CHECK(strstr(info.text, "</think>\n\n") != NULL);
  CHECK(shoptalk_constraint_check(flags, info.value, info.value_length) == SHOPTALK_OK);

  /* Refused before generation: two constraints, an empty one, tools the vocabulary cannot call,
   * a tool choice that is not one. */
  options.constraint = flags;
  CHECK(shoptalk_session_chat(session, &chat, 1, &options, NULL, NULL, &info) ==
        SHOPTALK_INVALID_ARGUMENT);
  CHECK(strstr(shoptalk_last_error(), "give one constraint") != NULL);
  options.json_schema = NULL;
  options.constraint = NULL;
  options.regex = "";
  CHECK(shoptalk_session_chat(session, &chat, 1, &options, NULL, NULL, &info) ==
        SHOPTALK_INVALID_ARGUMENT);
  options.regex = NULL;
  options.tools = &tool;
  options.n_tools = 1;
  CHECK(shoptalk_session_chat(session, &chat, 1, &options, NULL, NULL, &info) ==
        SHOPTALK_UNSUPPORTED);
  options.tool_choice = (shoptalk_tool_choice)9;
  CHECK(shoptalk_session_chat(session, &chat, 1, &options, NULL, NULL, &info) ==
        SHOPTALK_INVALID_ARGUMENT);
  shoptalk_session_free(session);
  shoptalk_constraint_free(flags);
  shoptalk_constraint_free(NULL);
}

/* Tool calls on a random-weight Qwen3 model with the tool-call tokens: a forced call validates
 * against its tool's schema, comes back parsed, and goes back with its result as a "tool"
 * message, rendered as the template does. */
static void check_tool_calls(const char* path) {
  shoptalk_model* model = NULL;
  shoptalk_session* session = NULL;
  shoptalk_constraint* arguments = NULL;
  shoptalk_generate_options options;
  shoptalk_generation_info info;
  shoptalk_chat_options chat_options;
  shoptalk_chat_message chat[3];
  shoptalk_tool tool = {"read_sensor", "Reads one sensor of a machine.",
                        "{\"type\": \"object\", \"properties\": {\"window_s\": {\"type\": "
                        "\"integer\", \"minimum\": 1, \"maximum\": 3600}}, \"required\": "
                        "[\"window_s\"], \"additionalProperties\": false}"};
  const char* call_head = "<tool_call>\n{\"name\": \"read_sensor\", \"arguments\": ";
  char prompt[8192];
  size_t length = 0;
  shoptalk_model_info model_info;
  shoptalk_logit_bias bias[8];
  size_t n_bias = 0, n = 0, i;
  int32_t close;

  if (shoptalk_model_load(path, NULL, &model) != SHOPTALK_OK) {
    fprintf(stderr, "load %s: %s\n", path, shoptalk_last_error());
    ++failures;
    return;
  }
  CHECK(shoptalk_constraint_compile(model, SHOPTALK_CONSTRAINT_JSON_SCHEMA, tool.parameters,
                                    &arguments) == SHOPTALK_OK);
  CHECK(shoptalk_session_create(model, NULL, &session) == SHOPTALK_OK);
  /* The random model rarely picks the closing brace or the end of its turn out of thousands of
   * tokens: favour them so the call and the answer end soon. */
  CHECK(shoptalk_tokenize(model, "}", 0, 0, &close, 1, &n) == SHOPTALK_OK && n == 1);
  bias[n_bias].token = close;
  bias[n_bias++].bias = 8.0f;
  shoptalk_model_get_info(model, &model_info);
  for (i = 0; i < model_info.n_eog_tokens && n_bias < 8; ++i) {
    bias[n_bias].token = model_info.eog_tokens[i];
    bias[n_bias++].bias = 8.0f;
  }
  shoptalk_generate_options_init(&options);
  options.max_tokens = 200;
  options.seed = 5;
  options.enable_thinking = 0;
  options.logit_bias = bias;
  options.n_logit_bias = n_bias;
  options.tools = &tool;
  options.n_tools = 1;
  options.tool_choice = SHOPTALK_TOOL_CHOICE_REQUIRED;
  options.tool_name = "read_sensor";
  chat[0].role = "user";
  chat[0].content = "Read motor_7 over a minute.";
  CHECK(shoptalk_session_chat(session, chat, 1, &options, NULL, NULL, &info) == SHOPTALK_OK);
  CHECK(info.stop_reason == SHOPTALK_STOP_END_OF_GENERATION);
  CHECK(strncmp(info.text, call_head, strlen(call_head)) == 0);
  CHECK(info.n_tool_calls >= 1);
  if (info.n_tool_calls >= 1) {
    CHECK(strcmp(info.tool_calls[0].name, "read_sensor") == 0);
    CHECK(shoptalk_constraint_check(arguments, info.tool_calls[0].arguments,
                                    strlen(info.tool_calls[0].arguments)) == SHOPTALK_OK);
  }

  /* The call and its result go back; the prompt holds them as the template writes them. */
  chat[1].role = "assistant";
  chat[1].content = info.text;
  chat[2].role = "tool";
  chat[2].content = "{\"value\": 81.5}";
  shoptalk_chat_options_init(&chat_options);
  chat_options.enable_thinking = 0;
  chat_options.tools = &tool;
  chat_options.n_tools = 1;
  CHECK(shoptalk_model_chat_prompt(model, chat, 3, &chat_options, prompt, sizeof prompt, &length) ==
        SHOPTALK_OK);
  CHECK(strstr(prompt,
               "<tools>\n{\"type\": \"function\", \"function\": {\"name\": "
               "\"read_sensor\", ") != NULL);
  CHECK(strstr(prompt,
               "<|im_start|>user\n<tool_response>\n{\"value\": 81.5}\n"
               "</tool_response><|im_end|>\n<|im_start|>assistant\n") != NULL);
  options.tool_choice = SHOPTALK_TOOL_CHOICE_NONE;
  options.tool_name = NULL;
  options.max_tokens = 8;
  CHECK(shoptalk_session_chat(session, chat, 3, &options, NULL, NULL, &info) == SHOPTALK_OK);
  CHECK(info.n_tool_calls == 0 && strstr(info.text, "<tool_call>") == NULL);

  shoptalk_session_free(session);
  shoptalk_constraint_free(arguments);
  shoptalk_model_free(model);
}

int main(int argc, char** argv) {
  shoptalk_model* model = NULL;
  shoptalk_session* session = NULL;
  shoptalk_generate_options options;
  shoptalk_generation_info info;
  shoptalk_chat_message chat[2];
  collected first, second;
  size_t state_size = 0;
  void* state;
  const char* isa = NULL;
  double rate = 0;
  shoptalk_isa_level levels[16];
  size_t n_levels = 0, i;
  int active_found;

  if (argc < 2) {
    fprintf(stderr, "usage: c_api_test MODEL.gguf [QWEN3_TOOLS_MODEL.gguf]\n");
    return 2;
  }

  /* An error path: a missing file is an I/O error with a message naming it. */
  CHECK(shoptalk_model_load("/nonexistent/model.gguf", NULL, &model) == SHOPTALK_IO);
  CHECK(model == NULL);
  CHECK(strstr(shoptalk_last_error(), "/nonexistent/model.gguf") != NULL);
  CHECK(strcmp(shoptalk_status_name(SHOPTALK_IO), "io") == 0);

  if (shoptalk_model_load(argv[1], NULL, &model) != SHOPTALK_OK) {
    fprintf(stderr, "load: %s\n", shoptalk_last_error());
    return 1;
  }
  CHECK(shoptalk_model_n_vocab(model) == 4096);
  CHECK(strcmp(shoptalk_model_chat_family(model), "qwen3") == 0);
  CHECK(shoptalk_model_is_end_of_generation(model, 4093));
  CHECK(shoptalk_session_create(model, NULL, &session) == SHOPTALK_OK);

  shoptalk_generate_options_init(&options);
  options.temperature = 0.0f;
  options.max_tokens = 12;
  chat[0].role = "system";
  chat[0].content = "You are ShopTalk, an equipment-diagnostics assistant.";
  chat[1].role = "user";
  chat[1].content = "Conveyor motor CV-07 is hot. Motor current 8.5 A (rated 6.0 A).";
  memset(&first, 0, sizeof first);
  CHECK(shoptalk_session_chat(session, chat, 2, &options, collect, &first, &info) == SHOPTALK_OK);
  CHECK(info.generated_tokens == 12);
  CHECK(info.stop_reason == SHOPTALK_STOP_MAX_TOKENS);
  CHECK(first.pieces > 0);
  CHECK(strncmp(first.text, "<think>", 7) == 0);
  CHECK(info.mean_logprob <= 0.0f);

  /* The state after the answer restores into a fresh session, which continues identically. */
  CHECK(shoptalk_session_save_state(session, NULL, 0, &state_size) == SHOPTALK_INVALID_ARGUMENT);
  CHECK(state_size > 0);
  state = malloc(state_size);
  CHECK(shoptalk_session_save_state(session, state, state_size, &state_size) == SHOPTALK_OK);
  memset(&first, 0, sizeof first);
  CHECK(shoptalk_session_generate(session, NULL, &options, collect, &first, NULL) == SHOPTALK_OK);
  shoptalk_session_reset(session);
  CHECK(shoptalk_session_position(session) == 0);
  CHECK(shoptalk_session_load_state(session, state, state_size) == SHOPTALK_OK);
  memset(&second, 0, sizeof second);
  CHECK(shoptalk_session_generate(session, NULL, &options, collect, &second, NULL) == SHOPTALK_OK);
  CHECK(strcmp(first.text, second.text) == 0);

  /* A corrupt state is refused. */
  ((unsigned char*)state)[state_size / 2] ^= 0x5a;
  CHECK(shoptalk_session_load_state(session, state, state_size) == SHOPTALK_STATE_MISMATCH);
  free(state);

  /* A cancelled session refuses to evaluate until the flag is cleared. */
  shoptalk_session_set_cancel(session, 1);
  CHECK(shoptalk_session_prompt(session, "more text") == SHOPTALK_CANCELLED);
  shoptalk_session_set_cancel(session, 0);
  CHECK(shoptalk_session_prompt(session, "more text") == SHOPTALK_OK);

  /* Machine queries: the level in use and positive measurements; bad arguments are statuses. */
  CHECK(shoptalk_active_isa(&isa) == SHOPTALK_OK);
  CHECK(isa != NULL && isa[0] != '\0');
  CHECK(shoptalk_measure_int8_peak(1, &rate) == SHOPTALK_OK);
  CHECK(rate > 0);
  CHECK(shoptalk_measure_read_bandwidth(1, (uint64_t)8 << 20, &rate) == SHOPTALK_OK);
  CHECK(rate > 0);
  CHECK(shoptalk_measure_int8_peak(-1, &rate) == SHOPTALK_INVALID_ARGUMENT);
  CHECK(shoptalk_measure_read_bandwidth(1, 4096, &rate) == SHOPTALK_INVALID_ARGUMENT);
  CHECK(shoptalk_measure_int8_peak(1, NULL) == SHOPTALK_INVALID_ARGUMENT);
  CHECK(shoptalk_active_isa(NULL) == SHOPTALK_INVALID_ARGUMENT);
  /* The levels of the build, scalar first and runnable; the one in use among the runnable. */
  CHECK(shoptalk_isa_levels(NULL, 0, &n_levels) == SHOPTALK_INVALID_ARGUMENT);
  CHECK(n_levels >= 1 && n_levels <= 16);
  CHECK(shoptalk_isa_levels(levels, 16, &n_levels) == SHOPTALK_OK);
  CHECK(strcmp(levels[0].name, "scalar") == 0 && levels[0].runnable == 1);
  active_found = 0;
  for (i = 0; i < n_levels; ++i) {
    CHECK(levels[i].runnable == (levels[i].unavailable[0] == '\0'));
    if (levels[i].runnable && strcmp(levels[i].name, isa) == 0) active_found = 1;
  }
  CHECK(active_found);

  shoptalk_session_free(session);
  check_model_calls(argv[1], model);
  check_text_calls(model);
  check_session_calls(model);
  check_generation_calls(model);
  check_constraint_calls(model);
  check_file_calls(argv[1]);
  check_embed_calls(model);
  if (argc > 2) check_tool_calls(argv[2]);
  shoptalk_model_free(model);
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
