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
  item_tested_.assign(g_.counters.size(), 0);
  item_passed_.assign(g_.counters.size(), 0);
  class_buckets_.assign(K_, 0);
  for (unsigned b = 0; b < 256; ++b)
    class_buckets_[g_.byte_class[b]] |= uint64_t{1}
                                        << Vocabulary::char_bucket(static_cast<uint8_t>(b));
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

int32_t Runtime::intern(const std::vector<int32_t>& stacks, bool accept, bool clamped, bool open) {
  std::string key = key_of(stacks);
  key.push_back(static_cast<char>((accept ? 1 : 0) | (clamped ? 2 : 0) | (open ? 4 : 0)));
  auto it = index_.find(key);
  if (it != index_.end()) return it->second;
  Cfg c;
  c.off = static_cast<uint32_t>(pool_.size());
  c.len = static_cast<uint32_t>(stacks.size());
  c.accept = accept;
  c.clamped = clamped;
  c.open = open;
  pool_.insert(pool_.end(), stacks.begin(), stacks.end());
  const int32_t id = static_cast<int32_t>(cfgs_.size());
  cfgs_.push_back(c);
  hot_.push_back(static_cast<uint8_t>(kHotClass | (accept ? kHotAccept : 0)));
  trans_.resize(trans_.size() + K_, kUnknown);
  index_.emplace(std::move(key), id);
  return id;
}

