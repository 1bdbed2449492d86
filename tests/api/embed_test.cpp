// Model::embed: the poolings against each other, normalization, concurrent callers and bad input,
// on the small Qwen3-Embedding reference file (LAST pooling; tests/data ships it).
#include <atomic>
#include <cmath>
#include <thread>

#include "api_helpers.h"
#include "test_support.h"

namespace shoptalk::test {

namespace {

const Model& embedding_model() {
  static const Model model = [] {
    const auto path = find_reference("reference/models-next/qwen3embed/qwen3embed-Q4_0.gguf");
    if (!path) FAIL("the qwen3embed reference model is missing");
    auto m = Model::load(*path);
    if (!m) FAIL(m.error().message());
    return *m;
  }();
  return model;
}

// `n` ids spread over the vocabulary.
std::vector<Token> tokens(size_t n, Token first) {
  std::vector<Token> ids;
  for (size_t i = 0; i < n; ++i)
    ids.push_back(static_cast<Token>((first + 37 * static_cast<Token>(i)) % 400));
  return ids;
}

std::vector<float> embed_one(const Model& model, const std::vector<Token>& input,
                             Pooling pooling = Pooling::kNone) {
  EmbedOptions options;
  options.pooling = pooling;
  auto v = model.embed_tokens({input}, options);
  if (!v) FAIL(v.error().message());
  REQUIRE(v->size() == 1);
  return (*v)[0];
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  double d = 0.0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::fabs(double{a[i]} - b[i]));
  return d;
}

double norm(const std::vector<float>& v) {
  double s = 0.0;
  for (float x : v) s += double{x} * x;
  return std::sqrt(s);
}

}  // namespace

TEST_CASE("embeddings: one vector of n_embd per input, the file's pooling by default",
          "[embedding]") {
  const Model& m = embedding_model();
  CHECK(m.info().pooling == Pooling::kLast);
  auto v = m.embed_tokens({tokens(5, 1), tokens(9, 2), tokens(1, 3)});
  REQUIRE(v);
  REQUIRE(v->size() == 3);
  for (const std::vector<float>& row : *v)
    CHECK(row.size() == static_cast<size_t>(m.info().n_embd));
  CHECK((*v)[0] == embed_one(m, tokens(5, 1), Pooling::kLast));
  CHECK((*v)[0] != embed_one(m, tokens(5, 1), Pooling::kMean));
  auto none = m.embed_tokens({});
  REQUIRE(none);
  CHECK(none->empty());
}

// Attention is causal, so a token's state depends on the tokens up to it only: the CLS vector of
// a sequence is the LAST vector of its first token alone, and the MEAN vector is the average of
// the LAST vectors of its prefixes. Inputs this short take the same kernel paths either way.
TEST_CASE("CLS and MEAN pooling agree with LAST pooling of prefixes", "[embedding]") {
  const Model& m = embedding_model();
  const std::vector<Token> input = tokens(12, 5);
  const std::vector<float> first = embed_one(m, {input[0]}, Pooling::kLast);
  const double scale = norm(first);
  CHECK(max_abs_diff(embed_one(m, input, Pooling::kCls), first) <= 1e-5 * scale);
  std::vector<float> mean(first.size(), 0.0f);
  for (size_t n = 1; n <= input.size(); ++n) {
    const std::vector<float> last =
        embed_one(m, std::vector<Token>(input.begin(), input.begin() + n), Pooling::kLast);
    for (size_t i = 0; i < mean.size(); ++i) mean[i] += last[i] / static_cast<float>(input.size());
  }
  CHECK(max_abs_diff(embed_one(m, input, Pooling::kMean), mean) <= 1e-5 * scale);
}

TEST_CASE("normalize divides each vector by its L2 norm", "[embedding]") {
  const Model& m = embedding_model();
  EmbedOptions options;
  options.normalize = true;
  auto unit = m.embed_tokens({tokens(7, 3)}, options);
  REQUIRE(unit);
  const std::vector<float> raw = embed_one(m, tokens(7, 3));
  const double n = norm(raw);
  CHECK(norm((*unit)[0]) == Approx(1.0).epsilon(1e-6));
  for (size_t i = 0; i < raw.size(); ++i) CHECK((*unit)[0][i] == Approx(raw[i] / n).margin(1e-6));
}

