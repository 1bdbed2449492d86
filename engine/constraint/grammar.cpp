#include "engine/constraint/grammar.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <utility>

#include "formats/try.h"

namespace shoptalk::engine::constraint {

// ---------------------------------------------------------------------------------------------
// Builder

ExprId GrammarBuilder::push(Node n) {
  if (nodes_.size() >= limits_.max_expr_nodes) {
    overflow_ = true;
    // Every id must stay valid: reuse node 0 (the arena always starts with `nothing`).
    if (!nodes_.empty()) return 0;
  }
  nodes_.push_back(n);
  return static_cast<ExprId>(nodes_.size() - 1);
}

uint32_t GrammarBuilder::intern_set(const ByteSet& s) {
  for (size_t i = 0; i < sets_.size(); ++i)
    if (sets_[i] == s) return static_cast<uint32_t>(i);
  sets_.push_back(s);
  return static_cast<uint32_t>(sets_.size() - 1);
}

ExprId GrammarBuilder::nothing() {
  return push({Op::kNothing, false});
}
ExprId GrammarBuilder::empty() {
  return push({Op::kEmpty, false});
}

ExprId GrammarBuilder::bytes(const ByteSet& set) {
  if (set.empty()) return nothing();
  Node n{Op::kBytes, false};
  n.a = intern_set(set);
  return push(n);
}

ExprId GrammarBuilder::byte(uint8_t b) {
  ByteSet s;
  s.set(b);
  return bytes(s);
}

ExprId GrammarBuilder::literal(std::string_view text) {
  std::vector<ExprId> items;
  items.reserve(text.size());
  for (char c : text) items.push_back(byte(static_cast<uint8_t>(c)));
  return seq(items);
}

ExprId GrammarBuilder::list(Op op, const std::vector<ExprId>& items) {
  Node n{op, false};
  n.a = static_cast<uint32_t>(children_.size());
  n.b = static_cast<uint32_t>(items.size());
  for (ExprId e : items) {
    children_.push_back(e);
    n.calls = n.calls || nodes_[e].calls;
  }
  return push(n);
}

ExprId GrammarBuilder::seq(const std::vector<ExprId>& items) {
  if (items.empty()) return empty();
  return items.size() == 1 ? items[0] : list(Op::kSeq, items);
}

ExprId GrammarBuilder::alt(const std::vector<ExprId>& items) {
  if (items.empty()) return nothing();
  return items.size() == 1 ? items[0] : list(Op::kAlt, items);
}

ExprId GrammarBuilder::repeat(ExprId item, int32_t min, int32_t max) {
  if (min < 0) min = 0;
  if (max != kUnbounded && max < min) return nothing();
  if (max == 0) return empty();
  if (min == 1 && max == 1) return item;
  Node n{Op::kRepeat, nodes_[item].calls};
  n.a = item;
  n.min = min;
  n.max = max;
  return push(n);
}

ExprId GrammarBuilder::intersect(ExprId a, ExprId b) {
  Node n{Op::kAnd, nodes_[a].calls || nodes_[b].calls};
  n.a = a;
  n.b = b;
  return push(n);
}

ExprId GrammarBuilder::minus(ExprId a, ExprId b) {
  Node n{Op::kMinus, nodes_[a].calls || nodes_[b].calls};
  n.a = a;
  n.b = b;
  return push(n);
}

ExprId GrammarBuilder::call(RuleId rule) {
  Node n{Op::kCall, true};
  n.b = rule;
  return push(n);
}

RuleId GrammarBuilder::add_rule(std::string name) {
  if (rules_.size() >= limits_.max_rules) {
    overflow_ = true;
    return 0;
  }
  rules_.push_back({std::move(name), 0, false});
  return static_cast<RuleId>(rules_.size() - 1);
}

void GrammarBuilder::define(RuleId rule, ExprId body) {
  rules_[rule].body = body;
  rules_[rule].defined = true;
}

// ---------------------------------------------------------------------------------------------
// Compiler

namespace {

// A set of byte classes (at most 256 classes).
using ClassSet = ByteSet;

struct NfaState {
  int32_t eps[2] = {-1, -1};
  int32_t target = -1;  // byte edge
  uint32_t label = 0;   // index of the ClassSet of the byte edge
  int32_t call_rule = -1;
  int32_t call_next = -1;
};

// A deterministic automaton over classes (with call edges), before global numbering.
struct Dfa {
  struct St {
    bool accept = false;
    std::vector<std::pair<uint32_t, int32_t>> calls;  // (rule, next)
  };
  std::vector<St> states;
  std::vector<int32_t> trans;  // states.size() * K
};

// Marks a call of a counter in NFA and DFA call edges until the rule count is known.
constexpr uint32_t kCounterCall = 1u << 30;

size_t saturating_mul(size_t a, size_t b) {
  if (a != 0 && b > SIZE_MAX / 4 / a) return SIZE_MAX / 4;
  return a * b;
}

}  // namespace

class GrammarCompiler {
 public:
  GrammarCompiler(const GrammarBuilder& b, std::string_view what) : b_(b), what_(what) {}

