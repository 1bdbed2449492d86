// shoptalk::Constraint: JSON Schema, GBNF and regex constraints compiled for a model's vocabulary.
#include "engine/api/guard.h"
#include "engine/api/impl.h"
#include "formats/try.h"

namespace shoptalk {

namespace api {

std::shared_ptr<const engine::constraint::Vocabulary> constraint_vocabulary(const Model::Impl& m) {
  Model::Impl::LazyVocabulary& lazy = *m.constraint_vocab;
  std::call_once(lazy.once, [&] {
    lazy.vocab = engine::constraint::Vocabulary::from_tokenizer(*m.tokenizer);
  });
  return lazy.vocab;
}

engine::constraint::Kind engine_kind(ConstraintKind kind) {
  switch (kind) {
    case ConstraintKind::kGrammar:
      return engine::constraint::Kind::kGbnf;
    case ConstraintKind::kRegex:
      return engine::constraint::Kind::kRegex;
    case ConstraintKind::kJsonSchema:
      break;
  }
  return engine::constraint::Kind::kJsonSchema;
}

}  // namespace api

const char* constraint_kind_name(ConstraintKind kind) {
  switch (kind) {
    case ConstraintKind::kJsonSchema:
      return "json_schema";
    case ConstraintKind::kGrammar:
      return "grammar";
    case ConstraintKind::kRegex:
      return "regex";
  }
  return "unknown";
}

Result<Constraint> Constraint::compile(const Model& model, ConstraintKind kind,
                                       std::string_view text) {
  return api::guarded([&]() -> Result<Constraint> {
    if (kind != ConstraintKind::kJsonSchema && kind != ConstraintKind::kGrammar &&
        kind != ConstraintKind::kRegex)
      return Error(ErrorCode::kInvalidArgument, "unknown constraint kind");
    auto impl = std::make_shared<Impl>();
    impl->kind = kind;
    ST_ASSIGN_OR_RETURN(impl->compiled, engine::constraint::Constraint::compile(
                                            api::engine_kind(kind), text,
                                            api::constraint_vocabulary(*model.impl_)));
    return Constraint(std::move(impl));
  });
}

ConstraintKind Constraint::kind() const {
  return impl_->kind;
}

Status Constraint::check(std::string_view text) const {
  return api::guarded([&]() -> Status {
    engine::constraint::Matcher matcher(impl_->compiled);
    ST_TRY(matcher.accept_text(text));
    if (!matcher.can_end())
      return Error(ErrorCode::kInvalidArgument,
                   "constraint: the text is not a whole value (it stops inside one)");
    return {};
  });
}

}  // namespace shoptalk
