// Vocabulary: every token's bytes, and a trie over the text tokens in depth-first order so a mask
// walk that rejects a prefix skips the whole subtree in one step.
#include <algorithm>
#include <numeric>

#include "engine/constraint/constraint.h"
#include "engine/tokenizer/tokenizer.h"

namespace shoptalk::engine::constraint {

namespace {
// Tokens longer than this never match (the trie stores depths in 8 bits); no known vocabulary
// has one. Vocabularies beyond the trie's 23-bit subtree sizes or 24-bit ids are not text.
constexpr size_t kMaxTokenBytes = 255;
constexpr size_t kMaxTokens = (1 << 22) - 1;
constexpr size_t kMaxNodes = 1 << 23;
}  // namespace

std::shared_ptr<const Vocabulary> Vocabulary::from_tokenizer(const Tokenizer& tokenizer) {
  const int32_t n = tokenizer.n_vocab();
  std::vector<std::string> pieces(static_cast<size_t>(n));
  std::vector<char> is_text(static_cast<size_t>(n), 0);
  for (int32_t id = 0; id < n; ++id) {
    if (!tokenizer.is_text_token(id)) continue;
    Result<std::string> piece = tokenizer.token_to_piece(id, false);
    if (!piece) continue;
    pieces[static_cast<size_t>(id)] = std::move(*piece);
    is_text[static_cast<size_t>(id)] = 1;
  }
  std::shared_ptr<Vocabulary> v(new Vocabulary());
  v->build(std::move(pieces), std::move(is_text), tokenizer.eog_ids());
  return v;
}

std::shared_ptr<const Vocabulary> Vocabulary::from_pieces(std::vector<std::string> pieces,
                                                          const std::vector<int32_t>& special,
                                                          const std::vector<int32_t>& eog) {
  std::vector<char> is_text(pieces.size(), 1);
  for (int32_t id : special)
    if (id >= 0 && static_cast<size_t>(id) < pieces.size()) is_text[static_cast<size_t>(id)] = 0;
  for (int32_t id : eog)
    if (id >= 0 && static_cast<size_t>(id) < pieces.size()) is_text[static_cast<size_t>(id)] = 0;
  std::shared_ptr<Vocabulary> v(new Vocabulary());
  v->build(std::move(pieces), std::move(is_text), eog);
  return v;
}

namespace {

struct BucketTable {
  uint8_t of[256];
  BucketTable() {
    int next = 0;
    auto range = [&](unsigned lo, unsigned hi) {
      for (unsigned b = lo; b <= hi; ++b) of[b] = static_cast<uint8_t>(next);
      ++next;
    };
    range(0x00, 0x1F);  // controls (tab, newline and carriage return get their own below)
    for (uint8_t b : {'\t', '\n', '\r'}) of[b] = static_cast<uint8_t>(next++);
    of[0x7F] = 0;
    for (unsigned b = 0x20; b < 0x7F;) {
      if (b == '0' || b == 'A' || b == 'a') {
        const unsigned last = b == '0' ? '9' : b + 25;
        range(b, last);
        b = last + 1;
      } else {
        range(b, b);
        ++b;
      }
    }
    // Lead bytes above ASCII, grouped by script: Latin-1 (C2, C3), Latin extended, IPA,
    // combining marks, Greek, Cyrillic, Armenian and Hebrew, Arabic, other two-byte scripts;
    // Indic (E0), E1, punctuation and symbols (E2), CJK symbols and kana (E3), CJK ideographs,
    // Hangul and other, ED, private use and compatibility forms; four-byte characters.
    for (const auto& r : {std::pair<unsigned, unsigned>{0xC2, 0xC2},
                          {0xC3, 0xC3},
                          {0xC4, 0xC5},
                          {0xC6, 0xC9},
                          {0xCA, 0xCB},
                          {0xCC, 0xCD},
                          {0xCE, 0xCF},
                          {0xD0, 0xD3},
                          {0xD4, 0xD7},
                          {0xD8, 0xDB},
                          {0xDC, 0xDF},
                          {0xE0, 0xE0},
                          {0xE1, 0xE1},
                          {0xE2, 0xE2},
                          {0xE3, 0xE3},
                          {0xE4, 0xE9},
                          {0xEA, 0xEC},
                          {0xED, 0xED},
                          {0xEE, 0xEF},
                          {0xF0, 0xF0},
                          {0xF1, 0xF3},
                          {0xF4, 0xF4}})
      range(r.first, r.second);
    for (unsigned b = 0x80; b < 0xC2; ++b) of[b] = 63;
    for (unsigned b = 0xF5; b <= 0xFF; ++b) of[b] = 63;
  }
};

}  // namespace

int Vocabulary::char_bucket(uint8_t first_byte) {
  // Built on first use, so that other files' static tables may use it.
  static const BucketTable table;
  return table.of[first_byte];
}

uint64_t Vocabulary::text_buckets() {
  static const uint64_t mask = [] {
    uint64_t m = 0;
    for (unsigned b = 0x20; b < 0xF5; ++b)
      if (b < 0x7F ? b != '"' && b != '\\' : b >= 0xC2)
        m |= uint64_t{1} << char_bucket(static_cast<uint8_t>(b));
    return m;
  }();
  return mask;
}

std::string_view Vocabulary::bytes(int32_t id) const {
  if (id < 0 || id >= size()) return {};
  return std::string_view(arena_).substr(
      offsets_[static_cast<size_t>(id)],
      offsets_[static_cast<size_t>(id) + 1] - offsets_[static_cast<size_t>(id)]);
}

void Vocabulary::add_text_tokens(int chars, uint32_t* bits) const {
  if (chars <= 0) return;
  const size_t words = mask_words();
  const uint32_t* m = &short_text_[static_cast<size_t>(std::min(chars, kShortText) - 1) * words];
  for (size_t w = 0; w < words; ++w) bits[w] |= m[w];
  for (const auto& [n, t] : long_text_) {
    if (n > chars) break;
    bits[static_cast<size_t>(t) >> 5] |= 1u << (t & 31);
  }
}

bool Vocabulary::is_eog(int32_t id) const {
  return std::binary_search(eog_.begin(), eog_.end(), id);
}

void Vocabulary::build(std::vector<std::string> pieces, std::vector<char> is_text,
                       std::vector<int32_t> eog) {
  const size_t n = pieces.size();
  offsets_.resize(n + 1);
  for (size_t i = 0; i < n; ++i) {
    if (pieces[i].empty() || pieces[i].size() > kMaxTokenBytes || i >= kMaxTokens) is_text[i] = 0;
    if (!is_text[i]) pieces[i].clear();
    offsets_[i] = static_cast<uint32_t>(arena_.size());
    arena_ += pieces[i];
  }
  offsets_[n] = static_cast<uint32_t>(arena_.size());
  is_text_ = std::move(is_text);
  std::sort(eog.begin(), eog.end());
  eog.erase(std::unique(eog.begin(), eog.end()), eog.end());
  eog.erase(std::remove_if(eog.begin(), eog.end(),
                           [n](int32_t id) { return id < 0 || static_cast<size_t>(id) >= n; }),
            eog.end());
  eog_ = std::move(eog);

  // Text tokens sorted by bytes: depth-first order of the trie.
  std::vector<int32_t> order;
  for (size_t i = 0; i < n; ++i)
    if (is_text_[i]) order.push_back(static_cast<int32_t>(i));
  std::stable_sort(order.begin(), order.end(),
                   [this](int32_t a, int32_t b) { return bytes(a) < bytes(b); });

  dup_next_.assign(n, -1);
  trie_.clear();
  std::vector<size_t> open;  // indexes of the nodes on the current path (depth 1..)
  std::string_view prev;
  auto close_to = [&](size_t depth) {
    while (open.size() > depth) {
      const size_t idx = open.back();
      open.pop_back();
      const uint64_t size = trie_.size() - idx;
      trie_[idx] |= size << 16;
    }
  };
  int32_t last_at_node = -1;
  for (int32_t id : order) {
    const std::string_view b = bytes(id);
    if (b == prev && last_at_node >= 0) {
      // Same bytes as the previous token: chain it behind that one.
      dup_next_[static_cast<size_t>(id)] = dup_next_[static_cast<size_t>(last_at_node)];
      dup_next_[static_cast<size_t>(last_at_node)] = id;
      trie_[open.back()] |= uint64_t{1} << 39;
      continue;
    }
    size_t common = 0;
    while (common < b.size() && common < prev.size() && b[common] == prev[common]) ++common;
    if (trie_.size() + (b.size() - common) >= kMaxNodes) {
      is_text_[static_cast<size_t>(id)] = 0;
      continue;
    }
    close_to(common);
    for (size_t d = common; d < b.size(); ++d) {
      open.push_back(trie_.size());
      uint64_t node = static_cast<uint8_t>(b[d]) | (static_cast<uint64_t>(d + 1) << 8) |
                      (static_cast<uint64_t>(kNoToken) << 42);
      trie_.push_back(node);
    }
    // The last node on the path ends this token.
    uint64_t& last = trie_[open.back()];
    last = (last & ((uint64_t{1} << 42) - 1)) | (static_cast<uint64_t>(id) << 42);
    last_at_node = id;
    prev = b;
  }
  close_to(0);

  // Characters of subtrees. Top-down: whether each node's byte is valid UTF-8 after its path,
  // whether it starts a character and whether it ends one; then bottom-up: a subtree is valid
  // when its node and all its children's subtrees are, and its buckets are its own character's
  // and its children's.
  const size_t n_nodes = trie_.size();
  struct Utf8 {
    uint8_t pending = 0, lo = 0x80,
            hi = 0xBF;  // continuation bytes still due, and the next one's range
  };
  std::vector<Utf8> at(257);
  std::vector<char> valid(n_nodes), boundary(n_nodes);
  std::vector<char> valid_byte(n_nodes);
  for (size_t i = 0; i < n_nodes; ++i) {
    const uint32_t d = node_depth(trie_[i]);
    const uint8_t b = node_byte(trie_[i]);
    const Utf8 p = at[d - 1];
    Utf8 s;
    bool ok = true;
    if (p.pending > 0) {
      ok = b >= p.lo && b <= p.hi;
      // A byte that breaks a character starts over (the next one starts a character).
      if (ok) s = {static_cast<uint8_t>(p.pending - 1), 0x80, 0xBF};
    } else if (b >= 0xC2 && b <= 0xDF) {
      s.pending = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      s = {2, static_cast<uint8_t>(b == 0xE0 ? 0xA0 : 0x80),
           static_cast<uint8_t>(b == 0xED ? 0x9F : 0xBF)};
    } else if (b >= 0xF0 && b <= 0xF4) {
      s = {3, static_cast<uint8_t>(b == 0xF0 ? 0x90 : 0x80),
           static_cast<uint8_t>(b == 0xF4 ? 0x8F : 0xBF)};
    } else {
      ok = b < 0x80;
    }
    at[d] = s;
    valid[i] = valid_byte[i] = ok;
    boundary[i] = p.pending == 0;
    if (s.pending == 0) trie_[i] |= uint64_t{1} << 41;
  }
  text_chars_.assign(n_nodes, 0);
  buckets_.assign(n_nodes, 0);
  for (size_t i = n_nodes; i-- > 0;) {
    bool ok = valid[i];
    uint32_t chars = 0;
    uint64_t buckets = boundary[i] ? uint64_t{1} << char_bucket(node_byte(trie_[i])) : 0;
    const size_t end = i + node_size(trie_[i]);
    for (size_t j = i + 1; j < end; j += node_size(trie_[j])) {
      ok = ok && valid[j];
      chars = std::max<uint32_t>(chars, text_chars_[j]);
      buckets |= buckets_[j];
    }
    text_chars_[i] = static_cast<uint8_t>(std::min<uint32_t>(255, chars + (boundary[i] ? 1 : 0)));
    buckets_[i] = buckets;
    valid[i] = ok;  // from now on: the whole subtree is valid (children come first)
    if (ok && boundary[i]) trie_[i] |= kNodeUtf8;
  }
  // Text tokens (text from their first byte) by character count, and the nodes whose subtree
  // has only such tokens (their path from the root is text, and every child's subtree is so).
  const size_t words = mask_words();
  short_text_.assign(static_cast<size_t>(kShortText) * words, 0);
  long_text_.clear();
  std::vector<int> chars(257, 0);
  std::vector<char> ok(257, 1);
  std::vector<char> rooted(n_nodes);
  chars_to_.assign(n_nodes, 0);
  for (size_t i = 0; i < n_nodes; ++i) {
    const uint32_t d = node_depth(trie_[i]);
    ok[d] = ok[d - 1] && valid_byte[i] &&
            (!boundary[i] || ((text_buckets() >> char_bucket(node_byte(trie_[i]))) & 1));
    rooted[i] = ok[d];
    chars[d] = chars[d - 1] + (boundary[i] ? 1 : 0);
    chars_to_[i] = static_cast<uint8_t>(std::min(chars[d], 255));
    const uint32_t tok = node_token(trie_[i]);
    if (tok == kNoToken || !ok[d]) continue;
    for (int32_t t = static_cast<int32_t>(tok); t >= 0; t = dup_next_[static_cast<size_t>(t)]) {
      if (chars[d] > kShortText) {
        long_text_.emplace_back(static_cast<uint8_t>(std::min(chars[d], 255)), t);
        continue;
      }
      for (int r = chars[d]; r <= kShortText; ++r)
        short_text_[static_cast<size_t>(r - 1) * words + (static_cast<size_t>(t) >> 5)] |=
            1u << (t & 31);
    }
  }
  std::sort(long_text_.begin(), long_text_.end());
  text_tokens_only_.assign((n_nodes + 63) / 64, 0);
  for (size_t i = n_nodes; i-- > 0;) {
    bool all = rooted[i];
    const size_t end = i + node_size(trie_[i]);
    for (size_t j = i + 1; j < end && all; j += node_size(trie_[j])) all = rooted[j];
    rooted[i] = all;  // from now on: the whole subtree (children come first)
    if (all) text_tokens_only_[i >> 6] |= uint64_t{1} << (i & 63);
  }

  first_token_.resize(n_nodes + 1);
  dfs_tokens_.clear();
  dfs_chars_.clear();
  for (size_t i = 0; i < n_nodes; ++i) {
    first_token_[i] = static_cast<uint32_t>(dfs_tokens_.size());
    const uint32_t tok = node_token(trie_[i]);
    if (tok == kNoToken) continue;
    for (int32_t t = static_cast<int32_t>(tok); t >= 0; t = dup_next_[static_cast<size_t>(t)]) {
      dfs_tokens_.push_back(t);
      dfs_chars_.push_back(chars_to_[i]);
    }
  }
  first_token_[n_nodes] = static_cast<uint32_t>(dfs_tokens_.size());
}

}  // namespace shoptalk::engine::constraint