TEST_CASE("concurrent embed calls on one model give their solo results", "[embedding]") {
  const Model& m = embedding_model();
  constexpr int kCallers = 4;
  std::vector<std::vector<float>> solo(kCallers), together(kCallers);
  for (int i = 0; i < kCallers; ++i) solo[i] = embed_one(m, tokens(20 + 3 * i, i));
  std::vector<std::thread> threads;
  std::vector<std::string> errors(kCallers);
  for (int i = 0; i < kCallers; ++i) {
    threads.emplace_back([&, i] {
      EmbedOptions options;
      options.threads = 1 + i % 2;
      auto v = m.embed_tokens({tokens(20 + 3 * i, i)}, options);
      if (v)
        together[i] = (*v)[0];
      else
        errors[i] = v.error().message();
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < kCallers; ++i) {
    INFO("caller " << i << ": " << errors[i]);
    CHECK(together[i] == solo[i]);
  }
}

TEST_CASE("bad embedding input is refused with a clear error", "[embedding]") {
  const Model& m = embedding_model();
  const int n_vocab = m.info().n_vocab;

  auto empty = m.embed_tokens({tokens(3, 0), {}});
  REQUIRE(!empty);
  CHECK(empty.error().code() == ErrorCode::kInvalidArgument);
  CHECK(empty.error().message() == "input 1 is empty");

  for (Token bad : {Token{-1}, static_cast<Token>(n_vocab)}) {
    auto out_of_range = m.embed_tokens({tokens(3, 0), {1, bad}});
    REQUIRE(!out_of_range);
    CHECK(out_of_range.error().code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(out_of_range.error().message(),
               Catch::StartsWith("input 1: token id " + std::to_string(bad) + " at index 1"));
  }

  // Longer than the training context: refused before anything is evaluated.
  const size_t too_long = static_cast<size_t>(m.info().context_train) + 1;
  auto over = m.embed_tokens({std::vector<Token>(too_long, 1)});
  REQUIRE(!over);
  CHECK(over.error().code() == ErrorCode::kContextOverflow);
  CHECK_THAT(over.error().message(), Catch::StartsWith("input 0 has " + std::to_string(too_long) +
                                                       " tokens, more than the training context"));

  EmbedOptions bad_threads;
  bad_threads.threads = -1;
  CHECK(m.embed_tokens({tokens(3, 0)}, bad_threads).error().code() == ErrorCode::kInvalidArgument);

  std::atomic<bool> cancel{true};
  EmbedOptions cancelled;
  cancelled.cancel = &cancel;
  auto stopped = m.embed_tokens({tokens(3, 0)}, cancelled);
  REQUIRE(!stopped);
  CHECK(stopped.error().code() == ErrorCode::kCancelled);
}

// A generative model declares no pooling: its hidden states were not trained as sentence
// embeddings, so embedding it without naming a pooling is refused rather than guessed.
TEST_CASE("a model without pooling embeds only with an explicit pooling", "[embedding]") {
  const Model& chat = demo_model();
  CHECK(chat.info().pooling == Pooling::kNone);
  auto refused = chat.embed({"Pump P-204 is noisy"});
  REQUIRE(!refused);
  CHECK(refused.error().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(refused.error().message(), Catch::Contains("declares no pooling"));
  EmbedOptions mean;
  mean.pooling = Pooling::kMean;
  auto v = chat.embed({"Pump P-204 is noisy"}, mean);
  REQUIRE(v);
  CHECK((*v)[0].size() == static_cast<size_t>(chat.info().n_embd));

  ModelOptions vocab_only;
  vocab_only.vocab_only = true;
  auto tokenizer = Model::load(SHOPTALK_DEMO_MODEL, vocab_only);
  REQUIRE(tokenizer);
  auto no_weights = tokenizer->embed({"Pump"}, mean);
  REQUIRE(!no_weights);
  CHECK(no_weights.error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("pooling names round-trip", "[embedding]") {
  for (Pooling p : {Pooling::kNone, Pooling::kMean, Pooling::kCls, Pooling::kLast}) {
    auto back = pooling_from_name(pooling_name(p));
    REQUIRE(back);
    CHECK(*back == p);
  }
  auto bad = pooling_from_name("max");
  REQUIRE(!bad);
  CHECK(bad.error().message() == "unknown pooling 'max' (none, mean, cls or last)");
}

}  // namespace shoptalk::test