  Result<Grammar> run();

 private:
  Error error(const std::string& msg) const {
    return Error(ErrorCode::kInvalidArgument, std::string(what_) + ": " + msg);
  }
  void make_classes();
  size_t estimate(ExprId e);
  // The length of the shortest string the expression matches (calls count as 0).
  int32_t min_len(ExprId e);
  // Whether a repetition runs with a counter instead of being unrolled.
  bool counted(const GrammarBuilder::Node& n);
  // Builds the fragment for `e`; returns (entry, exit) states.
  Status build(ExprId e, int32_t& in, int32_t& out);
  int32_t new_state();
  uint32_t intern_label(const ClassSet& cs);
  // Epsilon closure of `set`, keeping the states with a byte or call edge and `final`.
  void closure(std::vector<int32_t>& set, int32_t final);
  // Determinizes the fragment (in, out) of the current NFA.
  Status determinize(int32_t in, int32_t out, Dfa& dfa);
  Status product(const Dfa& a, const Dfa& b, bool minus, int32_t& in, int32_t& out);
  Status analyse(Grammar& g);

  const GrammarBuilder& b_;
  std::string_view what_;
  uint32_t K_ = 0;
  uint8_t cls_[256] = {};
  std::vector<ClassSet> set_classes_;  // builder byte set -> class set
  std::vector<ClassSet> labels_;
  std::unordered_map<std::string, uint32_t> label_index_;
  std::vector<NfaState> nfa_;
  std::vector<size_t> estimates_;
  size_t nfa_total_ = 0;
  size_t dfa_total_ = 0;
  std::vector<uint32_t> mark_;
  std::vector<int32_t> stack_;
  uint32_t stamp_ = 0;
  // Rules to compile: the builder's, then one per repeated item that runs with a counter.
  std::vector<ExprId> bodies_;
  std::vector<std::string> names_;
  std::unordered_map<ExprId, uint32_t> item_rules_;
  std::vector<Grammar::Counter> counters_;
  std::vector<int32_t> min_lens_;
  int regular_depth_ = 0;  // > 0 while building an operand of an intersection or difference
};

void GrammarCompiler::make_classes() {
  // Refine the partition of the 256 bytes by every set the grammar uses.
  std::vector<uint32_t> cls(256, 0);
  uint32_t n = 1;
  for (const ByteSet& s : b_.sets_) {
    std::vector<int32_t> split(n * 2, -1);
    uint32_t m = 0;
    for (int byte = 0; byte < 256; ++byte) {
      const uint32_t key =
          cls[static_cast<size_t>(byte)] * 2 + (s.has(static_cast<uint8_t>(byte)) ? 1 : 0);
      if (split[key] < 0) split[key] = static_cast<int32_t>(m++);
      cls[static_cast<size_t>(byte)] = static_cast<uint32_t>(split[key]);
    }
    n = m;
  }
  K_ = n;
  for (int byte = 0; byte < 256; ++byte)
    cls_[byte] = static_cast<uint8_t>(cls[static_cast<size_t>(byte)]);
  set_classes_.resize(b_.sets_.size());
  for (size_t i = 0; i < b_.sets_.size(); ++i)
    for (int byte = 0; byte < 256; ++byte)
      if (b_.sets_[i].has(static_cast<uint8_t>(byte))) set_classes_[i].set(cls_[byte]);
}

// An upper bound of the NFA states an expression builds (saturating).
size_t GrammarCompiler::estimate(ExprId e) {
  if (estimates_[e] != 0) return estimates_[e];
  const GrammarBuilder::Node& n = b_.nodes_[e];
  size_t s = 2;
  switch (n.op) {
    case GrammarBuilder::Op::kEmpty:
    case GrammarBuilder::Op::kNothing:
    case GrammarBuilder::Op::kBytes:
    case GrammarBuilder::Op::kCall:
      s = 2;
      break;
    case GrammarBuilder::Op::kSeq:
    case GrammarBuilder::Op::kAlt:
      for (uint32_t i = 0; i < n.b; ++i) s += estimate(b_.children_[n.a + i]) + 2;
      break;
    case GrammarBuilder::Op::kRepeat: {
      if (counted(n)) {
        s = estimate(n.a) + 4;
        break;
      }
      const size_t copies = static_cast<size_t>(n.max == kUnbounded ? std::max(n.min, 1) : n.max);
      s = saturating_mul(estimate(n.a) + 3, copies) + 2;
      break;
    }
    case GrammarBuilder::Op::kAnd:
    case GrammarBuilder::Op::kMinus:
      // The operands; the product is bounded by the deterministic state limit as it is built.
      s = estimate(n.a) + estimate(n.b) + 2;
      break;
  }
  s = std::min(s, SIZE_MAX / 4);
  estimates_[e] = s;
  return s;
}

int32_t GrammarCompiler::min_len(ExprId e) {
  if (min_lens_[e] >= 0) return min_lens_[e];
  const GrammarBuilder::Node& n = b_.nodes_[e];
  int64_t len = 0;
  switch (n.op) {
    case GrammarBuilder::Op::kEmpty:
    case GrammarBuilder::Op::kCall:
      len = 0;
      break;
    case GrammarBuilder::Op::kNothing:
    case GrammarBuilder::Op::kBytes:
      len = 1;  // nothing: any bound is right, it matches no string
      break;
    case GrammarBuilder::Op::kSeq:
      for (uint32_t i = 0; i < n.b; ++i) len += min_len(b_.children_[n.a + i]);
      break;
    case GrammarBuilder::Op::kAlt:
      len = INT32_MAX;
      for (uint32_t i = 0; i < n.b; ++i)
        len = std::min<int64_t>(len, min_len(b_.children_[n.a + i]));
      break;
    case GrammarBuilder::Op::kRepeat:
      len = static_cast<int64_t>(min_len(n.a)) * n.min;
      break;
    case GrammarBuilder::Op::kAnd:
      len = std::max(min_len(n.a), min_len(n.b));
      break;
    case GrammarBuilder::Op::kMinus:
      len = min_len(n.a);
      break;
  }
  min_lens_[e] = static_cast<int32_t>(std::min<int64_t>(len, INT32_MAX));
  return min_lens_[e];
}

bool GrammarCompiler::counted(const GrammarBuilder::Node& n) {
  if (n.op != GrammarBuilder::Op::kRepeat || n.calls || regular_depth_ > 0 || !b_.limits_.counters)
    return false;
  const int32_t top = n.max == kUnbounded ? n.min : n.max;
  return top > kCounterThreshold && min_len(n.a) >= 1;
}

int32_t GrammarCompiler::new_state() {
  nfa_.emplace_back();
  ++nfa_total_;
  return static_cast<int32_t>(nfa_.size() - 1);
}

uint32_t GrammarCompiler::intern_label(const ClassSet& cs) {
  std::string key(reinterpret_cast<const char*>(cs.w), sizeof(cs.w));
  auto it = label_index_.find(key);
  if (it != label_index_.end()) return it->second;
  labels_.push_back(cs);
  const uint32_t id = static_cast<uint32_t>(labels_.size() - 1);
  label_index_.emplace(std::move(key), id);
  return id;
}

Status GrammarCompiler::build(ExprId e, int32_t& in, int32_t& out) {
  if (nfa_total_ > b_.limits_.max_nfa_states) return error("the grammar is too large");
  const GrammarBuilder::Node& n = b_.nodes_[e];
  switch (n.op) {
    case GrammarBuilder::Op::kEmpty:
      in = new_state();
      out = new_state();
      nfa_[static_cast<size_t>(in)].eps[0] = out;
      return {};
    case GrammarBuilder::Op::kNothing:
      in = new_state();
      out = new_state();
      return {};
    case GrammarBuilder::Op::kBytes: {
      in = new_state();
      out = new_state();
      const uint32_t label = intern_label(set_classes_[n.a]);
      nfa_[static_cast<size_t>(in)].target = out;
      nfa_[static_cast<size_t>(in)].label = label;
      return {};
    }
    case GrammarBuilder::Op::kCall:
      in = new_state();
      out = new_state();
      nfa_[static_cast<size_t>(in)].call_rule = static_cast<int32_t>(n.b);
      nfa_[static_cast<size_t>(in)].call_next = out;
      return {};
    case GrammarBuilder::Op::kSeq: {
      int32_t first_in = -1, prev_out = -1;
      for (uint32_t i = 0; i < n.b; ++i) {
        int32_t ci, co;
        ST_TRY(build(b_.children_[n.a + i], ci, co));
        if (prev_out < 0) {
          first_in = ci;
        } else {
          nfa_[static_cast<size_t>(prev_out)].eps[0] = ci;
        }
        prev_out = co;
      }
      in = first_in;
      out = prev_out;
      return {};
    }
    case GrammarBuilder::Op::kAlt: {
      out = new_state();
      // A chain of two-way splits.
      int32_t split = new_state();
      in = split;
      for (uint32_t i = 0; i < n.b; ++i) {
        int32_t ci, co;
        ST_TRY(build(b_.children_[n.a + i], ci, co));
        nfa_[static_cast<size_t>(co)].eps[0] = out;
        nfa_[static_cast<size_t>(split)].eps[0] = ci;
        if (i + 1 < n.b) {
          const int32_t next = new_state();
          nfa_[static_cast<size_t>(split)].eps[1] = next;
          split = next;
        }
      }
      return {};
    }
    case GrammarBuilder::Op::kRepeat: {
      if (counted(n)) {
        auto [it, fresh] = item_rules_.emplace(n.a, static_cast<uint32_t>(bodies_.size()));
        if (fresh) {
          bodies_.push_back(n.a);
          names_.push_back("item" + std::to_string(item_rules_.size()));
        }
        if (counters_.size() >= b_.limits_.max_counters)
          return error("too many counted repetitions");
        counters_.push_back({it->second, n.min, n.max});
        in = new_state();
        out = new_state();
        nfa_[static_cast<size_t>(in)].call_rule =
            static_cast<int32_t>(kCounterCall | (counters_.size() - 1));
        nfa_[static_cast<size_t>(in)].call_next = out;
        return {};
      }
      in = new_state();
      int32_t cur = in;
      for (int32_t i = 0; i < n.min; ++i) {
        int32_t ci, co;
        ST_TRY(build(n.a, ci, co));
        nfa_[static_cast<size_t>(cur)].eps[0] = ci;
        cur = co;
      }
      if (n.max == kUnbounded) {
        // cur -> loop; loop -> item -> loop; loop -> out
        const int32_t loop = new_state();
        nfa_[static_cast<size_t>(cur)].eps[0] = loop;
        int32_t ci, co;
        ST_TRY(build(n.a, ci, co));
        out = new_state();
        nfa_[static_cast<size_t>(loop)].eps[0] = ci;
        nfa_[static_cast<size_t>(loop)].eps[1] = out;
        nfa_[static_cast<size_t>(co)].eps[0] = loop;
        return {};
      }
      out = new_state();
      for (int32_t i = n.min; i < n.max; ++i) {
        // cur -> (item -> next | out)
        int32_t ci, co;
        ST_TRY(build(n.a, ci, co));
        nfa_[static_cast<size_t>(cur)].eps[0] = ci;
        nfa_[static_cast<size_t>(cur)].eps[1] = out;
        cur = co;
      }
      nfa_[static_cast<size_t>(cur)].eps[0] = out;
      return {};
    }
    case GrammarBuilder::Op::kAnd:
    case GrammarBuilder::Op::kMinus: {
      if (n.calls) return error("an intersection or difference may not contain rule references");
      Dfa da, db;
      int32_t ai, ao, bi, bo;
      const size_t mark = nfa_.size();
      ++regular_depth_;
      Status built = build(n.a, ai, ao);
      if (built) built = determinize(ai, ao, da);
      if (built) built = build(n.b, bi, bo);
      if (built) built = determinize(bi, bo, db);
      --regular_depth_;
      ST_TRY(built);
      // The operands' states are no longer needed once determinized.
      nfa_.resize(mark);
      return product(da, db, n.op == GrammarBuilder::Op::kMinus, in, out);
    }
  }
  return error("internal: unknown expression");
}

void GrammarCompiler::closure(std::vector<int32_t>& set, int32_t final) {
  if (mark_.size() < nfa_.size()) mark_.resize(nfa_.size() * 2, 0);
  ++stamp_;
  stack_.assign(set.begin(), set.end());
  set.clear();
  while (!stack_.empty()) {
    const int32_t s = stack_.back();
    stack_.pop_back();
    if (mark_[static_cast<size_t>(s)] == stamp_) continue;
    mark_[static_cast<size_t>(s)] = stamp_;
    set.push_back(s);
    for (int32_t t : nfa_[static_cast<size_t>(s)].eps)
      if (t >= 0 && mark_[static_cast<size_t>(t)] != stamp_) stack_.push_back(t);
  }
  // Only states that consume something or end the fragment matter for what follows: dropping the
  // others merges DFA states that differ only in the path taken to them.
  set.erase(std::remove_if(set.begin(), set.end(),
                           [&](int32_t s) {
                             const NfaState& n = nfa_[static_cast<size_t>(s)];
                             return n.target < 0 && n.call_rule < 0 && s != final;
                           }),
            set.end());
  std::sort(set.begin(), set.end());
}

namespace {
uint64_t hash_ints(const std::vector<int32_t>& v) {
  uint64_t h = 1469598103934665603ull;
  for (int32_t t : v) h = (h ^ static_cast<uint32_t>(t)) * 1099511628211ull;
  return h;
}
}  // namespace

Status GrammarCompiler::determinize(int32_t in, int32_t out, Dfa& dfa) {
  // NFA state sets, interned by hash (open addressing on collisions).
  std::unordered_map<uint64_t, int32_t> index;
  std::vector<std::vector<int32_t>> sets;
  auto intern = [&](std::vector<int32_t>& s) -> int32_t {
    if (s.empty()) return Grammar::kDead;
    closure(s, out);
    for (uint64_t h = hash_ints(s);; ++h) {
      auto [it, fresh] = index.emplace(h, static_cast<int32_t>(sets.size()));
      if (fresh) {
        sets.push_back(s);
        return it->second;
      }
      if (sets[static_cast<size_t>(it->second)] == s) return it->second;
    }
  };
  std::vector<int32_t> t{in};
  intern(t);
  std::vector<std::vector<int32_t>> bucket(K_);
  std::unordered_map<uint64_t, uint32_t> first_class;
  std::vector<int32_t> row(K_);
  std::vector<std::pair<uint32_t, int32_t>> call_targets;
  for (size_t d = 0; d < sets.size(); ++d) {
    if (++dfa_total_ > b_.limits_.max_dfa_states) return error("the grammar is too large");
    Dfa::St st;
    for (auto& bk : bucket) bk.clear();
    call_targets.clear();
    for (int32_t s : sets[d]) {
      const NfaState& ns = nfa_[static_cast<size_t>(s)];
      if (s == out) st.accept = true;
      if (ns.target >= 0) {
        const ClassSet& cs = labels_[ns.label];
        for (uint32_t w = 0; w < 4; ++w)
          for (uint64_t bits = cs.w[w]; bits; bits &= bits - 1)
            bucket[w * 64 + static_cast<uint32_t>(__builtin_ctzll(bits))].push_back(ns.target);
      }
      if (ns.call_rule >= 0)
        call_targets.emplace_back(static_cast<uint32_t>(ns.call_rule), ns.call_next);
    }
    std::fill(row.begin(), row.end(), Grammar::kDead);
    // Most classes share their targets: close each distinct target set once.
    first_class.clear();
    for (uint32_t c = 0; c < K_; ++c) {
      if (bucket[c].empty()) continue;
      auto [it, fresh] = first_class.emplace(hash_ints(bucket[c]), c);
      if (!fresh && bucket[it->second] == bucket[c]) {
        row[c] = row[it->second];
        continue;
      }
      t = bucket[c];
      std::sort(t.begin(), t.end());
      t.erase(std::unique(t.begin(), t.end()), t.end());
      row[c] = intern(t);
    }
    std::sort(call_targets.begin(), call_targets.end());
    for (size_t i = 0; i < call_targets.size();) {
      t.clear();
      size_t j = i;
      for (; j < call_targets.size() && call_targets[j].first == call_targets[i].first; ++j)
        t.push_back(call_targets[j].second);
      st.calls.emplace_back(call_targets[i].first, intern(t));
      i = j;
    }
    dfa.states.push_back(std::move(st));
    dfa.trans.insert(dfa.trans.end(), row.begin(), row.end());
  }
  return {};
}

Status GrammarCompiler::product(const Dfa& a, const Dfa& b, bool minus, int32_t& in, int32_t& out) {
  // States are pairs (state of a, state of b or dead); BFS from the pair of starts.
  std::unordered_map<uint64_t, int32_t> index;
  std::vector<std::pair<int32_t, int32_t>> pairs;
  auto intern = [&](int32_t x, int32_t y) -> int32_t {
    if (x < 0 || (!minus && y < 0)) return -1;
    const uint64_t key =
        (static_cast<uint64_t>(static_cast<uint32_t>(x)) << 32) | static_cast<uint32_t>(y);
    auto it = index.find(key);
    if (it != index.end()) return it->second;
    const int32_t id = static_cast<int32_t>(pairs.size());
    index.emplace(key, id);
    pairs.emplace_back(x, y);
    return id;
  };
  intern(0, 0);
  out = new_state();
  std::vector<int32_t> nfa_of;
  std::vector<std::vector<int32_t>> rows;
  for (size_t p = 0; p < pairs.size(); ++p) {
    if (++dfa_total_ > b_.limits_.max_dfa_states) return error("the grammar is too large");
    const auto [x, y] = pairs[p];
    std::vector<int32_t> row(K_, -1);
    for (uint32_t c = 0; c < K_; ++c) {
      const int32_t nx = a.trans[static_cast<size_t>(x) * K_ + c];
      const int32_t ny = y < 0 ? -1 : b.trans[static_cast<size_t>(y) * K_ + c];
      row[c] = intern(nx, ny);
    }
    rows.push_back(std::move(row));
  }
  nfa_of.resize(pairs.size());
  for (size_t p = 0; p < pairs.size(); ++p) nfa_of[p] = new_state();
  for (size_t p = 0; p < pairs.size(); ++p) {
    const auto [x, y] = pairs[p];
    const bool in_b = y >= 0 && b.states[static_cast<size_t>(y)].accept;
    const bool acc = a.states[static_cast<size_t>(x)].accept && (minus ? !in_b : in_b);
    // Fan out: one helper state per distinct target, chained by epsilon splits.
    int32_t chain = nfa_of[p];
    if (acc) {
      const int32_t split = new_state();
      nfa_[static_cast<size_t>(chain)].eps[0] = out;
      nfa_[static_cast<size_t>(chain)].eps[1] = split;
      chain = split;
    }
    std::vector<int32_t> targets;
    for (uint32_t c = 0; c < K_; ++c)
      if (rows[p][c] >= 0) targets.push_back(rows[p][c]);
    std::sort(targets.begin(), targets.end());
    targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
    for (int32_t t : targets) {
      ClassSet cs;
      for (uint32_t c = 0; c < K_; ++c)
        if (rows[p][c] == t) cs.set(static_cast<uint8_t>(c));
      const int32_t edge = new_state();
      nfa_[static_cast<size_t>(edge)].target = nfa_of[static_cast<size_t>(t)];
      nfa_[static_cast<size_t>(edge)].label = intern_label(cs);
      const int32_t split = new_state();
      nfa_[static_cast<size_t>(chain)].eps[0] = edge;
      nfa_[static_cast<size_t>(chain)].eps[1] = split;
      chain = split;
    }
  }
  in = nfa_of[0];
  return {};
}

Status GrammarCompiler::analyse(Grammar& g) {
  // Rules and counters share one numbering in calls: counter c is n_rules + c.
  const size_t n_rules = g.rule_start.size();
  const size_t n_total = n_rules + g.counters.size();
  const size_t n_states = g.states.size();
  const uint32_t K = g.n_classes;
  // A visited mark per state, reset by bumping the stamp.
  std::vector<uint32_t> seen(n_states, 0);
  uint32_t stamp = 0;
  std::vector<int32_t> todo;
  auto visit = [&](int32_t t) {
    if (t >= 0 && seen[static_cast<size_t>(t)] != stamp) {
      seen[static_cast<size_t>(t)] = stamp;
      todo.push_back(t);
    }
  };
  // Whether rule r's end is reachable from its start through calls of rules in `ok` (and any
  // byte when bytes_allowed).
  auto reaches_end = [&](size_t r, bool bytes_allowed, const std::vector<char>& ok) {
    if (r >= n_rules) {
      const Grammar::Counter& c = g.counters[r - n_rules];
      return c.min == 0 || ok[c.item];
    }
    ++stamp;
    todo.clear();
    visit(g.rule_start[r]);
    while (!todo.empty()) {
      const int32_t s = todo.back();
      todo.pop_back();
      const Grammar::State& st = g.states[static_cast<size_t>(s)];
      if (st.accept) return true;
      if (bytes_allowed)
        for (uint32_t c = 0; c < K; ++c) visit(g.trans[static_cast<size_t>(s) * K + c]);
      for (uint32_t i = 0; i < st.n_calls; ++i) {
        const Grammar::Call& call = g.calls[st.first_call + i];
        if (ok[call.rule]) visit(call.next);
      }
    }
    return false;
  };
  // Nullable rules (the end is reachable through calls of nullable rules only) and productive
  // ones (some string matches): fixed points, re-checking the callers of every rule that changes.
  std::vector<std::vector<uint32_t>> callers(n_total);
  for (size_t s = 0; s < n_states; ++s) {
    const Grammar::State& st = g.states[s];
    for (uint32_t i = 0; i < st.n_calls; ++i)
      callers[g.calls[st.first_call + i].rule].push_back(st.rule);
  }
  for (size_t c = 0; c < g.counters.size(); ++c)
    callers[g.counters[c].item].push_back(static_cast<uint32_t>(n_rules + c));
  for (std::vector<uint32_t>& c : callers) {
    std::sort(c.begin(), c.end());
    c.erase(std::unique(c.begin(), c.end()), c.end());
  }
  std::vector<char> nullable(n_total, 0), productive(n_total, 0);
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<char>& flag = pass == 0 ? nullable : productive;
    std::vector<uint32_t> work(n_total);
    for (size_t r = 0; r < n_total; ++r) work[r] = static_cast<uint32_t>(n_total - 1 - r);
    while (!work.empty()) {
      const uint32_t r = work.back();
      work.pop_back();
      if (flag[r] || !reaches_end(r, pass == 1, flag)) continue;
      flag[r] = 1;
      for (uint32_t c : callers[r])
        if (!flag[c]) work.push_back(c);
    }
  }
  if (!productive[g.root]) return error("the constraint matches nothing (it is unsatisfiable)");
  for (const Grammar::Counter& c : g.counters)
    if (nullable[c.item]) return error("internal: a counted item matches the empty string");

