#include "engine/tokenizer/spm.h"

#include <cstdio>
#include <queue>

#include "engine/tokenizer/unicode.h"

namespace shoptalk::engine {

namespace {

struct Symbol {
  size_t offset, len;  // len 0 = merged away
  int32_t prev, next;
};

struct Bigram {
  int32_t left, right;
  float score;
  size_t len;
};

struct BigramOrder {  // best score first, then the leftmost
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

}  // namespace

SpmModel::SpmModel(const Vocab& vocab) {
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    int32_t id = vocab.find(name);
    if (id < 0) id = vocab.find(std::string_view(reinterpret_cast<const char*>(&b), 1));
    byte_token_[static_cast<size_t>(b)] = id;
  }
}

void SpmModel::encode(std::string_view text, const Vocab& vocab, std::vector<int32_t>& out) const {
  std::vector<Symbol> sym;
  for (size_t i = 0; i < text.size();) {
    const unicode::Utf8Step step = unicode::decode_utf8(text.substr(i));
    const size_t len = step.status == unicode::Utf8Status::kOk ? step.len : 1;
    const auto idx = static_cast<int32_t>(sym.size());
    sym.push_back(Symbol{i, len, idx - 1, idx + 1});
    i += len;
  }
  if (sym.empty()) return;
  sym.back().next = -1;

  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
  auto try_add = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = sym[static_cast<size_t>(left)];
    const Symbol& r = sym[static_cast<size_t>(right)];
    const std::string_view joined = text.substr(l.offset, l.len + r.len);
    const int32_t id = vocab.find(joined);
    if (id < 0) return;
    queue.push(Bigram{left, right, vocab.scores[static_cast<size_t>(id)], joined.size()});
  };
  for (size_t i = 1; i < sym.size(); ++i)
    try_add(static_cast<int32_t>(i) - 1, static_cast<int32_t>(i));

  while (!queue.empty()) {
    const Bigram b = queue.top();
    queue.pop();
    Symbol& l = sym[static_cast<size_t>(b.left)];
    Symbol& r = sym[static_cast<size_t>(b.right)];
    if (l.len == 0 || r.len == 0 || l.len + r.len != b.len) continue;  // stale
    l.len += r.len;
    r.len = 0;
    l.next = r.next;
    if (r.next >= 0) sym[static_cast<size_t>(r.next)].prev = b.left;
    try_add(l.prev, b.left);
    try_add(b.left, l.next);
  }

  // Every merged symbol is a token (only pairs that form a token are merged); a single character
  // that is not a token falls back to its bytes.
  for (int32_t i = 0; i >= 0; i = sym[static_cast<size_t>(i)].next) {
    const Symbol& x = sym[static_cast<size_t>(i)];
    const std::string_view piece = text.substr(x.offset, x.len);
    const int32_t id = vocab.find(piece);
    if (id >= 0) {
      out.push_back(id);
      continue;
    }
    for (char c : piece) {
      const int32_t byte_id = byte_token_[static_cast<uint8_t>(c)];
      if (byte_id >= 0) out.push_back(byte_id);
    }
  }
}

}  // namespace shoptalk::engine
