#include "engine/constraint/runtime.h"

#include <algorithm>

namespace shoptalk::engine::constraint {

namespace {

std::string key_of(const std::vector<int32_t>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(int32_t));
}

}  // namespace

Runtime::Runtime(Grammar grammar, const Vocabulary& vocab, size_t cache_bytes)
    : g_(std::move(grammar)),
      vocab_(vocab),
      budget_(cache_bytes),
      K_(g_.n_classes),
      n_rules_(static_cast<uint32_t>(g_.rule_start.size())) {
  uint32_t longest = 0;
  for (uint64_t node : vocab_.trie()) longest = std::max(longest, Vocabulary::node_depth(node));
  far_ = static_cast<int32_t>(longest) + 1;
  clear();
}

void Runtime::clear() {
  cfgs_.clear();
  hot_.clear();
  pool_.clear();
  index_.clear();
  trans_.clear();
  masks_.clear();
  within_.clear();
  mask_bytes_ = 0;
  ++epoch_;
  out_.clear();
  out_accept_ = false;
  seen_.clear();
  expand({g_.rule_start[g_.root]}, false);
  initial_ = intern_out(false);
}

void Runtime::trim() {
  const size_t used =
      mask_bytes_ + trans_.size() * sizeof(int32_t) + pool_.size() * sizeof(int32_t) * 3;
  if (used > budget_) clear();
}

int32_t Runtime::intern(const std::vector<int32_t>& stacks, bool accept, bool clamped) {
  std::string key = key_of(stacks);
  key.push_back(static_cast<char>((accept ? 1 : 0) | (clamped ? 2 : 0)));
  auto it = index_.find(key);
  if (it != index_.end()) return it->second;
  Cfg c;
  c.off = static_cast<uint32_t>(pool_.size());
  c.len = static_cast<uint32_t>(stacks.size());
  c.accept = accept;
  c.clamped = clamped;
  pool_.insert(pool_.end(), stacks.begin(), stacks.end());
  const int32_t id = static_cast<int32_t>(cfgs_.size());
  cfgs_.push_back(c);
  hot_.push_back(static_cast<uint8_t>(kHotPlain | kHotText | (accept ? kHotAccept : 0)));
  trans_.resize(trans_.size() + K_, kUnknown);
  index_.emplace(std::move(key), id);
  return id;
}

int32_t Runtime::intern_out(bool clamped) {
  std::sort(out_.begin(), out_.end());
  std::vector<int32_t> flat;
  for (const std::vector<int32_t>& s : out_) {
    flat.push_back(static_cast<int32_t>(s.size()));
    flat.insert(flat.end(), s.begin(), s.end());
  }
  return intern(flat, out_accept_, clamped);
}

void Runtime::copy_stacks(int32_t cfg, std::vector<int32_t>& out) const {
  const Cfg& c = cfgs_[static_cast<size_t>(cfg)];
  out.assign(pool_.begin() + c.off, pool_.begin() + c.off + c.len);
}

