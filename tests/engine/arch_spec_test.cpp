// The architecture specs as the one schema: each is well formed, and what synth writes from a spec
// is exactly what the loader reads from it (docs/architecture.md, "Adding a model family").
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>

#include "engine/chat/chat_template.h"
#include "engine/model/arch_spec.h"
#include "engine/model/model.h"
#include "engine/model/session.h"
#include "engine/synth/vocab_synth.h"
#include "engine/tokenizer/tokenizer.h"
#include "shoptalk/synth.hpp"
#include "test_support.h"

namespace shoptalk::engine {
namespace {

TEST_CASE("arch specs: tensor lists, keys and families are well formed", "[arch]") {
  CHECK(find_arch_spec("gpt2") == nullptr);
  for (const ArchSpec& spec : arch_specs()) {
    INFO(spec.name);
    CHECK(find_arch_spec(spec.name) == &spec);
    CHECK(spec.key(hparam_key::kBlockCount) == std::string(spec.name) + ".block_count");
    std::set<TensorRole> roles;
    std::set<std::string> names;
    int preferred = 0, alternative = 0;
    for (const TensorSpec& t : spec.tensors) {
      INFO(t.name);
      CHECK(roles.insert(t.role).second);
      CHECK(names.insert(t.name).second);
      CHECK(spec.find(t.role) == &t);
      const std::string name = t.name;
      CHECK(name.find("%d") == name.rfind("%d"));
      CHECK(t.per_layer() == (name.rfind("blk.%d.", 0) == 0));
      CHECK(t.name_in(7) == (t.per_layer() ? "blk.7" + name.substr(6) : name));
      CHECK((t.shape.n_dims == 1 || t.shape.n_dims == 2));
      // Vectors are norms or factors; matrices are random.
      CHECK((t.shape.n_dims == 2) == (t.init == TensorInit::kMatrix));
      preferred += t.presence == Presence::kPreferred ? 1 : 0;
      alternative += t.presence == Presence::kAlternative ? 1 : 0;
    }
    for (TensorRole role : {TensorRole::kTokenEmbd, TensorRole::kOutputNorm, TensorRole::kAttnNorm,
                            TensorRole::kAttnOutput, TensorRole::kFfnNorm, TensorRole::kFfnUp,
                            TensorRole::kFfnDown}) {
      REQUIRE(spec.find(role));
      CHECK(spec.find(role)->presence == Presence::kRequired);
    }
    CHECK((preferred > 0) == (alternative > 0));
    REQUIRE_FALSE(spec.families.empty());
    CHECK(spec.family("") == &spec.families.front());
    for (const FamilySpec& family : spec.families) {
      INFO(family.name);
      CHECK(spec.family(family.name) == &family);
      CHECK(synth::synthesize_vocab(std::string(spec.name), 1000, std::string(family.name)));
    }
  }
}

// A small synthetic model of the architecture and model family.
std::string synthesize(const ArchSpec& spec, const FamilySpec& family, const std::string& quant) {
  SynthOptions o;
  o.architecture = std::string(spec.name);
  o.family = std::string(family.name);
  o.quant = quant;
  o.n_embd = 256;
  o.n_layer = 4;
  o.n_head = 4;
  o.n_head_kv = 2;
  o.n_ff = 512;
  o.n_vocab = 600;
  const std::string path = test::temp_path("arch-spec-" + o.family + ".gguf");
  const Status written = synthesize_model(o, path);
  INFO((written ? "" : written.error().message()));
  REQUIRE(written);
  return path;
}

TEST_CASE("arch specs: synth writes exactly the tensors the loader reads, for every family",
          "[arch]") {
  for (const ArchSpec& spec : arch_specs()) {
    for (const FamilySpec& family : spec.families) {
      INFO(spec.name << " " << family.name);
      const std::string path = synthesize(spec, family, "q8_0");
      Result<gguf::GgufFile> file = gguf::GgufFile::open(path);
      REQUIRE(file);
      auto header = read_model_header(*file);
      REQUIRE(header);
      CHECK(header->first == &spec);
      CHECK(check_tensor_names(*file, spec, header->second));
      size_t read = 0;
      for (const TensorSpec& t : spec.tensors) {
        for (int64_t l = 0; l < (t.per_layer() ? 4 : 1); ++l) {
          INFO(t.name_in(l));
          const bool loads = loads_tensor(*file, spec, t, l);
          CHECK(loads == (file->find_tensor(t.name_in(l)) != nullptr));
          read += loads ? 1 : 0;
        }
      }
      CHECK(read == file->tensors().size());
      // The file's vocabulary is the family's, and its chat family follows from it. An embedding
      // family shares its base family's tokens (Qwen3-Embedding: Qwen3's); its pooling_type key
      // tells it apart.
      CHECK(header->second.pooling == family.pooling);
      auto tokenizer = Tokenizer::from_gguf(*file);
      REQUIRE(tokenizer);
      const FamilySpec* by_vocab = spec.family_of_vocab(
          [&](const char* token) { return tokenizer->find_token(token).has_value(); });
      REQUIRE(by_vocab);
      CHECK(by_vocab->chat == family.chat);
      if (family.pooling == Pooling::kNone) CHECK(by_vocab == &family);
      auto chat = detect_chat_family(*file, *tokenizer);
      REQUIRE(chat);
      CHECK(*chat == family.chat);
      CHECK(chat_stop_tokens(*chat, *tokenizer));
      // It loads and runs.
      auto model = Model::load(path);
      INFO((model ? "" : model.error().message()));
      REQUIRE(model);
      auto session = Session::create(*model, {});
      REQUIRE(session);
      const std::vector<int32_t> prompt = tokenizer->tokenize("Hello world", true, false);
      REQUIRE((*session)->eval(prompt));
      CHECK(std::isfinite((*session)->logits().data[0]));
      std::remove(path.c_str());
    }
  }
}

}  // namespace
}  // namespace shoptalk::engine
