/* The C API from C99: load the demo model, stream a few greedy tokens through a callback, save
 * and restore the state, query the machine, and check that errors come back as statuses with
 * messages. */
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

  if (argc < 2) {
    fprintf(stderr, "usage: c_api_test MODEL.gguf\n");
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

  shoptalk_session_free(session);
  shoptalk_model_free(model);
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