void Runtime::expand(std::vector<int32_t> stack, bool clamped) {
  work_.clear();
  work_.push_back(std::move(stack));
  while (!work_.empty()) {
    std::vector<int32_t> s = std::move(work_.back());
    work_.pop_back();
    if (!seen_.insert(key_of(s)).second) continue;
    auto pop = [&] {
      if (s.size() == 1) {
        out_accept_ = true;
      } else {
        work_.emplace_back(s.begin(), s.end() - 1);
      }
    };
    const int32_t top = s.back();
    if (is_counter(top)) {
      // A counter frame: after `count` items it may end (count >= min) or run one more item
      // (count < max), returning to the frame with the count advanced.
      bool may_end, may_repeat;
      int32_t advanced;
      uint32_t c;
      if (top >= kClampedBase) {
        const uint32_t v = static_cast<uint32_t>(top - kClampedBase);
        c = v >> 18;
        const int32_t to_min = static_cast<int32_t>((v >> 9) & 511),
                      to_max = static_cast<int32_t>(v & 511);
        may_end = to_min == 0;
        may_repeat = to_max > 0;
        // "Farther than the horizon" stays so: a mask never looks that far.
        advanced = clamped_frame(c, to_min == far_ ? far_ : std::max(to_min - 1, 0),
                                 to_max == far_ ? far_ : to_max - 1);
      } else {
        const uint32_t v = static_cast<uint32_t>(top - kExactBase);
        c = v >> 17;
        const int32_t k = static_cast<int32_t>(v & 0x1FFFF);
        const Grammar::Counter& ct = g_.counters[c];
        may_end = k >= ct.min;
        may_repeat = ct.max == kUnbounded || k < ct.max;
        // Unbounded: every count past the minimum behaves the same.
        advanced = exact_frame(c, ct.max == kUnbounded && k >= ct.min ? k : k + 1);
      }
      if (may_end) pop();
      if (may_repeat && s.size() < kMaxDepth) {
        std::vector<int32_t> pushed(s);
        pushed.back() = advanced;
        pushed.push_back(g_.rule_start[g_.counters[c].item]);
        work_.push_back(std::move(pushed));
      }
      continue;
    }
    const Grammar::State& st = g_.states[static_cast<size_t>(top)];
    if (st.accept) pop();
    for (uint32_t i = 0; i < st.n_calls; ++i) {
      const Grammar::Call& call = g_.calls[st.first_call + i];
      const Grammar::State& ret = g_.states[static_cast<size_t>(call.next)];
      int32_t callee;
      if (call.rule >= n_rules_) {
        const uint32_t c = call.rule - n_rules_;
        const Grammar::Counter& ct = g_.counters[c];
        callee = clamped ? clamped_frame(c, clamp_distance(ct.min),
                                         ct.max == kUnbounded ? far_ : clamp_distance(ct.max))
                         : exact_frame(c, 0);
      } else {
        callee = g_.rule_start[call.rule];
      }
      std::vector<int32_t> pushed(s);
      if (ret.accept && !ret.has_bytes && ret.n_calls == 0) {
        // A tail call: returning would end this rule at once, so the frame is not kept (right
        // recursion runs in constant stack depth).
        pushed.back() = callee;
      } else {
        if (pushed.size() >= kMaxDepth) continue;
        pushed.back() = call.next;
        pushed.push_back(callee);
      }
      work_.push_back(std::move(pushed));
    }
    if (st.has_bytes && out_.size() < kMaxStacks) out_.push_back(std::move(s));
  }
}

int32_t Runtime::step(int32_t cfg, uint8_t byte) {
  out_.clear();
  out_accept_ = false;
  seen_.clear();
  const Cfg c = cfgs_[static_cast<size_t>(cfg)];
  for (uint32_t i = 0; i < c.len;) {
    const uint32_t n = static_cast<uint32_t>(pool_[c.off + i]);
    const int32_t* frames = &pool_[c.off + i + 1];
    const int32_t t = g_.next(frames[n - 1], byte);
    if (t >= 0) {
      std::vector<int32_t> s(frames, frames + n);
      s.back() = t;
      expand(std::move(s), c.clamped);
    }
    i += n + 1;
  }
  const int32_t result = out_.empty() && !out_accept_ ? kDead : intern_out(c.clamped);
  trans_[static_cast<size_t>(cfg) * K_ + g_.byte_class[byte]] = result;
  return result;
}

int32_t Runtime::clamped(int32_t cfg) {
  if (!clamping() || cfgs_[static_cast<size_t>(cfg)].clamped) return cfg;
  if (cfgs_[static_cast<size_t>(cfg)].clamped_id >= 0)
    return cfgs_[static_cast<size_t>(cfg)].clamped_id;
  std::vector<int32_t> stacks;
  copy_stacks(cfg, stacks);
  // Clamp every counter frame, then sort the stacks again (several may now be equal).
  out_.clear();
  for (size_t i = 0; i < stacks.size();) {
    const size_t n = static_cast<size_t>(stacks[i]);
    std::vector<int32_t> s(stacks.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                           stacks.begin() + static_cast<std::ptrdiff_t>(i + n) + 1);
    for (int32_t& f : s) {
      if (!is_counter(f)) continue;
      const uint32_t v = static_cast<uint32_t>(f - kExactBase);
      const uint32_t c = v >> 17;
      const int32_t k = static_cast<int32_t>(v & 0x1FFFF);
      const Grammar::Counter& ct = g_.counters[c];
      f = clamped_frame(c, clamp_distance(std::max(ct.min - k, 0)),
                        ct.max == kUnbounded ? far_ : clamp_distance(ct.max - k));
    }
    out_.push_back(std::move(s));
    i += n + 1;
  }
  std::sort(out_.begin(), out_.end());
  out_.erase(std::unique(out_.begin(), out_.end()), out_.end());
  out_accept_ = cfgs_[static_cast<size_t>(cfg)].accept;
  const int32_t id = intern_out(true);
  cfgs_[static_cast<size_t>(cfg)].clamped_id = id;
  return id;
}

