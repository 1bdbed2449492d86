#include "engine/tokenizer/tokenizer.h"

#include <algorithm>
#include <cstdio>

#include "engine/tokenizer/bpe.h"
#include "engine/tokenizer/byte_level.h"
#include "engine/tokenizer/special_tokens.h"
#include "engine/tokenizer/spm.h"
#include "engine/tokenizer/unicode.h"
#include "engine/tokenizer/vocab.h"
#include "formats/try.h"

namespace shoptalk::engine {

namespace {

constexpr std::string_view kSpmSpace = "\xE2\x96\x81";  // U+2581 LOWER ONE EIGHTH BLOCK

// Scratch buffers of one tokenize() call.
struct TokenizeScratch {
  std::vector<Fragment> fragments;
  std::vector<uint32_t> cps;
  std::vector<uint16_t> flags;
  std::vector<size_t> ends;
  std::string piece;
  BpeModel::Scratch bpe;
};

}  // namespace

struct Tokenizer::Impl {
  Vocab vocab;
  size_t max_piece_bytes = 0;  // a token's piece is never longer than its text
  std::optional<BpeModel> bpe;
  std::optional<SpmModel> spm;
  std::optional<SpecialTokenMatcher> special;

  void encode_bpe(std::string_view text, TokenizeScratch& s, std::vector<int32_t>& out) const {
    s.cps.clear();
    unicode::utf8_to_codepoints(text, s.cps);
    if (vocab.nfc) unicode::normalize_nfc(s.cps);
    s.ends.clear();
    pretokenize(vocab.pre, s.cps, s.flags, s.ends);
    size_t start = 0;
    for (size_t end : s.ends) {
      s.piece.clear();
      for (size_t i = start; i < end; ++i) unicode::append_utf8(s.cps[i], s.piece);
      bpe->encode(s.piece, vocab, s.bpe, out);
      start = end;
    }
  }

  void encode_spm(std::string_view text, bool prefix_space, std::vector<int32_t>& out) const {
    std::string clean;
    if (prefix_space) clean.push_back(' ');
    unicode::append_sanitized_utf8(text, clean);
    std::string escaped;
    escaped.reserve(clean.size() + clean.size() / 2);
    for (char c : clean) {
      if (c == ' ')
        escaped.append(kSpmSpace);
      else
        escaped.push_back(c);
    }
    spm->encode(escaped, vocab, out);
  }
};

Result<Tokenizer> Tokenizer::from_gguf(const gguf::GgufFile& file) {
  auto impl = std::make_shared<Impl>();
  ST_ASSIGN_OR_RETURN(impl->vocab, load_vocab(file));
  if (impl->vocab.model == VocabModel::kBpe) {
    ST_ASSIGN_OR_RETURN(BpeModel bpe, BpeModel::load(file, impl->vocab));
    impl->bpe.emplace(std::move(bpe));
  } else {
    impl->spm.emplace(impl->vocab);
  }
  impl->special.emplace(impl->vocab);
  for (int32_t id = 0; id < impl->vocab.size(); ++id)
    impl->max_piece_bytes = std::max(impl->max_piece_bytes, impl->vocab.text(id).size());
  return Tokenizer(std::move(impl));
}

std::vector<int32_t> Tokenizer::tokenize(std::string_view text, bool add_special,
                                         bool parse_special) const {
  const Impl& m = *impl_;
  const Vocab& v = m.vocab;
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 4);
  TokenizeScratch s;
  m.special->partition(text, parse_special, v, s.fragments);
  bool after_special =
      true;  // SPM: a space is prefixed to the first raw fragment and after specials
  if (add_special && v.add_bos) out.push_back(v.bos);
  for (const Fragment& f : s.fragments) {
    if (f.token >= 0) {
      out.push_back(f.token);
      after_special = true;
      continue;
    }
    if (m.bpe) {
      m.encode_bpe(f.text, s, out);
    } else {
      m.encode_spm(f.text, v.add_space_prefix && after_special, out);
    }
    after_special = false;
  }
  if (add_special && v.add_eos) out.push_back(v.eos);
  return out;
}

Status Tokenizer::check_id(int32_t id) const {
  if (is_valid(id)) return {};
  return Error(ErrorCode::kInvalidArgument, "token id " + std::to_string(id) +
                                                " is outside the vocabulary (size " +
                                                std::to_string(n_vocab()) + ")");
}