  // Drop calls of unproductive rules, then every state that cannot reach its rule's end.
  std::vector<char> live(n_states, 0);
  std::vector<std::vector<int32_t>> preds(n_states);
  for (size_t s = 0; s < n_states; ++s) {
    const Grammar::State& st = g.states[s];
    for (uint32_t c = 0; c < K; ++c) {
      const int32_t t = g.trans[s * K + c];
      if (t >= 0) preds[static_cast<size_t>(t)].push_back(static_cast<int32_t>(s));
    }
    for (uint32_t i = 0; i < st.n_calls; ++i) {
      const Grammar::Call& call = g.calls[st.first_call + i];
      if (productive[call.rule] && call.next >= 0)
        preds[static_cast<size_t>(call.next)].push_back(static_cast<int32_t>(s));
    }
  }
  todo.clear();
  for (size_t s = 0; s < n_states; ++s)
    if (g.states[s].accept) {
      live[s] = 1;
      todo.push_back(static_cast<int32_t>(s));
    }
  while (!todo.empty()) {
    const int32_t s = todo.back();
    todo.pop_back();
    for (int32_t p : preds[static_cast<size_t>(s)])
      if (!live[static_cast<size_t>(p)]) {
        live[static_cast<size_t>(p)] = 1;
        todo.push_back(p);
      }
  }
  std::vector<Grammar::Call> calls;
  for (size_t s = 0; s < n_states; ++s) {
    Grammar::State& st = g.states[s];
    st.has_bytes = false;
    for (uint32_t c = 0; c < K; ++c) {
      int32_t& t = g.trans[s * K + c];
      if (t >= 0 && !live[static_cast<size_t>(t)]) t = Grammar::kDead;
      if (t >= 0) st.has_bytes = true;
    }
    const uint32_t first = static_cast<uint32_t>(calls.size());
    for (uint32_t i = 0; i < st.n_calls; ++i) {
      const Grammar::Call& call = g.calls[st.first_call + i];
      if (productive[call.rule] && call.next >= 0 && live[static_cast<size_t>(call.next)])
        calls.push_back(call);
    }
    st.first_call = first;
    st.n_calls = static_cast<uint32_t>(calls.size()) - first;
  }
  g.calls = std::move(calls);