bool Runtime::plain_loop(int32_t cfg) {
  if (cfgs_[static_cast<size_t>(cfg)].plain < 0) {
    // Most configurations fail on the first byte tried.
    bool loop = true;
    for (int b = 'a'; b <= 'a' + 94 && loop; ++b) {
      const uint8_t byte = static_cast<uint8_t>(b <= '~' ? b : b - 95);  // 'a'..'~', then ' '..'`'
      if (Vocabulary::is_plain(byte)) loop = next(cfg, byte) == cfg;
    }
    cfgs_[static_cast<size_t>(cfg)].plain = loop ? 1 : 0;
    if (!loop) hot_[static_cast<size_t>(cfg)] &= static_cast<uint8_t>(~kHotPlain);
  }
  return cfgs_[static_cast<size_t>(cfg)].plain == 1;
}

bool Runtime::utf8_returns(int32_t cfg, int pending, uint8_t lo, uint8_t hi, int32_t home) {
  // Bytes in one class step alike: one byte per class of the range is enough.
  uint32_t seen[8] = {};
  for (unsigned b = lo; b <= hi; ++b) {
    const uint8_t c = g_.byte_class[b];
    if ((seen[c >> 5] >> (c & 31)) & 1) continue;
    seen[c >> 5] |= 1u << (c & 31);
    const int32_t to = next(cfg, static_cast<uint8_t>(b));
    if (pending == 1) {
      if (to != home) return false;
    } else if (to < 0 || cfgs_[static_cast<size_t>(to)].accept ||
               !utf8_returns(to, pending - 1, 0x80, 0xBF, home)) {
      return false;
    }
  }
  return true;
}

bool Runtime::text_goes_to(int32_t cfg, int32_t home) {
  // UTF-8 leads and the range of their first continuation byte.
  static const struct {
    uint8_t lo, hi, pending, next_lo, next_hi;
  } kLeads[] = {{0xC2, 0xDF, 1, 0x80, 0xBF}, {0xE0, 0xE0, 2, 0xA0, 0xBF},
                {0xE1, 0xEC, 2, 0x80, 0xBF}, {0xED, 0xED, 2, 0x80, 0x9F},
                {0xEE, 0xEF, 2, 0x80, 0xBF}, {0xF0, 0xF0, 3, 0x90, 0xBF},
                {0xF1, 0xF3, 3, 0x80, 0xBF}, {0xF4, 0xF4, 3, 0x80, 0x8F}};
  // Plain bytes first, the most likely to fail; 'a' first of all.
  for (int b = 'a'; b <= 'a' + 94; ++b) {
    const uint8_t byte = static_cast<uint8_t>(b <= '~' ? b : b - 95);  // 'a'..'~', then ' '..'`'
    if (Vocabulary::is_plain(byte) && next(cfg, byte) != home) return false;
  }
  for (const auto& l : kLeads) {
    for (unsigned b = l.lo; b <= l.hi; ++b) {
      const int32_t to = next(cfg, static_cast<uint8_t>(b));
      if (to < 0 || cfgs_[static_cast<size_t>(to)].accept ||
          !utf8_returns(to, l.pending, l.next_lo, l.next_hi, home))
        return false;
    }
  }
  return true;
}

bool Runtime::text_loop(int32_t cfg) {
  if (cfgs_[static_cast<size_t>(cfg)].text < 0)
    cfgs_[static_cast<size_t>(cfg)].text = text_goes_to(cfg, cfg) ? 1 : 0;
  return cfgs_[static_cast<size_t>(cfg)].text == 1;
}

