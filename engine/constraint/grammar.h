// The one grammar form every constraint compiles into: a context-free grammar over bytes, whose
// rules are regular expressions (byte sets, sequences, alternatives, bounded or unbounded
// repetition, intersection and difference of regular parts) that may call other rules.
//
// GrammarBuilder collects expressions in an arena; compile_grammar() turns every rule into a
// deterministic automaton over byte classes with call edges (a recursive transition network),
// removes what can never match (unproductive rules, states that cannot reach an end), and refuses
// grammars that are too large, left-recursive, empty or match only the empty string.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shoptalk/result.hpp"

namespace shoptalk::engine::constraint {

// 256 bits: which bytes a terminal matches.
struct ByteSet {
  uint64_t w[4] = {0, 0, 0, 0};

  void set(uint8_t b) { w[b >> 6] |= uint64_t{1} << (b & 63); }
  void set_range(uint8_t lo, uint8_t hi) {
    for (unsigned b = lo; b <= hi; ++b) set(static_cast<uint8_t>(b));
  }
  bool has(uint8_t b) const { return (w[b >> 6] >> (b & 63)) & 1; }
  bool empty() const { return (w[0] | w[1] | w[2] | w[3]) == 0; }
  bool operator==(const ByteSet& o) const {
    return w[0] == o.w[0] && w[1] == o.w[1] && w[2] == o.w[2] && w[3] == o.w[3];
  }
};

// Unbounded repetition count.
constexpr int32_t kUnbounded = -1;

// Limits that keep compile time and memory bounded whatever the input.
struct GrammarLimits {
  size_t max_expr_nodes = 1 << 20;  // expression nodes in the arena
  size_t max_nfa_states = 1 << 21;  // Thompson states over all rules
  size_t max_dfa_states = 1 << 16;  // deterministic states over all rules
  size_t max_rules = 1 << 16;
  size_t max_counters = 1024;
  // Whether large repetitions may run with counters (false: a regular expression compiles to
  // one call-free automaton, for matching it directly).
  bool counters = true;
};

// Repetitions with a count above this run with a counter (Grammar::Counter) when their item is
// regular and never empty; smaller ones are unrolled into states.
constexpr int32_t kCounterThreshold = 4;
// The largest count a repetition may have.
constexpr int32_t kMaxRepeat = 100000;

using ExprId = uint32_t;
using RuleId = uint32_t;

class GrammarBuilder {
 public:
  explicit GrammarBuilder(GrammarLimits limits = {}) : limits_(limits) {}

  ExprId empty();                    // matches ""
  ExprId nothing();                  // matches no string at all
  ExprId bytes(const ByteSet& set);  // one byte of the set
  ExprId byte(uint8_t b);
  ExprId literal(std::string_view text);  // the exact bytes
  ExprId seq(const std::vector<ExprId>& items);
  ExprId alt(const std::vector<ExprId>& items);
  ExprId repeat(ExprId item, int32_t min, int32_t max);  // max: kUnbounded or >= min
  ExprId optional(ExprId item) { return repeat(item, 0, 1); }
  ExprId star(ExprId item) { return repeat(item, 0, kUnbounded); }
  ExprId plus(ExprId item) { return repeat(item, 1, kUnbounded); }
  // Strings in both / in the first but not the second. Both operands must be regular (no rule
  // calls, directly or through another intersection).
  ExprId intersect(ExprId a, ExprId b);
  ExprId minus(ExprId a, ExprId b);
  ExprId call(RuleId rule);

  // Rules are declared first (so they can call each other) and defined once.
  RuleId add_rule(std::string name);
  void define(RuleId rule, ExprId body);
  // The rule generation starts from (the first rule unless set).
  void set_root(RuleId rule) { root_ = rule; }
  RuleId root() const { return root_; }

  size_t rule_count() const { return rules_.size(); }
  const std::string& rule_name(RuleId r) const { return rules_[r].name; }
  bool is_defined(RuleId r) const { return rules_[r].defined; }
  // True once the arena or the rule table went past its limit; compile_grammar() then fails.
  bool overflowed() const { return overflow_; }
  // Whether an expression may call a rule (used to refuse calls inside intersections).
  bool has_calls(ExprId e) const { return nodes_[e].calls; }

  enum class Op : uint8_t { kEmpty, kNothing, kBytes, kSeq, kAlt, kRepeat, kCall, kAnd, kMinus };
  struct Node {
    Op op;
    bool calls;      // this node or a child calls a rule
    uint32_t a = 0;  // kBytes: set index; kSeq/kAlt: first child slot; kRepeat/kAnd/kMinus: child
    uint32_t b = 0;  // kSeq/kAlt: child count; kAnd/kMinus: second child; kCall: rule
    int32_t min = 0, max = 0;  // kRepeat
  };
  struct Rule {
    std::string name;
    ExprId body = 0;
    bool defined = false;
  };

 private:
  friend class GrammarCompiler;
  ExprId push(Node n);
  ExprId list(Op op, const std::vector<ExprId>& items);
  uint32_t intern_set(const ByteSet& s);

  GrammarLimits limits_;
  std::vector<Node> nodes_;
  std::vector<ExprId> children_;
  std::vector<ByteSet> sets_;
  std::vector<Rule> rules_;
  RuleId root_ = 0;
  bool overflow_ = false;
};

// The compiled form: every rule a DFA over byte classes, all states numbered globally.
struct Grammar {
  static constexpr int32_t kDead = -1;

  struct Call {
    uint32_t rule;
    int32_t next;  // the state to continue in after the called rule ends
  };
  // A counted repetition item{min,max} run with a counter on the stack instead of one state per
  // count. Calls with rule >= rule_start.size() call counter rule - rule_start.size().
  struct Counter {
    uint32_t item;     // the rule repeated (never matches the empty string)
    int32_t min, max;  // max: kUnbounded or >= min
  };
  struct State {
    uint32_t rule;
    bool accept = false;      // the rule may end here
    bool has_bytes = false;   // some byte transition leads to a live state
    uint32_t first_call = 0;  // calls[first_call, first_call + n_calls)
    uint32_t n_calls = 0;
  };

  uint8_t byte_class[256] = {};  // byte -> class
  uint32_t n_classes = 0;
  std::vector<State> states;
  std::vector<int32_t> trans;  // states.size() * n_classes: next state or kDead
  std::vector<Call> calls;
  std::vector<int32_t> rule_start;  // rule -> its start state
  std::vector<std::string> rule_names;
  std::vector<Counter> counters;
  uint32_t root = 0;

  int32_t next(int32_t state, uint8_t byte) const {
    return trans[static_cast<size_t>(state) * n_classes + byte_class[byte]];
  }
};

// `what` names the source in messages ("grammar", "regex", "json schema").
Result<Grammar> compile_grammar(const GrammarBuilder& builder, std::string_view what);

}  // namespace shoptalk::engine::constraint
