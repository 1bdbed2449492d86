// The grammar form and its compiler: expressions, counted repetitions, intersections and
// differences, and the refusals (left recursion, empty language, size).
#include <catch2/catch.hpp>
#include <string>

#include "constraint_helpers.h"
#include "engine/constraint/grammar.h"

namespace shoptalk::engine::constraint {
namespace {

// A builder with its root rule declared.
struct Built {
  GrammarBuilder b;
  RuleId root;
  Built() : root(b.add_rule("root")) {}
};

// Whether the grammar matches the whole text: a plain simulation of the stack machine, with none
// of the runtime's interning, caching or clamping (an independent check of both).
bool full_match(const Grammar& g, const std::string& text);

Result<Grammar> compile_root(Built& x, ExprId body) {
  x.b.define(x.root, body);
  return compile_grammar(x.b, "test");
}

TEST_CASE("grammar: literals, alternatives and repetition") {
  Built x;
  auto& b = x.b;
  const ExprId digit = b.bytes([] {
    ByteSet s;
    s.set_range('0', '9');
    return s;
  }());
  auto g = compile_root(x, b.seq({b.literal("id="), b.repeat(digit, 2, 4),
                                  b.optional(b.alt({b.literal("a"), b.literal("bc")}))}));
  REQUIRE(g);
  CHECK(full_match(*g, "id=12"));
  CHECK(full_match(*g, "id=1234bc"));
  CHECK(full_match(*g, "id=123a"));
  CHECK_FALSE(full_match(*g, "id=1"));
  CHECK_FALSE(full_match(*g, "id=12345"));
  CHECK_FALSE(full_match(*g, "id=12b"));
}

TEST_CASE("grammar: counted repetitions match exactly like unrolled ones") {
  // Above kCounterThreshold a repetition runs with a counter; check both sides of the bounds.
  for (const auto& [lo, hi] :
       std::vector<std::pair<int32_t, int32_t>>{{0, 40}, {17, 17}, {20, 25}, {30, kUnbounded}}) {
    GrammarBuilder b;
    const RuleId root = b.add_rule("root");
    b.define(root,
             b.seq({b.byte('<'), b.repeat(b.alt({b.byte('x'), b.literal("\xC3\xA9")}), lo, hi),
                    b.byte('>')}));
    auto g = compile_grammar(b, "test");
    REQUIRE(g);
    CHECK_FALSE(g->counters.empty());
    for (int n = 0; n < 45; ++n) {
      std::string s = "<";
      for (int i = 0; i < n; ++i) s += (i % 3 == 0) ? "\xC3\xA9" : "x";
      s += ">";
      const bool expected = n >= lo && (hi == kUnbounded || n <= hi);
      INFO("{" << lo << "," << hi << "} n=" << n);
      CHECK(full_match(*g, s) == expected);
    }
  }
}

TEST_CASE("grammar: intersection and difference of regular parts") {
  Built x;
  auto& b = x.b;
  ByteSet az;
  az.set_range('a', 'z');
  const ExprId word = b.plus(b.bytes(az));
  const ExprId keywords = b.alt({b.literal("if"), b.literal("else")});
  auto g = compile_root(x, b.seq({b.minus(word, keywords), b.byte(';'),
                                  b.intersect(word, b.repeat(b.bytes(az), 3, 3))}));
  REQUIRE(g);
  CHECK(full_match(*g, "iff;abc"));
  CHECK(full_match(*g, "i;xyz"));
  CHECK_FALSE(full_match(*g, "if;abc"));
  CHECK_FALSE(full_match(*g, "else;abc"));
  CHECK_FALSE(full_match(*g, "x;ab"));
}

TEST_CASE("grammar: refusals") {
  {
    GrammarBuilder b;
    const RuleId a = b.add_rule("a");
    const RuleId c = b.add_rule("c");
    b.define(a, b.alt({b.seq({b.call(c), b.byte('x')}), b.byte('y')}));
    b.define(c, b.seq({b.optional(b.byte('z')), b.call(a)}));
    auto g = compile_grammar(b, "test");
    REQUIRE_FALSE(g);
    CHECK_THAT(g.error().message(),
               Catch::Contains("left recursion") && Catch::Contains("a -> c -> a"));
  }
  {
    Built x;
    auto g = compile_root(x, x.b.seq({x.b.byte('a'), x.b.nothing()}));
    REQUIRE_FALSE(g);
    CHECK_THAT(g.error().message(), Catch::Contains("matches nothing"));
  }
  {
    Built x;
    auto g = compile_root(x, x.b.optional(x.b.nothing()));
    REQUIRE_FALSE(g);
    CHECK_THAT(g.error().message(), Catch::Contains("only the empty string"));
  }
  {
    // A rule that never ends (it always calls itself) is unproductive.
    GrammarBuilder b;
    const RuleId r = b.add_rule("r");
    b.define(r, b.seq({b.byte('('), b.call(r), b.byte(')')}));
    auto g = compile_grammar(b, "test");
    REQUIRE_FALSE(g);
    CHECK_THAT(g.error().message(), Catch::Contains("matches nothing"));
  }
  {
    GrammarLimits limits;
    limits.max_nfa_states = 5000;
    GrammarBuilder b(limits);
    const RuleId r = b.add_rule("r");
    // Nested repetitions multiply; the estimate refuses them before building anything.
    ExprId e = b.alt({b.byte('a'), b.byte('b')});
    for (int i = 0; i < 8; ++i) e = b.repeat(e, 4, 4);
    b.define(r, e);
    auto g = compile_grammar(b, "test");
    REQUIRE_FALSE(g);
    CHECK_THAT(g.error().message(), Catch::Contains("too large"));
  }
}

TEST_CASE("grammar: dead ends are removed") {
  // "a" followed by something impossible must not be offered as a prefix.
  Built x;
  auto& b = x.b;
  auto g = compile_root(x, b.alt({b.seq({b.byte('a'), b.nothing()}), b.literal("bc")}));
  REQUIRE(g);
  CHECK(g->next(g->rule_start[g->root], 'a') == Grammar::kDead);
  CHECK(full_match(*g, "bc"));
}

bool full_match(const Grammar& g, const std::string& text) {
  struct Frame {
    int32_t state;  // >= 0 a grammar state; < 0: counter -(c + 1)
    int32_t count;
  };
  using Stack = std::vector<Frame>;
  const uint32_t n_rules = static_cast<uint32_t>(g.rule_start.size());
  std::vector<Stack> cur;
  bool accept = false;
  auto expand = [&](Stack s, std::vector<Stack>& out, bool& acc) {
    std::vector<Stack> work{std::move(s)};
    int guard = 0;
    while (!work.empty() && ++guard < 100000) {
      Stack t = std::move(work.back());
      work.pop_back();
      const Frame top = t.back();
      auto pop = [&] {
        if (t.size() == 1) {
          acc = true;
        } else {
          work.emplace_back(t.begin(), t.end() - 1);
        }
      };
      if (top.state < 0) {
        const Grammar::Counter& c = g.counters[static_cast<size_t>(-top.state - 1)];
        if (top.count >= c.min) pop();
        if (c.max == kUnbounded || top.count < c.max) {
          Stack p = t;
          p.back().count = c.max == kUnbounded && top.count >= c.min ? top.count : top.count + 1;
          p.push_back({g.rule_start[c.item], 0});
          work.push_back(std::move(p));
        }
        continue;
      }
      const Grammar::State& st = g.states[static_cast<size_t>(top.state)];
      if (st.accept) pop();
      for (uint32_t i = 0; i < st.n_calls; ++i) {
        const Grammar::Call& call = g.calls[st.first_call + i];
        Stack p = t;
        p.back().state = call.next;
        if (call.rule >= n_rules) {
          p.push_back({-static_cast<int32_t>(call.rule - n_rules) - 1, 0});
        } else {
          p.push_back({g.rule_start[call.rule], 0});
        }
        work.push_back(std::move(p));
      }
      if (st.has_bytes) out.push_back(std::move(t));
    }
  };
  expand(Stack{{g.rule_start[g.root], 0}}, cur, accept);
  for (char ch : text) {
    std::vector<Stack> next;
    bool acc = false;
    for (const Stack& s : cur) {
      const int32_t t = g.next(s.back().state, static_cast<uint8_t>(ch));
      if (t < 0) continue;
      Stack n = s;
      n.back().state = t;
      expand(std::move(n), next, acc);
    }
    cur = std::move(next);
    accept = acc;
    if (cur.empty() && !accept) return false;
  }
  return accept;
}

}  // namespace
}  // namespace shoptalk::engine::constraint