int Runtime::counted_reach(int32_t cfg, bool& exact) {
  exact = false;
  if (!cfgs_[static_cast<size_t>(cfg)].clamped) return 0;
  // The counters right below a stack's top (their item is being read) with their distance to
  // the maximum, and the same configuration with those counters unlimited: if that one takes
  // any text, one character being one item, this one takes as many as they allow.
  std::vector<int32_t> stacks;
  copy_stacks(cfg, stacks);
  int limit = 255;
  bool counted = false;
  for (size_t i = 0; i < stacks.size();) {
    const size_t n = static_cast<size_t>(stacks[i]);
    int32_t& f = stacks[i + n - 1];
    if (n >= 2 && f >= kClampedBase) {
      const uint32_t v = static_cast<uint32_t>(f - kClampedBase);
      limit = std::min(limit, static_cast<int>(v & 511));
      f = clamped_frame(v >> 18, 0, far_);
      counted = true;
    }
    i += n + 1;
  }
  if (!counted) return 0;
  out_.clear();
  for (size_t i = 0; i < stacks.size();) {
    const size_t n = static_cast<size_t>(stacks[i]);
    out_.emplace_back(stacks.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                      stacks.begin() + static_cast<std::ptrdiff_t>(i + n) + 1);
    i += n + 1;
  }
  std::sort(out_.begin(), out_.end());
  out_.erase(std::unique(out_.begin(), out_.end()), out_.end());
  out_accept_ = cfgs_[static_cast<size_t>(cfg)].accept;
  if (!text_loop(intern_out(true))) return 0;
  // Exact when the stacks not reading counted items take no text at all.
  exact = true;
  for (size_t i = 0; i < stacks.size() && exact;) {
    const size_t n = static_cast<size_t>(stacks[i]);
    if (n < 2 || stacks[i + n - 1] < kClampedBase) {
      for (unsigned b = 0x20; b <= 0xF4 && exact; ++b)
        if ((b < 0x7F && Vocabulary::is_plain(static_cast<uint8_t>(b))) || b >= 0xC2)
          exact = g_.next(stacks[i + n], static_cast<uint8_t>(b)) < 0;
    }
    i += n + 1;
  }
  // The item being read is one more than the counter's distance to its maximum (the counter
  // moves on when an item starts).
  return limit >= far_ ? 255 : limit + 1;
}

int Runtime::text_reach(int32_t cfg) {
  if (cfgs_[static_cast<size_t>(cfg)].reach < 0) {
    int reach = 0;
    bool exact = true;
    if (!text_loop(cfg)) {
      reach = counted_reach(cfg, exact);
      if (reach == 0) {
        // One character first, any character to the same configuration (the first item of a
        // counted string, before it joins the loop), then a reach of its own.
        const int32_t first = next(cfg, 'a');
        if (first >= 0 && first != cfg && !cfgs_[static_cast<size_t>(first)].accept &&
            text_goes_to(cfg, first)) {
          bool exact_first = true;
          const int after = text_loop(first) ? 255 : counted_reach(first, exact_first);
          if (after > 0) {
            reach = after == 255 ? 255 : after + 1;
            exact = exact_first;
          }
        }
      }
    }
    cfgs_[static_cast<size_t>(cfg)].reach = static_cast<int16_t>(reach);
    if (reach == 0) hot_[static_cast<size_t>(cfg)] &= static_cast<uint8_t>(~kHotText);
    cfgs_[static_cast<size_t>(cfg)].reach_exact = reach > 0 && (reach == 255 || exact);
  }
  return cfgs_[static_cast<size_t>(cfg)].reach;
}

void Runtime::walk(int32_t cfg, size_t begin, size_t end, uint32_t* bits,
                   std::vector<uint32_t>* resume) {
  if (begin >= end) return;
  const uint64_t* trie = vocab_.trie().data();
  const int32_t* order = vocab_.tokens_in_order().data();
  int32_t at[257];
  at[Vocabulary::node_depth(trie[begin]) - 1] = cfg;
  // From the root, the tokens that are text from their first byte are decided by their
  // character count alone when the configuration's text reach is a bound: subtrees of only such
  // tokens need no walk.
  bool root_text_done = false;
  if (begin == 0 && end == vocab_.trie().size() &&
      !(resume && cfgs_[static_cast<size_t>(cfg)].accept)) {
    const int reach = text_reach(cfg);
    if (reach > 0 && (reach == 255 || cfgs_[static_cast<size_t>(cfg)].reach_exact)) {
      vocab_.add_text_tokens(reach, bits);
      root_text_done = true;
    }
  }
  const int32_t* trans = trans_.data();
  const uint8_t* hot = hot_.data();
  const uint8_t* cls = g_.byte_class;
  const size_t K = K_;
  for (size_t i = begin; i < end;) {
    const uint64_t node = trie[i];
    const uint32_t depth = Vocabulary::node_depth(node);
    if (root_text_done && vocab_.only_text_tokens(i)) {
      i += Vocabulary::node_size(node);
      continue;
    }
    const int32_t from = at[depth - 1];
    // Text all the way down, no longer than the configuration takes: every token of the subtree
    // is allowed, without stepping its nodes. (Not where the walk collects resume nodes and
    // `from` is one: every node of the subtree would be.)
    const uint32_t maybe = static_cast<uint32_t>(node >> 40) & hot[from] & (kHotPlain | kHotText);
    if (maybe && !(resume && (hot[from] & kHotAccept))) {
      const bool loop =
          (maybe & kHotText) ? text_reach(from) >= vocab_.text_chars(i) : plain_loop(from);
      trans = trans_.data();  // the checks may have added configurations
      hot = hot_.data();
      if (loop) {
        const size_t next = i + Vocabulary::node_size(node);
        for (uint32_t k = vocab_.first_token(i), e = vocab_.first_token(next); k < e; ++k)
          bits[static_cast<uint32_t>(order[k]) >> 5] |= 1u << (order[k] & 31);
        i = next;
        continue;
      }
    }
    const uint8_t byte = Vocabulary::node_byte(node);
    int32_t to = trans[static_cast<size_t>(from) * K + cls[byte]];
    if (to == kUnknown) {
      to = step(from, byte);
      trans = trans_.data();
      hot = hot_.data();
    }
    if (to < 0) {
      i += Vocabulary::node_size(node);
      continue;
    }
    at[depth] = to;
    const uint32_t tok = Vocabulary::node_token(node);
    if (tok != Vocabulary::kNoToken) {
      bits[tok >> 5] |= 1u << (tok & 31);
      if (Vocabulary::node_shared(node))
        for (int32_t t = vocab_.same_bytes_next(static_cast<int32_t>(tok)); t >= 0;
             t = vocab_.same_bytes_next(t))
          bits[static_cast<size_t>(t) >> 5] |= 1u << (t & 31);
    }
    if (resume && (hot[to] & kHotAccept)) resume->push_back(static_cast<uint32_t>(i));
    ++i;
  }
}

