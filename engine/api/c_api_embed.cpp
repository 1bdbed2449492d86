// The C API's embeddings (Model::embed, Model::embed_tokens) and pooling names.
#include <cstring>
#include <string>
#include <vector>

#include "engine/api/c_api_util.h"

using shoptalk::capi::c_enum_value;
using shoptalk::capi::fail;

namespace {

shoptalk::EmbedOptions embed_options(const shoptalk_embed_options* o) {
  shoptalk::EmbedOptions options;
  if (!o) return options;
  options.pooling = static_cast<shoptalk::Pooling>(c_enum_value(o->pooling));
  options.normalize = o->normalize != 0;
  options.threads = o->threads;
  return options;
}

bool known(const shoptalk_pooling& pooling) {
  const int raw = c_enum_value(pooling);
  return raw >= SHOPTALK_POOLING_NONE && raw <= SHOPTALK_POOLING_LAST;
}

// Checks the options and the buffer, embeds, and copies the rows out.
template <typename Embed>
shoptalk_status embed_into(const shoptalk_model* model, size_t n_inputs,
                           const shoptalk_embed_options* options, float* vectors, size_t capacity,
                           size_t* n_floats, Embed embed) {
  if (!model) return fail(SHOPTALK_INVALID_ARGUMENT, "model must not be NULL");
  if (options && !known(options->pooling))
    return fail(SHOPTALK_INVALID_ARGUMENT, "unknown pooling value");
  const size_t n_embd = static_cast<size_t>(model->model.info().n_embd);
  const size_t needed = n_inputs * n_embd;
  if (n_floats) *n_floats = needed;
  if (capacity < needed || (!vectors && needed > 0))
    return fail(SHOPTALK_INVALID_ARGUMENT, "the vectors buffer is too small");
  const auto rows = embed(embed_options(options));
  if (!rows) return fail(rows.error());
  for (size_t i = 0; i < rows->size(); ++i)
    std::memcpy(vectors + i * n_embd, (*rows)[i].data(), n_embd * sizeof(float));
  return SHOPTALK_OK;
}

}  // namespace

extern "C" {

const char* shoptalk_pooling_name(shoptalk_pooling pooling) {
  return known(pooling)
             ? shoptalk::pooling_name(static_cast<shoptalk::Pooling>(c_enum_value(pooling)))
             : "";
}

shoptalk_status shoptalk_pooling_from_name(const char* name, shoptalk_pooling* pooling) {
  if (!name || !pooling)
    return fail(SHOPTALK_INVALID_ARGUMENT, "name and pooling must not be NULL");
  const auto parsed = shoptalk::pooling_from_name(name);
  if (!parsed) return fail(parsed.error());
  *pooling = static_cast<shoptalk_pooling>(*parsed);
  return SHOPTALK_OK;
}

void shoptalk_embed_options_init(shoptalk_embed_options* options) {
  const shoptalk::EmbedOptions d;
  *options = shoptalk_embed_options{static_cast<shoptalk_pooling>(d.pooling), d.normalize ? 1 : 0,
                                    d.threads};
}

shoptalk_status shoptalk_model_embed_tokens(const shoptalk_model* model,
                                            const int32_t* const* inputs, const size_t* n_tokens,
                                            size_t n_inputs, const shoptalk_embed_options* options,
                                            float* vectors, size_t capacity, size_t* n_floats) {
  return shoptalk::capi::guarded([&] {
    if (n_inputs > 0 && (!inputs || !n_tokens))
      return fail(SHOPTALK_INVALID_ARGUMENT, "inputs and n_tokens must not be NULL");
    std::vector<std::vector<shoptalk::Token>> token_lists(n_inputs);
    for (size_t i = 0; i < n_inputs; ++i) {
      if (!inputs[i] && n_tokens[i] > 0)
        return fail(SHOPTALK_INVALID_ARGUMENT, ("input " + std::to_string(i) + " is NULL").c_str());
      if (n_tokens[i] > 0) token_lists[i].assign(inputs[i], inputs[i] + n_tokens[i]);
    }
    return embed_into(
        model, n_inputs, options, vectors, capacity, n_floats,
        [&](const shoptalk::EmbedOptions& o) { return model->model.embed_tokens(token_lists, o); });
  });
}

shoptalk_status shoptalk_model_embed(const shoptalk_model* model, const char* const* texts,
                                     size_t n_texts, const shoptalk_embed_options* options,
                                     float* vectors, size_t capacity, size_t* n_floats) {
  return shoptalk::capi::guarded([&] {
    if (n_texts > 0 && !texts) return fail(SHOPTALK_INVALID_ARGUMENT, "texts must not be NULL");
    std::vector<std::string> strings;
    for (size_t i = 0; i < n_texts; ++i) {
      if (!texts[i])
        return fail(SHOPTALK_INVALID_ARGUMENT, ("text " + std::to_string(i) + " is NULL").c_str());
      strings.emplace_back(texts[i]);
    }
    return embed_into(
        model, n_texts, options, vectors, capacity, n_floats,
        [&](const shoptalk::EmbedOptions& o) { return model->model.embed(strings, o); });
  });
}

}  // extern "C"
