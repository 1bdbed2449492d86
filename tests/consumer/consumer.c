/* A C99 program linking the installed library through pkg-config with the C compiler driver, as
 * a firmware team's build would (`cc -std=c99 app.c $(pkg-config --static --cflags --libs
 * shoptalk)`): load a model, tokenize a sentence, print the vocabulary size and token count. */
#include <stdio.h>

#include "shoptalk/shoptalk.h"

int main(int argc, char** argv) {
  shoptalk_model* model;
  int32_t tokens[64];
  size_t n_tokens = 0;
  if (argc != 2) {
    fprintf(stderr, "usage: consumer-c MODEL.gguf\n");
    return 2;
  }
  if (shoptalk_model_load(argv[1], NULL, &model) != SHOPTALK_OK) {
    fprintf(stderr, "consumer-c: %s\n", shoptalk_last_error());
    return 1;
  }
  if (shoptalk_tokenize(model, "Pump P-204 vibration", 0, 0, tokens, 64, &n_tokens) !=
      SHOPTALK_OK) {
    fprintf(stderr, "consumer-c: %s\n", shoptalk_last_error());
    shoptalk_model_free(model);
    return 1;
  }
  printf("n_vocab=%d tokens=%d\n", shoptalk_model_n_vocab(model), (int)n_tokens);
  shoptalk_model_free(model);
  return 0;
}