const Runtime::Within& Runtime::within(const std::vector<int32_t>& suffix) {
  const std::string key = key_of(suffix);
  auto it = within_.find(key);
  if (it != within_.end()) return it->second;
  Within w;
  w.mask.assign(vocab_.mask_words(), 0);
  // The suffix alone as a stack, not expanded (its top consumes the next byte itself); leaving
  // its bottom frame shows as an accepting configuration.
  std::vector<int32_t> flat{static_cast<int32_t>(suffix.size())};
  flat.insert(flat.end(), suffix.begin(), suffix.end());
  const int32_t start = intern(flat, false, clamping());
  walk(start, 0, vocab_.trie().size(), w.mask.data(), &w.resume);
  mask_bytes_ += w.mask.size() * sizeof(uint32_t) + w.resume.size() * sizeof(uint32_t);
  return within_.emplace(key, std::move(w)).first->second;
}

const std::vector<uint32_t>& Runtime::mask(int32_t exact) {
  const int32_t cfg = clamped(exact);
  if (cfgs_[static_cast<size_t>(cfg)].mask >= 0)
    return masks_[static_cast<size_t>(cfgs_[static_cast<size_t>(cfg)].mask)];
  std::vector<uint32_t> bits(vocab_.mask_words(), 0);
  const std::vector<uint64_t>& trie = vocab_.trie();
  std::vector<int32_t> stacks;
  copy_stacks(cfg, stacks);
  // The union over the stacks of: what the stack's top part decides alone (the innermost rule,
  // with the counters it runs in and their caller), and from each node where that part may be
  // left, the rest of the subtree walked in the configuration below it.
  for (size_t i = 0; i < stacks.size();) {
    const size_t n = static_cast<size_t>(stacks[i]);
    const int32_t* frames = &stacks[i + 1];
    size_t lo = n - 1;
    while (lo >= 2 && is_counter(frames[lo - 1])) lo -= 2;
    const Within& w = within(std::vector<int32_t>(frames + lo, frames + n));
    for (size_t k = 0; k < bits.size(); ++k) bits[k] |= w.mask[k];
    if (!w.resume.empty() && lo > 0) {
      out_.clear();
      out_accept_ = false;
      seen_.clear();
      expand(std::vector<int32_t>(frames, frames + lo), clamping());
      const int32_t below = intern_out(clamping());
      for (uint32_t r : w.resume)
        walk(below, r + 1, r + Vocabulary::node_size(trie[r]), bits.data(), nullptr);
    }
    i += n + 1;
  }
  mask_bytes_ += bits.size() * sizeof(uint32_t);
  masks_.push_back(std::move(bits));
  cfgs_[static_cast<size_t>(cfg)].mask = static_cast<int32_t>(masks_.size() - 1);
  return masks_.back();
}

}  // namespace shoptalk::engine::constraint
