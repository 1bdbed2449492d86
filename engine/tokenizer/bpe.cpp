#include "engine/tokenizer/bpe.h"

#include <algorithm>

#include "engine/tokenizer/byte_level.h"
#include "formats/try.h"

namespace shoptalk::engine {

namespace {

uint64_t pair_key(int32_t left, int32_t right) {
  return ((static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
          static_cast<uint32_t>(right)) +
         1;
}

uint64_t slot_of(uint64_t key) {
  return (key * 0x9E3779B97F4A7C15ull) >> 20;
}

}  // namespace

const BpeModel::Entry* BpeModel::find(int32_t left, int32_t right) const {
  const uint64_t key = pair_key(left, right);
  for (uint64_t s = slot_of(key) & mask_;; s = (s + 1) & mask_) {
    const Entry& e = table_[s];
    if (e.key == key) return &e;
    if (e.key == 0) return nullptr;
  }
}

void BpeModel::insert(int32_t left, int32_t right, int32_t rank, int32_t result) {
  const uint64_t key = pair_key(left, right);
  for (uint64_t s = slot_of(key) & mask_;; s = (s + 1) & mask_) {
    Entry& e = table_[s];
    if (e.key == key) return;  // a duplicate pair keeps its first (lowest) rank
    if (e.key == 0) {
      e = Entry{key, rank, result};
      return;
    }
  }
}

Result<BpeModel> BpeModel::load(const gguf::GgufFile& file, const Vocab& vocab) {
  ST_ASSIGN_OR_RETURN(const std::vector<std::string_view>* merges,
                      file.get_string_array("tokenizer.ggml.merges"));
  if (merges->size() > static_cast<size_t>(INT32_MAX))
    return Error(ErrorCode::kMalformedFile, "tokenizer.ggml.merges: too many merges");
  BpeModel m;
  size_t capacity = 1024;
  while (capacity < merges->size() + merges->size() / 2) capacity *= 2;
  m.table_.assign(capacity, Entry{0, 0, 0});
  m.mask_ = capacity - 1;

  std::string joined;
  for (size_t r = 0; r < merges->size(); ++r) {
    const std::string_view merge = (*merges)[r];
    const size_t space = merge.size() > 1 ? merge.find(' ', 1) : std::string_view::npos;
    if (space == std::string_view::npos)
      return Error(ErrorCode::kMalformedFile, "tokenizer.ggml.merges[" + std::to_string(r) +
                                                  "] is not \"A B\": '" + std::string(merge) + "'");
    const std::string_view a = merge.substr(0, space), b = merge.substr(space + 1);
    joined.assign(a);
    joined.append(b);
    const int32_t ia = vocab.find(a), ib = vocab.find(b), ij = vocab.find(joined);
    if (ia < 0 || ib < 0 || ij < 0)
      return Error(ErrorCode::kMalformedFile, "tokenizer.ggml.merges[" + std::to_string(r) + "] '" +
                                                  std::string(merge) +
                                                  "' refers to a string that is not a token");
    m.insert(ia, ib, static_cast<int32_t>(r), ij);
  }

  std::string encoded;
  for (int b = 0; b < 256; ++b) {
    encoded.clear();
    byte_level::encode(std::string(1, static_cast<char>(b)), encoded);
    m.byte_token_[static_cast<size_t>(b)] = vocab.find(encoded);
  }
  return m;
}

void BpeModel::encode(const std::string& piece, const Vocab& vocab, Scratch& s,
                      std::vector<int32_t>& out) const {
  if (vocab.ignore_merges) {
    s.encoded.clear();
    byte_level::encode(piece, s.encoded);
    const int32_t whole = vocab.find(s.encoded);
    if (whole >= 0) {
      out.push_back(whole);
      return;
    }
  }
  const auto n = static_cast<int32_t>(piece.size());
  if (n == 1) {
    const int32_t id = byte_token_[static_cast<uint8_t>(piece[0])];
    if (id >= 0) out.push_back(id);
    return;
  }
  s.id.resize(static_cast<size_t>(n));
  s.prev.resize(static_cast<size_t>(n));
  s.next.resize(static_cast<size_t>(n));
  s.heap.clear();
  const auto greater = std::greater<Candidate>();
  auto push_pair = [&](int32_t left) {
    const int32_t right = s.next[static_cast<size_t>(left)];
    if (right >= n) return;
    const int32_t a = s.id[static_cast<size_t>(left)], b = s.id[static_cast<size_t>(right)];
    if (a < 0 || b < 0) return;
    if (const Entry* e = find(a, b)) {
      s.heap.push_back(Candidate{e->rank, left, a, b, e->result});
      std::push_heap(s.heap.begin(), s.heap.end(), greater);
    }
  };
  for (int32_t i = 0; i < n; ++i) {
    s.id[static_cast<size_t>(i)] = byte_token_[static_cast<uint8_t>(piece[static_cast<size_t>(i)])];
    s.prev[static_cast<size_t>(i)] = i - 1;
    s.next[static_cast<size_t>(i)] = i + 1;
  }
  for (int32_t i = 0; i + 1 < n; ++i) push_pair(i);

  while (!s.heap.empty()) {
    std::pop_heap(s.heap.begin(), s.heap.end(), greater);
    const Candidate c = s.heap.back();
    s.heap.pop_back();
    // Stale if either symbol changed since the push (ids only grow longer, so equal ids mean
    // the same symbols) or the left one was merged away.
    const int32_t right = s.next[static_cast<size_t>(c.left)];
    if (s.id[static_cast<size_t>(c.left)] != c.left_id || right >= n ||
        s.id[static_cast<size_t>(right)] != c.right_id)
      continue;
    s.id[static_cast<size_t>(c.left)] = c.result;
    s.id[static_cast<size_t>(right)] = -2;  // consumed
    const int32_t after = s.next[static_cast<size_t>(right)];
    s.next[static_cast<size_t>(c.left)] = after;
    if (after < n) s.prev[static_cast<size_t>(after)] = c.left;
    if (s.prev[static_cast<size_t>(c.left)] >= 0) push_pair(s.prev[static_cast<size_t>(c.left)]);
    push_pair(c.left);
  }
  for (int32_t i = 0; i < n; i = s.next[static_cast<size_t>(i)])
    if (s.id[static_cast<size_t>(i)] >= 0) out.push_back(s.id[static_cast<size_t>(i)]);
}

}  // namespace shoptalk::engine
