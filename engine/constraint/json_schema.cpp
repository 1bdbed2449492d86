#include "engine/constraint/json_schema.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "engine/constraint/charset.h"
#include "engine/constraint/numbers.h"
#include "engine/constraint/regex.h"
#include "formats/try.h"

namespace shoptalk::engine::constraint {

// ---------------------------------------------------------------------------------------------
// Shared definitions

const char* format_regex(std::string_view format) {
  // Dates check the days of each month and February 29th in leap years only.
  static const char kDate[] =
      "(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-"
      "9]|30)|"
      "02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|["
      "13579][26])00)"
      "-02-29)";
  static const char kTime[] =
      "(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\\.[0-9]+)?(?:[Zz]|[+-](?:[01][0-9]|2[0-"
      "3]):[0-5][0-9])";
  static const std::string kDateTime = std::string(kDate) + "[Tt]" + kTime;
  static const char kUuid[] =
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
  if (format == "date") return kDate;
  if (format == "time") return kTime;
  if (format == "date-time") return kDateTime.c_str();
  if (format == "uuid") return kUuid;
  return nullptr;
}

const JsonValue* resolve_ref(const JsonValue& root, std::string_view ref) {
  if (ref.empty() || ref[0] != '#') return nullptr;
  // Percent-decoding (URI fragment), then JSON pointer tokens with ~0 and ~1.
  std::string ptr;
  for (size_t i = 1; i < ref.size(); ++i) {
    if (ref[i] == '%' && i + 2 < ref.size()) {
      const int h = hex_digit(ref[i + 1]), l = hex_digit(ref[i + 2]);
      if (h < 0 || l < 0) return nullptr;
      ptr.push_back(static_cast<char>(h * 16 + l));
      i += 2;
    } else {
      ptr.push_back(ref[i]);
    }
  }
  const JsonValue* cur = &root;
  if (ptr.empty()) return cur;
  if (ptr[0] != '/') return nullptr;
  size_t i = 1;
  for (;;) {
    std::string token;
    while (i < ptr.size() && ptr[i] != '/') {
      if (ptr[i] == '~' && i + 1 < ptr.size() && (ptr[i + 1] == '0' || ptr[i + 1] == '1')) {
        token.push_back(ptr[i + 1] == '0' ? '~' : '/');
        i += 2;
      } else {
        token.push_back(ptr[i++]);
      }
    }
    if (cur->is_object()) {
      cur = cur->find(token);
    } else if (cur->is_array()) {
      if (token.empty() || token.size() > 9 ||
          token.find_first_not_of("0123456789") != std::string::npos)
        return nullptr;
      size_t idx = 0;
      for (char d : token) idx = idx * 10 + static_cast<size_t>(d - '0');
      cur = idx < cur->items.size() ? &cur->items[idx] : nullptr;
    } else {
      return nullptr;
    }
    if (!cur) return nullptr;
    if (i >= ptr.size()) return cur;
    ++i;
  }
}

namespace {

enum TypeBits : uint8_t {
  kTNull = 1,
  kTBool = 2,
  kTObject = 4,
  kTArray = 8,
  kTString = 16,
  kTInteger = 32,
  kTNumber = 64 | 32,  // number includes the integers
  kTAll = 127,
};

uint8_t type_bits(std::string_view name) {
  if (name == "null") return kTNull;
  if (name == "boolean") return kTBool;
  if (name == "object") return kTObject;
  if (name == "array") return kTArray;
  if (name == "string") return kTString;
  if (name == "integer") return kTInteger;
  if (name == "number") return kTNumber;
  return 0;
}

uint8_t type_of(const JsonValue& v) {
  switch (v.type) {
    case JsonValue::Type::kNull:
      return kTNull;
    case JsonValue::Type::kBool:
      return kTBool;
    case JsonValue::Type::kObject:
      return kTObject;
    case JsonValue::Type::kArray:
      return kTArray;
    case JsonValue::Type::kString:
      return kTString;
    case JsonValue::Type::kNumber:
      return v.is_integer() ? kTInteger : 64;
  }
  return 0;
}

bool is_annotation(std::string_view k) {
  static const char* const kNames[] = {"$schema",     "$id",       "$comment", "title",
                                       "description", "default",   "examples", "deprecated",
                                       "readOnly",    "writeOnly", "$defs",    "definitions"};
  for (const char* n : kNames)
    if (k == n) return true;
  return false;
}

bool is_supported(std::string_view k) {
  static const char* const kNames[] = {"type",
                                       "enum",
                                       "const",
                                       "properties",
                                       "required",
                                       "additionalProperties",
                                       "items",
                                       "prefixItems",
                                       "additionalItems",
                                       "minItems",
                                       "maxItems",
                                       "minLength",
                                       "maxLength",
                                       "pattern",
                                       "format",
                                       "minimum",
                                       "maximum",
                                       "exclusiveMinimum",
                                       "exclusiveMaximum",
                                       "anyOf",
                                       "oneOf",
                                       "allOf",
                                       "$ref",
                                       "nullable"};
  for (const char* n : kNames)
    if (k == n) return true;
  return false;
}

size_t code_points(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    if ((static_cast<uint8_t>(c) & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Validator

SchemaValidator::SchemaValidator(const JsonValue& root) : root_(root) {}
SchemaValidator::~SchemaValidator() = default;

bool SchemaValidator::matches(const std::string& regex, bool search, const std::string& text) {
  const std::string key = (search ? "s" : "f") + regex;
  auto it = regexes_.find(key);
  if (it == regexes_.end()) {
    // One call-free automaton, run byte by byte below.
    GrammarLimits limits;
    limits.counters = false;
    GrammarBuilder b(limits);
    std::shared_ptr<const Grammar> g;
    Result<ExprId> e = compile_regex(b, regex, Encoding::kUtf8,
                                     search ? RegexMode::kSearch : RegexMode::kFullMatch);
    if (e) {
      b.define(b.add_rule("root"), *e);
      Result<Grammar> compiled = compile_grammar(b, "regex");
      if (compiled) g = std::make_shared<const Grammar>(std::move(*compiled));
    }
    it = regexes_.emplace(key, g).first;
  }
  const Grammar* g = it->second.get();
  if (!g) return false;  // a pattern that matches nothing (or that the compiler refuses)
  int32_t s = g->rule_start[g->root];
  for (char c : text) {
    s = g->next(s, static_cast<uint8_t>(c));
    if (s < 0) return false;
  }
  return g->states[static_cast<size_t>(s)].accept;
}

bool SchemaValidator::valid(const JsonValue& schema, const JsonValue& v) {
  if (schema.is_bool()) return schema.boolean;
  if (!schema.is_object()) return false;
  if (const JsonValue* ref = schema.find("$ref")) {
    const JsonValue* target = ref->is_string() ? resolve_ref(root_, ref->text) : nullptr;
    if (!target || !valid(*target, v)) return false;
  }
  const uint8_t t = type_of(v);
  if (const JsonValue* type = schema.find("type")) {
    uint8_t allowed = 0;
    if (type->is_string()) allowed = type_bits(type->text);
    for (const JsonValue& n : type->items)
      if (n.is_string()) allowed |= type_bits(n.text);
    if (const JsonValue* nullable = schema.find("nullable");
        nullable && nullable->is_bool() && nullable->boolean)
      allowed |= kTNull;
    if ((allowed & t) != t) return false;
  }
  if (const JsonValue* e = schema.find("enum")) {
    bool any = false;
    for (const JsonValue& x : e->items) any = any || json_equal(x, v);
    if (!any) return false;
  }
  if (const JsonValue* c = schema.find("const"); c && !json_equal(*c, v)) return false;
  for (const char* key : {"allOf", "anyOf", "oneOf"}) {
    const JsonValue* list = schema.find(key);
    if (!list) continue;
    int n = 0;
    for (const JsonValue& s : list->items) n += valid(s, v) ? 1 : 0;
    const std::string_view k = key;
    if (k == "allOf" && n != static_cast<int>(list->items.size())) return false;
    if (k == "anyOf" && n == 0) return false;
    if (k == "oneOf" && n != 1) return false;
  }
  if (v.is_string()) {
    const size_t len = code_points(v.text);
    if (const JsonValue* m = schema.find("minLength"); m && len < m->number) return false;
    if (const JsonValue* m = schema.find("maxLength"); m && len > m->number) return false;
    if (const JsonValue* p = schema.find("pattern"); p && !matches(p->text, true, v.text))
      return false;
    if (const JsonValue* f = schema.find("format")) {
      const char* re = format_regex(f->text);
      if (re && !matches(re, false, v.text)) return false;
    }
  }
  if (v.is_number()) {
    const std::optional<Decimal> x = parse_decimal(v.text);
    auto bound = [&](const char* key) -> std::optional<Decimal> {
      const JsonValue* b = schema.find(key);
      if (!b || !b->is_number()) return std::nullopt;
      return parse_decimal(b->text);
    };
    if (x) {
      if (auto b = bound("minimum"); b && compare(*x, *b) < 0) return false;
      if (auto b = bound("maximum"); b && compare(*x, *b) > 0) return false;
      if (auto b = bound("exclusiveMinimum"); b && compare(*x, *b) <= 0) return false;
      if (auto b = bound("exclusiveMaximum"); b && compare(*x, *b) >= 0) return false;
    }
  }
  if (v.is_array()) {
    const size_t n = v.items.size();
    if (const JsonValue* m = schema.find("minItems"); m && n < m->number) return false;
    if (const JsonValue* m = schema.find("maxItems"); m && n > m->number) return false;
    const JsonValue* prefix = schema.find("prefixItems");
    const JsonValue* items = schema.find("items");
    const JsonValue* rest = items;
    if (items && items->is_array()) {
      prefix = items;
      rest = schema.find("additionalItems");
    }
    size_t p = prefix && prefix->is_array() ? prefix->items.size() : 0;
    for (size_t i = 0; i < n; ++i) {
      if (i < p) {
        if (!valid(prefix->items[i], v.items[i])) return false;
      } else if (rest && !valid(*rest, v.items[i])) {
        return false;
      }
    }
  }
  if (v.is_object()) {
    const JsonValue* props = schema.find("properties");
    if (const JsonValue* req = schema.find("required"))
      for (const JsonValue& r : req->items)
        if (!v.find(r.text)) return false;
    const JsonValue* extra = schema.find("additionalProperties");
    for (const JsonValue::Member& m : v.members) {
      const JsonValue* s = props ? props->find(m.key) : nullptr;
      if (s) {
        if (!valid(*s, m.value)) return false;
      } else if (extra && !valid(*extra, m.value)) {
        return false;
      }
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Compiler

namespace {

// A conjunction of schema nodes: sorted pointers; the low bit marks a node whose anyOf/oneOf has
// already been split into alternatives.
using Conj = std::vector<uintptr_t>;
constexpr uintptr_t kSplit = 1;

const JsonValue* node_of(uintptr_t x) {
  return reinterpret_cast<const JsonValue*>(x & ~kSplit);
}
uintptr_t ptr_of(const JsonValue* v) {
  return reinterpret_cast<uintptr_t>(v);
}

void add_to(Conj& c, uintptr_t x) {
  // A split mark wins over an unsplit copy of the same node.
  for (uintptr_t& y : c)
    if ((y & ~kSplit) == (x & ~kSplit)) {
      y |= x & kSplit;
      return;
    }
  c.push_back(x);
}

// Everything one conjunction requires, merged over its nodes.
struct Merged {
  bool never = false;
  uint8_t types = kTAll;
  bool has_enum = false;
  std::vector<const JsonValue*> enums;  // candidates (each also checked against every node)
  int64_t min_len = 0, max_len = -1;
  std::vector<std::string> patterns;
  std::vector<std::string> formats;
  std::optional<Bound> lo, hi;
  std::vector<Conj> prefix;
  std::optional<Conj> rest = Conj{};
  int64_t min_items = 0, max_items = -1;
  std::vector<std::pair<std::string, Conj>> props;
  std::vector<std::string> required;
  std::optional<Conj> additional = Conj{};
};

// Merges a node's enum and const into the set of values allowed so far.
void merge_values(Merged& m, const JsonValue& n) {
  const JsonValue* e = n.find("enum");
  const JsonValue* c = n.find("const");
  if (!e && !c) return;
  std::vector<const JsonValue*> values;
  if (e)
    for (const JsonValue& x : e->items)
      if (!c || json_equal(x, *c)) values.push_back(&x);
  if (c && !e) values.push_back(c);
  if (m.has_enum) {
    std::vector<const JsonValue*> kept;
    for (const JsonValue* x : m.enums)
      if (std::any_of(values.begin(), values.end(),
                      [&](const JsonValue* y) { return json_equal(*x, *y); }))
        kept.push_back(x);
    values = std::move(kept);
  }
  m.enums = std::move(values);
  m.has_enum = true;
}

class SchemaCompiler {
 public:
  SchemaCompiler(GrammarBuilder& b, std::string_view text, const JsonValue& root, int max_indent)
      : b_(b), text_(text), root_(root), validator_(root) {
    // Whitespace and plain strings are rules of their own, shared by every use.
    if (max_indent < 0) {
      ws_ = b_.empty();
    } else {
      ByteSet indent;
      indent.set(' ');
      indent.set('\t');
      const RuleId ws = b_.add_rule("ws");
      b_.define(ws, b_.optional(b_.alt(
                        {b_.byte(' '),
                         b_.seq({b_.byte('\n'), b_.repeat(b_.bytes(indent), 0, max_indent)})})));
      ws_ = b_.call(ws);
    }
    string_ = b_.add_rule("string");
    b_.define(string_, b_.seq({b_.byte('"'), b_.star(any_json_char(b_)), b_.byte('"')}));
  }

  Status run() {
    ST_TRY(check_tree(root_, 0));
    ST_ASSIGN_OR_RETURN(RuleId root, rule_for(Conj{ptr_of(&root_)}));
    b_.set_root(root);
    if (b_.overflowed()) return error_at(0, "the schema is too large");
    return {};
  }

 private:
  Error error_at(size_t offset, const std::string& msg) const {
    return Error(ErrorCode::kInvalidArgument,
                 "json schema: " + line_column(text_, offset) + ": " + msg);
  }

  // Checks every schema in the document (also those only reached through $ref) for keywords and
  // their value types.
  Status check_tree(const JsonValue& s, int depth) {
    if (s.is_bool()) return {};
    if (!s.is_object()) return error_at(s.offset, "a schema must be an object or a boolean");
    for (const JsonValue::Member& m : s.members) {
      const std::string& k = m.key;
      const JsonValue& v = m.value;
      auto bad = [&](const std::string& what) {
        return error_at(m.value.offset, "\"" + k + "\" must be " + what);
      };
      if (k == "$defs" || k == "definitions" || k == "properties") {
        if (!v.is_object()) return bad("an object");
        for (const JsonValue::Member& d : v.members) ST_TRY(check_tree(d.value, depth + 1));
      } else if (k == "items") {
        if (v.is_array()) {
          for (const JsonValue& x : v.items) ST_TRY(check_tree(x, depth + 1));
        } else {
          ST_TRY(check_tree(v, depth + 1));
        }
      } else if (k == "prefixItems" || k == "anyOf" || k == "oneOf" || k == "allOf") {
        if (!v.is_array() || v.items.empty()) return bad("a non-empty array");
        for (const JsonValue& x : v.items) ST_TRY(check_tree(x, depth + 1));
      } else if (k == "additionalProperties" || k == "additionalItems") {
        ST_TRY(check_tree(v, depth + 1));
      } else if (k == "type") {
        std::vector<const JsonValue*> names;
        if (v.is_array()) {
          for (const JsonValue& x : v.items) names.push_back(&x);
        } else {
          names.push_back(&v);
        }
        if (names.empty()) return bad("a type name or a non-empty list of them");
        for (const JsonValue* n : names)
          if (!n->is_string() || !type_bits(n->text))
            return error_at(n->offset, "unknown type \"" +
                                           (n->is_string() ? n->text : json_serialize(*n)) + "\"");
      } else if (k == "enum") {
        if (!v.is_array()) return bad("an array");
      } else if (k == "required") {
        if (!v.is_array()) return bad("an array of strings");
        for (const JsonValue& x : v.items)
          if (!x.is_string()) return error_at(x.offset, "\"required\" must list strings");
      } else if (k == "minItems" || k == "maxItems" || k == "minLength" || k == "maxLength") {
        if (!v.is_integer() || v.number < 0) return bad("a non-negative integer");
      } else if (k == "minimum" || k == "maximum" || k == "exclusiveMinimum" ||
                 k == "exclusiveMaximum") {
        if (v.is_bool())
          return error_at(m.key_offset, "\"" + k + "\" as a boolean (draft 4) is not supported");
        if (!v.is_number() || !parse_decimal(v.text)) return bad("a number");
      } else if (k == "pattern") {
        if (!v.is_string()) return bad("a string");
        GrammarBuilder scratch;
        Result<ExprId> e =
            compile_regex(scratch, v.text, Encoding::kJsonString, RegexMode::kSearch);
        if (!e) return error_at(v.offset, "in \"pattern\": " + e.error().message());
      } else if (k == "format") {
        if (!v.is_string()) return bad("a string");
        if (!format_regex(v.text))
          return error_at(v.offset, "unsupported format \"" + v.text + "\"");
      } else if (k == "$ref") {
        if (!v.is_string()) return bad("a string");
        if (v.text.empty() || v.text[0] != '#')
          return error_at(v.offset, "unsupported remote reference \"" + v.text +
                                        "\" (only \"#...\" is supported)");
        if (!resolve_ref(root_, v.text))
          return error_at(v.offset, "the reference \"" + v.text + "\" does not resolve");
        for (const JsonValue::Member& o : s.members)
          if (o.key != "$ref" && !is_annotation(o.key))
            return error_at(o.key_offset, "\"" + o.key + "\" next to \"$ref\" is not supported");
      } else if (k == "nullable") {
        if (!v.is_bool()) return bad("a boolean");
      } else if (!is_supported(k) && !is_annotation(k)) {
        return error_at(m.key_offset, "unsupported keyword \"" + k + "\"");
      }
    }
    return {};
  }

  // Adds the node (following $ref and allOf) to the conjunction.
  Status add_node(Conj& c, uintptr_t x, int depth) {
    if (depth > 64) return error_at(node_of(x)->offset, "references nested too deeply");
    const JsonValue* n = node_of(x);
    for (uintptr_t y : c)
      if ((y & ~kSplit) == (x & ~kSplit) && (y & kSplit) >= (x & kSplit)) return {};
    if (n->is_object()) {
      if (const JsonValue* ref = n->find("$ref")) {
        const JsonValue* target = resolve_ref(root_, ref->text);
        if (target == n)
          return error_at(ref->offset, "the reference \"" + ref->text + "\" refers to itself");
        return add_node(c, ptr_of(target), depth + 1);
      }
      add_to(c, x);
      if (const JsonValue* all = n->find("allOf"))
        for (const JsonValue& s : all->items) ST_TRY(add_node(c, ptr_of(&s), depth + 1));
      return {};
    }
    add_to(c, x);
    return {};
  }

  Result<Conj> closure(const Conj& in) {
    Conj c;
    for (uintptr_t x : in) ST_TRY(add_node(c, x, 0));
    // Document order: properties merged from several nodes keep the order they are written in.
    std::sort(c.begin(), c.end(), [](uintptr_t a, uintptr_t b) {
      const JsonValue* na = node_of(a);
      const JsonValue* nb = node_of(b);
      return na->offset != nb->offset ? na->offset < nb->offset : a < b;
    });
    return c;
  }

  Result<RuleId> rule_for(const Conj& in) {
    ST_ASSIGN_OR_RETURN(Conj c, closure(in));
    const std::string key(reinterpret_cast<const char*>(c.data()), c.size() * sizeof(uintptr_t));
    auto it = rules_.find(key);
    if (it != rules_.end()) return it->second;
    const RuleId r = b_.add_rule("schema" + std::to_string(rules_.size()));
    rules_.emplace(key, r);
    if (b_.overflowed()) return error_at(0, "the schema is too large");
    ST_ASSIGN_OR_RETURN(ExprId body, compile(c));
    b_.define(r, body);
    return r;
  }

  ExprId call_conj_or_nothing(const Result<RuleId>& r) { return r ? b_.call(*r) : b_.nothing(); }

  void merge_node(Merged& m, const JsonValue& n) {
    if (n.is_bool()) {
      if (!n.boolean) m.never = true;
      return;
    }
    if (const JsonValue* t = n.find("type")) {
      uint8_t bits = 0;
      if (t->is_string()) bits = type_bits(t->text);
      for (const JsonValue& x : t->items) bits |= type_bits(x.text);
      if (const JsonValue* nl = n.find("nullable"); nl && nl->boolean) bits |= kTNull;
      m.types &= bits;
    }
    merge_values(m, n);
    auto num = [&](const char* k) -> std::optional<int64_t> {
      const JsonValue* v = n.find(k);
      if (!v) return std::nullopt;
      return v->number > 1e15 ? int64_t{1000000000000000} : static_cast<int64_t>(v->number);
    };
    if (auto v = num("minLength")) m.min_len = std::max(m.min_len, *v);
    if (auto v = num("maxLength")) m.max_len = m.max_len < 0 ? *v : std::min(m.max_len, *v);
    if (auto v = num("minItems")) m.min_items = std::max(m.min_items, *v);
    if (auto v = num("maxItems")) m.max_items = m.max_items < 0 ? *v : std::min(m.max_items, *v);
    if (const JsonValue* p = n.find("pattern")) m.patterns.push_back(p->text);
    if (const JsonValue* f = n.find("format")) m.formats.push_back(f->text);
    auto tighten = [](std::optional<Bound>& cur, const Bound& b, bool lower) {
      if (!cur) {
        cur = b;
        return;
      }
      const int c = compare(b.value, cur->value);
      if ((lower ? c > 0 : c < 0) || (c == 0 && b.strict)) cur = b;
    };
    for (const char* k : {"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"}) {
      const JsonValue* v = n.find(k);
      if (!v) continue;
      const std::string_view key = k;
      Bound b{*parse_decimal(v->text), key.rfind("exclusive", 0) == 0};
      tighten(key.find("inimum") != std::string_view::npos ? m.lo : m.hi, b,
              key.find("inimum") != std::string_view::npos);
    }
    // Arrays: per-position schemas and the rest.
    const JsonValue* prefix = n.find("prefixItems");
    const JsonValue* items = n.find("items");
    std::optional<Conj> rest = Conj{};
    std::vector<Conj> pre;
    if (items && items->is_array()) {
      for (const JsonValue& x : items->items) pre.push_back(Conj{ptr_of(&x)});
      if (const JsonValue* add = n.find("additionalItems")) rest = Conj{ptr_of(add)};
    } else {
      if (prefix)
        for (const JsonValue& x : prefix->items) pre.push_back(Conj{ptr_of(&x)});
      if (items) rest = Conj{ptr_of(items)};
    }
    const size_t p = std::max(pre.size(), m.prefix.size());
    std::vector<Conj> merged_prefix(p);
    for (size_t i = 0; i < p; ++i) {
      bool ok = true;
      for (const auto& [list, r] :
           {std::pair<const std::vector<Conj>*, const std::optional<Conj>*>{&pre, &rest},
            {&m.prefix, &m.rest}}) {
        if (i < list->size()) {
          for (uintptr_t x : (*list)[i]) add_to(merged_prefix[i], x);
        } else if (*r) {
          for (uintptr_t x : **r) add_to(merged_prefix[i], x);
        } else {
          ok = false;
        }
      }
      if (!ok) {
        // No element may appear at position i: the array ends before it.
        merged_prefix.resize(i);
        m.max_items = m.max_items < 0 ? static_cast<int64_t>(i)
                                      : std::min<int64_t>(m.max_items, static_cast<int64_t>(i));
        break;
      }
    }
    m.prefix = std::move(merged_prefix);
    if (!rest || !m.rest) {
      m.rest.reset();
    } else {
      for (uintptr_t x : *rest) add_to(*m.rest, x);
    }
    // Objects.
    const JsonValue* props = n.find("properties");
    std::optional<Conj> add = Conj{};
    if (const JsonValue* a = n.find("additionalProperties")) add = Conj{ptr_of(a)};
    static const JsonValue kFalse = [] {
      JsonValue f;
      f.type = JsonValue::Type::kBool;
      f.offset = SIZE_MAX;  // after every node of the document
      return f;
    }();
    // A key the other side does not declare must satisfy that side's additionalProperties.
    for (auto& [key, conj] : m.props) {
      const JsonValue* s = props ? props->find(key) : nullptr;
      if (s) {
        add_to(conj, ptr_of(s));
      } else if (add) {
        for (uintptr_t x : *add) add_to(conj, x);
      } else {
        add_to(conj, ptr_of(&kFalse));
      }
    }
    if (props) {
      for (const JsonValue::Member& pm : props->members) {
        bool known = false;
        for (const auto& kv : m.props) known = known || kv.first == pm.key;
        if (known) continue;
        Conj conj{ptr_of(&pm.value)};
        if (m.additional) {
          for (uintptr_t x : *m.additional) add_to(conj, x);
        } else {
          add_to(conj, ptr_of(&kFalse));
        }
        m.props.emplace_back(pm.key, std::move(conj));
      }
    }
    if (!add || !m.additional) {
      m.additional.reset();
    } else {
      for (uintptr_t x : *add) add_to(*m.additional, x);
    }
    if (const JsonValue* req = n.find("required"))
      for (const JsonValue& r : req->items)
        if (std::find(m.required.begin(), m.required.end(), r.text) == m.required.end())
          m.required.push_back(r.text);
  }

  Result<ExprId> compile(const Conj& c) {
    // Split the first anyOf/oneOf not yet split into one rule per alternative.
    for (uintptr_t x : c) {
      const JsonValue* n = node_of(x);
      if ((x & kSplit) || !n->is_object()) continue;
      const JsonValue::Member* any = n->find_member("anyOf");
      const JsonValue::Member* one = n->find_member("oneOf");
      if (!any && !one) continue;
      if (any && one)
        return error_at(one->key_offset,
                        "\"oneOf\" together with \"anyOf\" in one schema is not supported");
      const JsonValue::Member* group = any ? any : one;
      Conj base = c;
      for (uintptr_t& y : base)
        if (y == x) y |= kSplit;
      std::vector<ExprId> alts;
      std::vector<Merged> merged;
      for (const JsonValue& alt : group->value.items) {
        Conj branch = base;
        branch.push_back(ptr_of(&alt));
        if (group == one) {
          ST_ASSIGN_OR_RETURN(Conj closed, closure(branch));
          Merged mb;
          for (uintptr_t y : closed) merge_node(mb, *node_of(y));
          merged.push_back(std::move(mb));
        }
        ST_ASSIGN_OR_RETURN(RuleId r, rule_for(branch));
        alts.push_back(b_.call(r));
      }
      if (group == one)
        for (size_t i = 0; i < merged.size(); ++i)
          for (size_t j = i + 1; j < merged.size(); ++j)
            if (!disjoint(merged[i], merged[j]))
              return error_at(group->key_offset,
                              "\"oneOf\" whose alternatives " + std::to_string(i) + " and " +
                                  std::to_string(j) +
                                  " may both match is not supported (use \"anyOf\")");
      return b_.alt(alts);
    }
    Merged m;
    for (uintptr_t x : c) merge_node(m, *node_of(x));
    if (m.never) return b_.nothing();
    if (m.has_enum) {
      std::vector<ExprId> alts;
      for (const JsonValue* v : m.enums) {
        bool ok = true;
        for (uintptr_t x : c) ok = ok && validator_.valid(*node_of(x), *v);
        if (ok) alts.push_back(b_.literal(json_serialize(*v)));
      }
      return b_.alt(alts);
    }
    std::vector<ExprId> alts;
    if (m.types & kTNull) alts.push_back(b_.literal("null"));
    if (m.types & kTBool) alts.push_back(b_.alt({b_.literal("true"), b_.literal("false")}));
    if (m.types & kTInteger) {
      const bool integer = (m.types & kTNumber) != kTNumber;
      Result<ExprId> e = number_expr(b_, m.lo, m.hi, integer);
      if (!e) return error_at(node_of(c.front())->offset, e.error().message());
      alts.push_back(*e);
    }
    if (m.types & kTString) {
      ST_ASSIGN_OR_RETURN(ExprId s, string_expr(m, c));
      alts.push_back(s);
    }
    if (m.types & kTArray) {
      ST_ASSIGN_OR_RETURN(ExprId a, array_expr(m));
      alts.push_back(a);
    }
    if (m.types & kTObject) {
      ST_ASSIGN_OR_RETURN(ExprId o, object_expr(m));
      alts.push_back(o);
    }
    return b_.alt(alts);
  }

  // Whether no value can satisfy both.
  static bool disjoint(const Merged& a, const Merged& b) {
    if ((a.types & b.types) == 0) return true;
    if (a.has_enum && b.has_enum) {
      for (const JsonValue* x : a.enums)
        for (const JsonValue* y : b.enums)
          if (json_equal(*x, *y)) return false;
      return true;
    }
    // Objects told apart by a required property with distinct constants.
    if ((a.types & b.types) == kTObject) {
      for (const std::string& r : a.required) {
        if (std::find(b.required.begin(), b.required.end(), r) == b.required.end()) continue;
        const Conj* ca = nullptr;
        const Conj* cb = nullptr;
        for (const auto& kv : a.props)
          if (kv.first == r) ca = &kv.second;
        for (const auto& kv : b.props)
          if (kv.first == r) cb = &kv.second;
        if (!ca || !cb) continue;
        Merged ma, mb;
        for (uintptr_t x : *ca) merge_values(ma, *node_of(x));
        for (uintptr_t x : *cb) merge_values(mb, *node_of(x));
        if (ma.has_enum && mb.has_enum && disjoint(ma, mb)) return true;
      }
    }
    return false;
  }
  Result<ExprId> string_expr(const Merged& m, const Conj& c) {
    const int64_t kMaxLen = 100000;
    if (m.min_len > kMaxLen || m.max_len > kMaxLen)
      return error_at(node_of(c.front())->offset, "string lengths above 100000 are not supported");
    const int32_t lo = static_cast<int32_t>(m.min_len);
    const int32_t hi = m.max_len < 0 ? kUnbounded : static_cast<int32_t>(m.max_len);
    if (m.patterns.empty() && m.formats.empty()) {
      if (lo == 0 && hi == kUnbounded) return b_.call(string_);
      return b_.seq({b_.byte('"'), b_.repeat(any_json_char(b_), lo, hi), b_.byte('"')});
    }
    // Patterns and formats work on characters: such strings are matched in canonical spelling.
    std::vector<ExprId> parts;
    if (lo > 0 || hi != kUnbounded)
      parts.push_back(b_.repeat(char_expr(b_, CharSet::all(), Encoding::kJsonString), lo, hi));
    for (const std::string& p : m.patterns) {
      Result<ExprId> e = compile_regex(b_, p, Encoding::kJsonString, RegexMode::kSearch);
      if (!e) return error_at(node_of(c.front())->offset, e.error().message());
      parts.push_back(*e);
    }
    for (const std::string& f : m.formats) {
      Result<ExprId> e =
          compile_regex(b_, format_regex(f), Encoding::kJsonString, RegexMode::kFullMatch);
      if (!e) return error_at(node_of(c.front())->offset, e.error().message());
      parts.push_back(*e);
    }
    ExprId body = parts[0];
    for (size_t i = 1; i < parts.size(); ++i) body = b_.intersect(body, parts[i]);
    return b_.seq({b_.byte('"'), body, b_.byte('"')});
  }

  ExprId sep() { return b_.seq({ws_, b_.byte(','), ws_}); }

  Result<ExprId> array_expr(const Merged& m) {
    const int64_t kMaxItems = 10000;
    if (m.min_items > kMaxItems || m.max_items > kMaxItems ||
        m.prefix.size() > static_cast<size_t>(kMaxItems))
      return error_at(0, "array bounds above 10000 items are not supported");
    const int64_t max = m.max_items;
    const int64_t min = m.min_items;
    const size_t usable =
        max < 0 ? m.prefix.size() : std::min<size_t>(m.prefix.size(), static_cast<size_t>(max));
    std::vector<ExprId> elems;
    for (size_t i = 0; i < usable; ++i)
      elems.push_back(call_conj_or_nothing(rule_for(m.prefix[i])));
    std::optional<ExprId> rest;
    const bool rest_allowed = m.rest && (max < 0 || static_cast<size_t>(max) > usable);
    if (rest_allowed) rest = call_conj_or_nothing(rule_for(*m.rest));
    // tail(i): the elements from position i on, after position i - 1 was written.
    const int64_t p = static_cast<int64_t>(usable);
    ExprId tail;
    if (rest) {
      const int64_t lo = std::max<int64_t>(0, min - std::max<int64_t>(p, 1));
      const int64_t hi = max < 0 ? kUnbounded : max - std::max<int64_t>(p, 1);
      tail = b_.repeat(b_.seq({sep(), *rest}), static_cast<int32_t>(lo), static_cast<int32_t>(hi));
    } else {
      tail = min > p ? b_.nothing() : b_.empty();
    }
    for (int64_t i = p - 1; i >= 1; --i) {
      const ExprId item = b_.seq({sep(), elems[static_cast<size_t>(i)], tail});
      tail = i < min ? item : b_.optional(item);
    }
    ExprId body;
    if (p >= 1) {
      body = b_.seq({elems[0], tail});
    } else if (rest) {
      body = b_.seq({*rest, tail});
    } else {
      body = min > 0 ? b_.nothing() : b_.empty();
    }
    if (min == 0) body = b_.optional(body);
    return b_.seq({b_.byte('['), ws_, body, ws_, b_.byte(']')});
  }

  Result<ExprId> object_expr(const Merged& m) {
    // Declared properties in order, then required names not declared (valued by
    // additionalProperties), then any number of additional properties.
    std::vector<std::pair<std::string, Conj>> entries = m.props;
    for (const std::string& r : m.required) {
      bool declared = false;
      for (const auto& kv : entries) declared = declared || kv.first == r;
      if (!declared) entries.emplace_back(r, m.additional ? *m.additional : Conj{});
      if (!declared && !m.additional) return b_.nothing();
    }
    std::vector<ExprId> kv;
    std::vector<bool> req;
    std::vector<ExprId> declared_keys;
    for (const auto& [key, conj] : entries) {
      std::string quoted = "\"";
      append_json_escaped(key, quoted);
      quoted += '"';
      declared_keys.push_back(text_expr(b_, key, Encoding::kJsonString));
      kv.push_back(b_.seq(
          {b_.literal(quoted), ws_, b_.byte(':'), ws_, call_conj_or_nothing(rule_for(conj))}));
      req.push_back(std::find(m.required.begin(), m.required.end(), key) != m.required.end());
    }
    std::optional<ExprId> extra;
    if (m.additional) {
      const ExprId any_key = b_.star(char_expr(b_, CharSet::all(), Encoding::kJsonString));
      const ExprId key_body =
          declared_keys.empty() ? any_key : b_.minus(any_key, b_.alt(declared_keys));
      extra = b_.seq({b_.byte('"'), key_body, b_.byte('"'), ws_, b_.byte(':'), ws_,
                      call_conj_or_nothing(rule_for(*m.additional))});
    }
    // after[i]: entries i.. once something was written (each a rule ending in a tail call, so the
    // stack stays flat).
    const size_t n = kv.size();
    const std::string base = "obj" + std::to_string(objects_++);
    std::vector<RuleId> after(n + 1);
    for (size_t i = 0; i <= n; ++i) after[i] = b_.add_rule(base + ".after" + std::to_string(i));
    b_.define(after[n], extra ? b_.star(b_.seq({sep(), *extra})) : b_.empty());
    for (size_t i = n; i-- > 0;) {
      const ExprId item = b_.seq({sep(), kv[i]});
      b_.define(after[i], b_.seq({req[i] ? item : b_.optional(item), b_.call(after[i + 1])}));
    }
    // first: the first entry written, the ones before it being optional.
    ExprId first = extra ? b_.optional(b_.seq({*extra, b_.call(after[n])})) : b_.empty();
    for (size_t i = n; i-- > 0;) {
      const ExprId here = b_.seq({kv[i], b_.call(after[i + 1])});
      first = req[i] ? here : b_.alt({here, first});
    }
    return b_.seq({b_.byte('{'), ws_, first, ws_, b_.byte('}')});
  }

  GrammarBuilder& b_;
  std::string_view text_;
  const JsonValue& root_;
  SchemaValidator validator_;
  ExprId ws_ = 0;
  RuleId string_ = 0;
  std::map<std::string, RuleId> rules_;
  size_t objects_ = 0;
};

}  // namespace

Status compile_json_schema(GrammarBuilder& b, std::string_view text, int max_indent) {
  ST_ASSIGN_OR_RETURN(JsonValue root, parse_json(text, "json schema"));
  return SchemaCompiler(b, text, root, max_indent).run();
}

}  // namespace shoptalk::engine::constraint