  // Left recursion: a rule that calls itself before consuming a byte would expand forever.
  std::vector<std::vector<uint32_t>> left_calls(n_total);
  for (size_t c = 0; c < g.counters.size(); ++c)
    left_calls[n_rules + c].push_back(g.counters[c].item);
  auto name_of = [&](uint32_t r) {
    return r < n_rules ? g.rule_names[r]
                       : "repetition of " + g.rule_names[g.counters[r - n_rules].item];
  };
  for (size_t r = 0; r < n_rules; ++r) {
    if (!productive[r]) continue;
    ++stamp;
    todo.clear();
    visit(g.rule_start[r]);
    while (!todo.empty()) {
      const Grammar::State& st = g.states[static_cast<size_t>(todo.back())];
      todo.pop_back();
      for (uint32_t i = 0; i < st.n_calls; ++i) {
        const Grammar::Call& call = g.calls[st.first_call + i];
        left_calls[r].push_back(call.rule);
        if (nullable[call.rule]) visit(call.next);
      }
    }
  }
  std::vector<int> color(n_total, 0);  // 0 new, 1 on the path, 2 done
  std::vector<uint32_t> path;
  for (size_t r0 = 0; r0 < n_total; ++r0) {
    if (color[r0]) continue;
    // Iterative DFS keeping the path for the message.
    std::vector<std::pair<uint32_t, size_t>> dfs{{static_cast<uint32_t>(r0), 0}};
    color[r0] = 1;
    path.assign(1, static_cast<uint32_t>(r0));
    while (!dfs.empty()) {
      auto& [r, i] = dfs.back();
      if (i < left_calls[r].size()) {
        const uint32_t t = left_calls[r][i++];
        if (color[t] == 1) {
          std::string cycle;
          size_t k = 0;
          while (path[k] != t) ++k;
          for (; k < path.size(); ++k) cycle += name_of(path[k]) + " -> ";
          cycle += name_of(t);
          return error("left recursion (" + cycle + ") is not supported");
        }
        if (color[t] == 0) {
          color[t] = 1;
          dfs.emplace_back(t, 0);
          path.push_back(t);
        }
      } else {
        color[r] = 2;
        dfs.pop_back();
        path.pop_back();
      }
    }
  }

