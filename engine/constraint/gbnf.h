// llama.cpp's GBNF grammar syntax, so existing grammars work unchanged:
//
//   root  ::= "{" ws item ("," ws item)* "}"     # rules; `root` is where matching starts
//   item  ::= [a-z]+ | "\"" [^"\\]* "\""           # alternatives, literals, classes
//   ws    ::= [ \t\n]{0,4}                         # * + ? {m} {m,} {m,n}, groups ( ), `.`
//
// Literals and classes are over Unicode code points (matched as UTF-8) with the escapes \n \r \t
// \\ \" \[ \] \- \xHH \uHHHH \UHHHHHHHH; `.` is any character. A rule ends at the end of its line
// unless inside parentheses or after '|'; '#' starts a comment. Errors give "line L, column C".
#pragma once

#include <string_view>

#include "engine/constraint/grammar.h"
#include "shoptalk/result.hpp"

namespace shoptalk::engine::constraint {

// Adds the grammar's rules to `b` and sets its root. Errors: "grammar: line L, column C: ...".
Status parse_gbnf(GrammarBuilder& b, std::string_view text);

}  // namespace shoptalk::engine::constraint