void Tokenizer::append_piece(int32_t id, bool special, std::string& out) const {
  const Vocab& v = impl_->vocab;
  const uint16_t attr = v.attrs[static_cast<size_t>(id)];
  const std::string_view text = v.text(id);
  if (attr & (kAttrControl | kAttrUnknown)) {
    if (special) out.append(text);
  } else if (attr & kAttrUserDefined) {
    out.append(text);
  } else if (attr & kAttrByte) {
    unsigned value = 0;
    if (text.size() == 6 && std::sscanf(std::string(text).c_str(), "<0x%02X>", &value) == 1)
      out.push_back(static_cast<char>(value));
  } else if (attr & kAttrNormal) {
    if (v.model == VocabModel::kSpm) {
      for (size_t i = 0; i < text.size();) {
        if (text.compare(i, kSpmSpace.size(), kSpmSpace) == 0) {
          out.push_back(' ');
          i += kSpmSpace.size();
        } else {
          out.push_back(text[i++]);
        }
      }
      return;
    }
    for (size_t i = 0; i < text.size();) {
      const unicode::Utf8Step step = unicode::decode_utf8(text.substr(i));
      const size_t len = step.status == unicode::Utf8Status::kOk ? step.len : 1;
      const int byte =
          step.status == unicode::Utf8Status::kOk ? byte_level::codepoint_to_byte(step.cp) : -1;
      if (byte >= 0) {
        out.push_back(static_cast<char>(byte));
      } else {
        out += "[UNK_BYTE_0x";
        for (size_t k = 0; k < len; ++k) {
          char hex[3];
          std::snprintf(hex, sizeof(hex), "%02x", static_cast<uint8_t>(text[i + k]));
          out += hex;
        }
        out += "]";
      }
      i += len;
    }
  }
}

Result<std::string> Tokenizer::token_to_piece(int32_t id, bool special) const {
  ST_TRY(check_id(id));
  std::string out;
  append_piece(id, special, out);
  return out;
}

Result<std::string> Tokenizer::detokenize(const std::vector<int32_t>& ids, bool special) const {
  std::string raw;
  bool started = false;
  for (int32_t id : ids) {
    ST_TRY(check_id(id));
    const size_t before = raw.size();
    append_piece(id, special, raw);
    if (!started && raw.size() > before) {
      started = true;
      if (strips_leading_space() && raw[before] == ' ') raw.erase(before, 1);
    }
  }
  std::string out;
  out.reserve(raw.size());
  unicode::append_sanitized_utf8(raw, out);
  return out;
}

int32_t Tokenizer::n_vocab() const {
  return impl_->vocab.size();
}
int32_t Tokenizer::bos_id() const {
  return impl_->vocab.bos;
}
int32_t Tokenizer::eos_id() const {
  return impl_->vocab.eos;
}
bool Tokenizer::add_bos() const {
  return impl_->vocab.add_bos;
}
bool Tokenizer::add_eos() const {
  return impl_->vocab.add_eos;
}

bool Tokenizer::is_eog(int32_t id) const {
  const std::vector<int32_t>& eog = impl_->vocab.eog;
  return std::binary_search(eog.begin(), eog.end(), id);
}

const std::vector<int32_t>& Tokenizer::eog_ids() const {
  return impl_->vocab.eog;
}

std::optional<int32_t> Tokenizer::find_token(std::string_view text) const {
  const int32_t id = impl_->vocab.find(text);
  if (id < 0) return std::nullopt;
  return id;
}

Result<std::string_view> Tokenizer::token_text(int32_t id) const {
  ST_TRY(check_id(id));
  return impl_->vocab.text(id);
}

bool Tokenizer::is_text_token(int32_t id) const {
  return is_valid(id) &&
         (impl_->vocab.attrs[static_cast<size_t>(id)] & (kAttrNormal | kAttrByte)) != 0;
}

size_t Tokenizer::max_piece_bytes() const {
  return impl_->max_piece_bytes;
}

bool Tokenizer::strips_leading_space() const {
  return impl_->vocab.model == VocabModel::kSpm && impl_->vocab.add_space_prefix;
}

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, bool special)
    : tokenizer_(&tokenizer), special_(special) {
  // A piece, after at most 3 bytes of an unfinished character.
  pending_.reserve(tokenizer.max_piece_bytes() + 3);
}

Status StreamDecoder::push(int32_t id, std::string& out) {
  ST_TRY(tokenizer_->check_id(id));
  const size_t before = pending_.size();
  tokenizer_->append_piece(id, special_, pending_);
  if (!started_ && pending_.size() > before) {
    started_ = true;
    if (tokenizer_->strips_leading_space() && pending_[before] == ' ') pending_.erase(before, 1);
  }
  // Emit everything up to a trailing sequence that is valid so far but incomplete.
  size_t i = 0;
  while (i < pending_.size()) {
    const unicode::Utf8Step step = unicode::decode_utf8(std::string_view(pending_).substr(i));
    if (step.status == unicode::Utf8Status::kTruncated) break;
    if (step.status == unicode::Utf8Status::kOk) {
      out.append(pending_, i, step.len);
      i += step.len;
    } else {
      unicode::append_utf8(unicode::kReplacementChar, out);
      ++i;
    }
  }
  pending_.erase(0, i);
  return {};
}

void StreamDecoder::flush(std::string& out) {
  unicode::append_sanitized_utf8(pending_, out);
  pending_.clear();
  started_ = false;
}

}  // namespace shoptalk::engine