  // A constraint that only allows the empty output would end every generation at once.
  std::vector<char> reached(n_rules, 0);
  std::vector<uint32_t> rules{g.root};
  reached[g.root] = 1;
  bool any_bytes = false;
  while (!rules.empty() && !any_bytes) {
    const uint32_t r = rules.back();
    rules.pop_back();
    ++stamp;
    todo.clear();
    visit(g.rule_start[r]);
    while (!todo.empty()) {
      const Grammar::State& st = g.states[static_cast<size_t>(todo.back())];
      todo.pop_back();
      if (st.has_bytes) any_bytes = true;
      for (uint32_t i = 0; i < st.n_calls; ++i) {
        const Grammar::Call& call = g.calls[st.first_call + i];
        uint32_t callee = call.rule;
        if (callee >= n_rules) {
          const Grammar::Counter& c = g.counters[callee - n_rules];
          if (c.max == 0) continue;
          callee = c.item;
        }
        if (!reached[callee]) {
          reached[callee] = 1;
          rules.push_back(callee);
        }
        visit(call.next);
      }
    }
  }
  if (!any_bytes) return error("the constraint matches only the empty string");
  return {};
}

Result<Grammar> GrammarCompiler::run() {
  if (b_.overflow_) return error("the grammar is too large");
  if (b_.rules_.empty()) return error("the grammar has no rules");
  for (const GrammarBuilder::Rule& r : b_.rules_)
    if (!r.defined) return error("rule '" + r.name + "' is used but never defined");
  make_classes();
  estimates_.assign(b_.nodes_.size(), 0);
  min_lens_.assign(b_.nodes_.size(), -1);
  size_t total = 0;
  for (const GrammarBuilder::Rule& r : b_.rules_) total += estimate(r.body);
  if (total > b_.limits_.max_nfa_states) return error("the grammar is too large");

  Grammar g;
  g.n_classes = K_;
  std::memcpy(g.byte_class, cls_, sizeof(cls_));
  g.root = b_.root_;
  for (const GrammarBuilder::Rule& r : b_.rules_) {
    bodies_.push_back(r.body);
    names_.push_back(r.name);
  }
  // bodies_ grows while building: repeated items that become counters get rules of their own.
  for (size_t r = 0; r < bodies_.size(); ++r) {
    nfa_.clear();
    int32_t in, out;
    ST_TRY(build(bodies_[r], in, out));
    Dfa dfa;
    ST_TRY(determinize(in, out, dfa));
    const int32_t base = static_cast<int32_t>(g.states.size());
    g.rule_start.push_back(base);
    g.rule_names.push_back(names_[r]);
    for (size_t s = 0; s < dfa.states.size(); ++s) {
      Grammar::State st;
      st.rule = static_cast<uint32_t>(r);
      st.accept = dfa.states[s].accept;
      st.first_call = static_cast<uint32_t>(g.calls.size());
      st.n_calls = static_cast<uint32_t>(dfa.states[s].calls.size());
      for (const auto& [rule, next] : dfa.states[s].calls)
        g.calls.push_back({rule, next < 0 ? -1 : base + next});
      g.states.push_back(st);
    }
    for (int32_t t : dfa.trans) g.trans.push_back(t < 0 ? Grammar::kDead : base + t);
  }
  // Counter calls were numbered before the rule count was known.
  for (Grammar::Call& c : g.calls)
    if (c.rule & kCounterCall)
      c.rule = static_cast<uint32_t>(bodies_.size()) + (c.rule & ~kCounterCall);
  g.counters = counters_;
  ST_TRY(analyse(g));
  return g;
}

Result<Grammar> compile_grammar(const GrammarBuilder& builder, std::string_view what) {
  return GrammarCompiler(builder, what).run();
}

}  // namespace shoptalk::engine::constraint