int32_t Runtime::intern_out(bool clamped, bool open) {
  std::sort(out_.begin(), out_.end());
  out_.erase(std::unique(out_.begin(), out_.end()), out_.end());
  std::vector<int32_t> flat;
  for (const std::vector<int32_t>& s : out_) {
    flat.push_back(static_cast<int32_t>(s.size()));
    flat.insert(flat.end(), s.begin(), s.end());
  }
  return intern(flat, out_accept_, clamped, open);
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
  const int32_t result = out_.empty() && !out_accept_ ? kDead : intern_out(c.clamped, c.open);
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

namespace {

// The first bytes of the characters of each bucket.
struct BucketBytes {
  std::vector<uint8_t> of[64];
  BucketBytes() {
    for (unsigned b = 0; b < 256; ++b)
      of[Vocabulary::char_bucket(static_cast<uint8_t>(b))].push_back(static_cast<uint8_t>(b));
  }
};
// Built on first use: the buckets are another file's table.
const BucketBytes& bucket_bytes() {
  static const BucketBytes table;
  return table;
}

// A UTF-8 lead byte: continuation bytes due and the range of the first one (0 pending: ASCII or
// not a lead).
struct Lead {
  int pending;
  uint8_t lo, hi;
};
Lead lead_of(uint8_t b) {
  if (b >= 0xC2 && b <= 0xDF) return {1, 0x80, 0xBF};
  if (b >= 0xE0 && b <= 0xEF)
    return {2, static_cast<uint8_t>(b == 0xE0 ? 0xA0 : 0x80),
            static_cast<uint8_t>(b == 0xED ? 0x9F : 0xBF)};
  if (b >= 0xF0 && b <= 0xF4)
    return {3, static_cast<uint8_t>(b == 0xF0 ? 0x90 : 0x80),
            static_cast<uint8_t>(b == 0xF4 ? 0x8F : 0xBF)};
  return {0, 0, 0};
}

constexpr int kInvalidBucket = 63;

}  // namespace

bool Runtime::utf8_returns(int32_t cfg, int pending, uint8_t lo, uint8_t hi, int32_t home) {
  // Bytes in one class step alike: one byte per class of the range is enough.
  uint32_t seen[8] = {};
  for (unsigned b = lo; b <= hi; ++b) {
    const uint8_t c = g_.byte_class[b];
    if ((seen[c >> 5] >> (c & 31)) & 1) continue;
    seen[c >> 5] |= 1u << (c & 31);
    const int32_t to = next(cfg, static_cast<uint8_t>(b));
    if (pending == 1 ? to != home : to < 0 || !utf8_returns(to, pending - 1, 0x80, 0xBF, home))
      return false;
  }
  return true;
}

bool Runtime::chars_lead(int32_t cfg, int bucket, int32_t home) {
  if (bucket == kInvalidBucket) return false;
  uint32_t seen[8] = {};
  for (uint8_t b : bucket_bytes().of[bucket]) {
    const Lead l = lead_of(b);
    if (l.pending == 0) {
      // ASCII: bytes in one class step alike.
      const uint8_t c = g_.byte_class[b];
      if ((seen[c >> 5] >> (c & 31)) & 1) continue;
      seen[c >> 5] |= 1u << (c & 31);
      if (next(cfg, b) != home) return false;
    } else {
      const int32_t to = next(cfg, b);
      if (to < 0 || !utf8_returns(to, l.pending, l.lo, l.hi, home)) return false;
    }
  }
  return true;
}

bool Runtime::item_ends(int32_t state, int pending, uint8_t lo, uint8_t hi) const {
  uint32_t seen[8] = {};
  for (unsigned b = lo; b <= hi; ++b) {
    const uint8_t c = g_.byte_class[b];
    if ((seen[c >> 5] >> (c & 31)) & 1) continue;
    seen[c >> 5] |= 1u << (c & 31);
    const int32_t to = g_.next(state, static_cast<uint8_t>(b));
    if (to < 0) return false;
    const Grammar::State& st = g_.states[static_cast<size_t>(to)];
    if (pending == 1 ? !st.accept || st.has_bytes : !item_ends(to, pending - 1, 0x80, 0xBF))
      return false;
  }
  return true;
}

bool Runtime::item_reads(uint32_t counter, int bucket) {
  const uint64_t bit = uint64_t{1} << bucket;
  if (!(item_tested_[counter] & bit)) {
    bool ok = bucket != kInvalidBucket;
    const int32_t start = g_.rule_start[g_.counters[counter].item];
    for (size_t i = 0; ok && i < bucket_bytes().of[bucket].size(); ++i) {
      const uint8_t b = bucket_bytes().of[bucket][i];
      const Lead l = lead_of(b);
      if (l.pending == 0) {
        const int32_t to = g_.next(start, b);
        ok = to >= 0 && g_.states[static_cast<size_t>(to)].accept &&
             !g_.states[static_cast<size_t>(to)].has_bytes;
      } else {
        const int32_t to = g_.next(start, b);
        ok = to >= 0 && item_ends(to, l.pending, l.lo, l.hi);
      }
    }
    item_tested_[counter] |= bit;
    if (ok) item_passed_[counter] |= bit;
  }
  return item_passed_[counter] & bit;
}

void Runtime::counted_stacks(int32_t cfg, std::vector<size_t>& out) const {
  out.clear();
  const Cfg& c = cfgs_[static_cast<size_t>(cfg)];
  if (!c.clamped) return;
  for (uint32_t i = 0; i < c.len;) {
    const uint32_t n = static_cast<uint32_t>(pool_[c.off + i]);
    const int32_t* frames = &pool_[c.off + i + 1];
    if (n >= 2 && frames[n - 2] >= kClampedBase) {
      const uint32_t counter = static_cast<uint32_t>(frames[n - 2] - kClampedBase) >> 18;
      if (frames[n - 1] == g_.rule_start[g_.counters[counter].item]) out.push_back(i);
    }
    i += n + 1;
  }
}

void Runtime::class_of(int32_t cfg) {
  if (cfgs_[static_cast<size_t>(cfg)].reads != Reads::kUnknown) return;
  Reads reads = Reads::kNothing;
  int reach = 0;
  int32_t first = -1;
  std::vector<size_t> counted;
  counted_stacks(cfg, counted);
  if (!counted.empty()) {
    // Each counted stack takes the items its counter still allows: the one being read and
    // to_max more.
    reads = Reads::kCounted;
    reach = 255;
    const Cfg& c = cfgs_[static_cast<size_t>(cfg)];
    for (size_t i : counted) {
      const uint32_t n = static_cast<uint32_t>(pool_[c.off + i]);
      const int32_t to_max = (pool_[c.off + i + n - 1] - kClampedBase) & 511;
      if (to_max < far_) reach = std::min(reach, to_max + 1);
    }
  } else {
    // A representative character: where it leads tells a loop from a first character.
    int32_t to = -1;
    for (uint8_t b : {'a', 'A', '0', ' '})
      if ((to = next(cfg, b)) >= 0) break;
    if (to == cfg) {
      reads = Reads::kLoop;
      reach = 255;
    } else if (to >= 0) {
      // One level only: the configuration after it must loop or count.
      std::vector<size_t> after;
      counted_stacks(to, after);
      bool loops = false;
      if (after.empty())
        for (uint8_t b : {'a', 'A', '0', ' '})
          if (const int32_t t = next(to, b); t >= 0) {
            loops = t == to;
            break;
          }
      if (!after.empty() || loops) {
        class_of(to);
        const int after_reach = cfgs_[static_cast<size_t>(to)].reach;
        if (after_reach > 0) {
          reads = Reads::kFirst;
          first = to;
          reach = std::min(255, after_reach + 1);
        }
      }
    }
  }
  Cfg& c = cfgs_[static_cast<size_t>(cfg)];
  c.reads = reach > 0 ? reads : Reads::kNothing;
  c.reach = static_cast<int16_t>(reach);
  c.first = first;
  if (reach == 0) hot_[static_cast<size_t>(cfg)] &= static_cast<uint8_t>(~kHotClass);
}

bool Runtime::reads_bucket(int32_t cfg, int bucket) {
  class_of(cfg);
  const uint64_t bit = uint64_t{1} << bucket;
  if (cfgs_[static_cast<size_t>(cfg)].tested & bit)
    return cfgs_[static_cast<size_t>(cfg)].passed & bit;
  bool ok = false;
  switch (cfgs_[static_cast<size_t>(cfg)].reads) {
    case Reads::kLoop:
      ok = chars_lead(cfg, bucket, cfg);
      break;
    case Reads::kCounted: {
      std::vector<size_t> counted;
      counted_stacks(cfg, counted);
      ok = true;
      for (size_t i = 0; ok && i < counted.size(); ++i) {
        const Cfg& c = cfgs_[static_cast<size_t>(cfg)];
        const uint32_t n = static_cast<uint32_t>(pool_[c.off + counted[i]]);
        ok = item_reads(
            static_cast<uint32_t>(pool_[c.off + counted[i] + n - 1] - kClampedBase) >> 18, bucket);
      }
      break;
    }
    case Reads::kFirst: {
      const int32_t first = cfgs_[static_cast<size_t>(cfg)].first;
      ok = chars_lead(cfg, bucket, first) && reads_bucket(first, bucket);
      break;
    }
    default:
      break;
  }
  Cfg& c = cfgs_[static_cast<size_t>(cfg)];
  c.tested |= bit;
  if (ok) c.passed |= bit;
  return ok;
}

bool Runtime::reads_all(int32_t cfg, uint64_t buckets) {
  for (uint64_t todo = buckets & ~cfgs_[static_cast<size_t>(cfg)].tested; todo; todo &= todo - 1)
    if (!reads_bucket(cfg, __builtin_ctzll(todo))) return false;
  return (buckets & ~cfgs_[static_cast<size_t>(cfg)].passed) == 0;
}

bool Runtime::decide(int32_t cfg, size_t node, uint32_t* bits) {
  if (!reads_all(cfg, vocab_.char_buckets(node))) return false;
  const int reach = cfgs_[static_cast<size_t>(cfg)].reach;
  const uint32_t begin = vocab_.first_token(node),
                 end = vocab_.first_token(node + Vocabulary::node_size(vocab_.trie()[node]));
  const int32_t* order = vocab_.tokens_in_order().data();
  if (reach >= vocab_.text_chars(node)) {
    for (uint32_t k = begin; k < end; ++k)
      bits[static_cast<uint32_t>(order[k]) >> 5] |= 1u << (order[k] & 31);
    return true;
  }
  if (!exact_for(cfg, vocab_.char_buckets(node))) return false;
  // The tokens' characters from the root, less those above the node (it starts a character).
  const int limit = reach + vocab_.chars_to(node) - 1;
  const uint8_t* chars = vocab_.chars_in_order().data();
  for (uint32_t k = begin; k < end; ++k)
    if (chars[k] <= limit) bits[static_cast<uint32_t>(order[k]) >> 5] |= 1u << (order[k] & 31);
  return true;
}

uint64_t Runtime::state_buckets(int32_t state) const {
  uint64_t buckets = 0;
  for (uint32_t k = 0; k < K_; ++k)
    if (g_.trans[static_cast<size_t>(state) * K_ + k] >= 0) buckets |= class_buckets_[k];
  return buckets;
}

bool Runtime::exact_for(int32_t cfg, uint64_t buckets) {
  class_of(cfg);
  if (cfgs_[static_cast<size_t>(cfg)].exact < 0) {
    // Leaving the walk's rule (an open configuration that accepts) continues in a context that
    // might read anything; ending the input reads nothing more.
    const bool open = cfgs_[static_cast<size_t>(cfg)].open;
    bool exact = !(open && cfgs_[static_cast<size_t>(cfg)].accept);
    uint64_t rest = 0;
    switch (cfgs_[static_cast<size_t>(cfg)].reads) {
      case Reads::kLoop:
        break;
      case Reads::kFirst: {
        const int32_t first = cfgs_[static_cast<size_t>(cfg)].first;
        exact_for(first, 0);
        exact = exact && cfgs_[static_cast<size_t>(first)].exact == 1;
        rest = cfgs_[static_cast<size_t>(first)].rest;
        break;
      }
      case Reads::kCounted: {
        // Characters stop where the counters do: every counted stack allows as many items; the
        // characters the other stacks read, and those that may follow once a counter is done,
        // are the rest.
        std::vector<size_t> counted;
        counted_stacks(cfg, counted);
        std::vector<int32_t> stacks;
        copy_stacks(cfg, stacks);
        int limit = -1;
        for (size_t i = 0; i < stacks.size() && exact;) {
          const size_t n = static_cast<size_t>(stacks[i]);
          const int32_t* frames = &stacks[i + 1];
          if (std::find(counted.begin(), counted.end(), i) == counted.end()) {
            exact = !is_counter(frames[n - 1]);
            if (exact) rest |= state_buckets(frames[n - 1]);
          } else {
            const uint32_t v = static_cast<uint32_t>(frames[n - 2] - kClampedBase);
            const int to_max = static_cast<int>(v & 511);
            exact = limit < 0 || limit == to_max;
            limit = to_max;
            std::vector<int32_t> done(frames, frames + n - 1);
            done.back() = clamped_frame(v >> 18, 0, 0);
            out_.clear();
            out_accept_ = false;
            seen_.clear();
            expand(std::move(done), true);
            exact = exact && !(open && out_accept_);
            for (const std::vector<int32_t>& s : out_) rest |= state_buckets(s.back());
          }
          i += n + 1;
        }
        break;
      }
      default:
        exact = false;
        break;
    }
    cfgs_[static_cast<size_t>(cfg)].exact = exact ? 1 : 0;
    cfgs_[static_cast<size_t>(cfg)].rest = rest;
  }
  const Cfg& c = cfgs_[static_cast<size_t>(cfg)];
  return c.exact == 1 && !(buckets & c.rest);
}

uint64_t Runtime::next_buckets(int32_t cfg) {
  Cfg& c = cfgs_[static_cast<size_t>(cfg)];
  if (!c.next_known) {
    uint64_t buckets = 0;
    for (uint32_t i = 0; i < c.len;) {
      const uint32_t n = static_cast<uint32_t>(pool_[c.off + i]);
      const int32_t top = pool_[c.off + i + n];
      buckets |= is_counter(top) ? ~uint64_t{0} : state_buckets(top);
      i += n + 1;
    }
    c.next_buckets = buckets;
    c.next_known = true;
  }
  return c.next_buckets;
}

void Runtime::walk(int32_t cfg, size_t begin, size_t end, uint32_t* bits,
                   std::vector<uint32_t>* resume) {
  if (begin >= end) return;
  const uint64_t* trie = vocab_.trie().data();
  int32_t at[257];
  at[Vocabulary::node_depth(trie[begin]) - 1] = cfg;
  // From the root, the tokens that are text from their first byte are decided by their
  // character count alone when text longer than the configuration's reach is invalid: subtrees
  // of only such tokens need no walk.
  bool root_text_done = false;
  if (begin == 0 && end == vocab_.trie().size()) {
    class_of(cfg);
    const int reach = cfgs_[static_cast<size_t>(cfg)].reach;
    if (reach > 0 && reads_all(cfg, Vocabulary::text_buckets()) &&
        (reach == 255 || exact_for(cfg, Vocabulary::text_buckets()))) {
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
    // Characters the configuration takes: the subtree's tokens are decided by their count,
    // without stepping its nodes.
    if ((node & Vocabulary::kNodeUtf8) && (hot[from] & kHotClass)) {
      class_of(from);
      const Cfg& f = cfgs_[static_cast<size_t>(from)];
      // Too many characters for the reach and no count decides them: a walk, without asking.
      const bool decided =
          f.reach > 0 && (f.reach >= vocab_.text_chars(i) || f.exact != 0) && decide(from, i, bits);
      trans = trans_.data();  // the checks may have added configurations
      hot = hot_.data();
      if (decided) {
        i += Vocabulary::node_size(node);
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

const Runtime::Within& Runtime::within(const std::vector<int32_t>& suffix, bool open) {
  std::string key = key_of(suffix);
  key.push_back(open ? 1 : 0);
  auto it = within_.find(key);
  if (it != within_.end()) return it->second;
  Within w;
  w.mask.assign(vocab_.mask_words(), 0);
  // The suffix alone as a stack, not expanded (its top consumes the next byte itself); leaving
  // its bottom frame shows as an accepting configuration.
  std::vector<int32_t> flat{static_cast<int32_t>(suffix.size())};
  flat.insert(flat.end(), suffix.begin(), suffix.end());
  const int32_t start = intern(flat, false, clamping(), open);
  walk(start, 0, vocab_.trie().size(), w.mask.data(), &w.resume);
  mask_bytes_ += w.mask.size() * sizeof(uint32_t) + w.resume.size() * sizeof(uint32_t);
  return within_.emplace(key, std::move(w)).first->second;
}

const Runtime::Mask& Runtime::mask(int32_t exact) {
  const int32_t cfg = clamped(exact);
  if (cfgs_[static_cast<size_t>(cfg)].mask >= 0)
    return masks_[static_cast<size_t>(cfgs_[static_cast<size_t>(cfg)].mask)];
  std::vector<uint32_t> bits(vocab_.mask_words(), 0);
  const std::vector<uint64_t>& trie = vocab_.trie();
  std::vector<int32_t> stacks;
  copy_stacks(cfg, stacks);
  // The union over the stacks of: what the stack's top part decides alone (the innermost rule,
  // with the counters it runs in and their caller), and from each node where that part may be
  // left, the rest of the subtree walked in the configuration below it. Stacks with the same top
  // part share its mask and walk their parts below together.
  std::vector<std::pair<std::vector<int32_t>, std::vector<std::vector<int32_t>>>> groups;
  for (size_t i = 0; i < stacks.size();) {
    const size_t n = static_cast<size_t>(stacks[i]);
    const int32_t* frames = &stacks[i + 1];
    size_t lo = n - 1;
    while (lo >= 2 && is_counter(frames[lo - 1])) lo -= 2;
    std::vector<int32_t> top(frames + lo, frames + n);
    auto g =
        std::find_if(groups.begin(), groups.end(), [&](const auto& x) { return x.first == top; });
    if (g == groups.end()) g = groups.insert(groups.end(), {std::move(top), {}});
    if (lo > 0) g->second.emplace_back(frames, frames + lo);
    i += n + 1;
  }
  for (const auto& [top, belows] : groups) {
    const Within& w = within(top, !belows.empty());
    for (size_t k = 0; k < bits.size(); ++k) bits[k] |= w.mask[k];
    if (w.resume.empty() || belows.empty()) continue;
    // The walk below resumes only under nodes whose subtree holds a character it may read.
    auto resume_below = [&] {
      const int32_t below = intern_out(clamping());
      const uint64_t wanted = next_buckets(below);
      for (uint32_t r : w.resume) {
        const uint64_t node = trie[r];
        if (Vocabulary::node_char_end(node) && !(vocab_.char_buckets(r) & wanted)) continue;
        walk(below, r + 1, r + Vocabulary::node_size(node), bits.data(), nullptr);
      }
    };
    out_.clear();
    out_accept_ = false;
    seen_.clear();
    for (const std::vector<int32_t>& b : belows) {
      if (out_.size() >= kMaxStacks / 2) {
        resume_below();
        out_.clear();
        out_accept_ = false;
        seen_.clear();
      }
      expand(b, clamping());
    }
    if (!out_.empty() || out_accept_) resume_below();
  }
  mask_bytes_ += bits.size() * sizeof(uint32_t);
  masks_.push_back(std::make_shared<const std::vector<uint32_t>>(std::move(bits)));
  cfgs_[static_cast<size_t>(cfg)].mask = static_cast<int32_t>(masks_.size() - 1);
  return masks_.back();
}

}  // namespace shoptalk::engine::constraint
