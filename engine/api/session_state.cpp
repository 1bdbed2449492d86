// Session::save_state / load_state: the used KV cache rows, the tokens and the last logits,
// behind a fingerprint of the model and the session's cache layout and a checksum.
//
// Layout (native byte order; the fingerprint includes it):
//   "SHOPTKV2"  u64 fingerprint  u32 n_tokens  u32 n_logits (0 or n_vocab)
//   i32 tokens[n_tokens]  f32 logits[n_logits]
//   per layer and KV head: its K rows [0, n_tokens), then its V rows  (KvCache::head_bytes() each)
//   u64 checksum of everything before it
#include <cstdio>
#include <cstring>

#include "engine/api/guard.h"
#include "engine/api/impl.h"
#include "formats/try.h"

namespace shoptalk {

namespace {

constexpr char kMagic[8] = {'S', 'H', 'O', 'P', 'T', 'K', 'V', '2'};
// Version 1 stored each position's row of all heads (the cache layout before it was head-major).
constexpr char kMagicV1[8] = {'S', 'H', 'O', 'P', 'T', 'K', 'V', '1'};
constexpr size_t kHeaderBytes = sizeof(kMagic) + 8 + 4 + 4;

// FNV-1a, 64 bit.
class Hash {
 public:
  void bytes(const void* data, size_t n) {
    const auto* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < n; ++i) h_ = (h_ ^ p[i]) * 0x100000001b3u;
  }
  template <typename T>
  void value(const T& v) {
    bytes(&v, sizeof v);
  }
  void text(std::string_view s) {
    value(s.size());
    bytes(s.data(), s.size());
  }
  uint64_t get() const { return h_; }

 private:
  uint64_t h_ = 0xcbf29ce484222325u;
};

// The model (architecture, hyper-parameters, each tensor's name, type, shape, size and first
// bytes) and the session's cache layout (type, context).
uint64_t fingerprint(const engine::Session& session) {
  const engine::Model& model = session.model();
  const engine::HParams& hp = model.hparams();
  Hash h;
  h.value(uint32_t{0x01020304});  // byte order
  h.text(model.arch().name);
  for (uint32_t v : {hp.n_vocab, hp.n_ctx_train, hp.n_embd, hp.n_layer, hp.n_head, hp.n_head_kv,
                     hp.head_dim, hp.n_ff, hp.n_rot, hp.n_ctx_orig})
    h.value(v);
  for (float v : {hp.rms_eps, hp.rope_freq_base, hp.rope_freq_scale, hp.rope_attn_factor})
    h.value(v);
  for (const gguf::TensorInfo& t : model.file().tensors()) {
    h.text(t.name);
    h.value(static_cast<int32_t>(t.type));
    for (int64_t ne : t.ne) h.value(ne);
    h.value(t.nbytes);
    h.bytes(t.data, std::min<uint64_t>(t.nbytes, 64));
  }
  h.value(static_cast<int32_t>(session.kv_cache().type()));
  // Rotated (quantized) caches: states written before the rotation existed do not match.
  const engine::KvRotation& rotation = session.kv_cache().rotation();
  if (rotation.n_k() > 0 || rotation.n_v() > 0) {
    h.value(rotation.n_k());
    h.value(rotation.n_v());
  }
  h.value(session.n_ctx());
  return h.get();
}

uint64_t checksum(const uint8_t* data, size_t n) {
  Hash h;
  h.bytes(data, n);
  return h.get();
}

// Calls f(K rows, V rows) for every layer's every KV head, in the state's order.
template <class SessionT, class F>
void for_each_head_rows(SessionT& session, F f) {
  auto& kv = session.kv_cache();
  const engine::HParams& hp = session.model().hparams();
  for (uint32_t layer = 0; layer < hp.n_layer; ++layer)
    for (int64_t h = 0; h < hp.n_head_kv; ++h) f(kv.k_head(layer, h), kv.v_head(layer, h));
}

size_t state_bytes(const engine::Session& session, size_t n_tokens, size_t n_logits) {
  const size_t rows = 2 * size_t{session.model().hparams().n_layer} * n_tokens;
  return kHeaderBytes + n_tokens * sizeof(Token) + n_logits * sizeof(float) +
         rows * session.kv_cache().row_bytes() + sizeof(uint64_t);
}

class Writer {
 public:
  explicit Writer(uint8_t* p) : p_(p) {}
  void put(const void* data, size_t n) {
    if (n) std::memcpy(p_, data, n);
    p_ += n;
  }
  template <typename T>
  void value(const T& v) {
    put(&v, sizeof v);
  }

 private:
  uint8_t* p_;
};

class Reader {
 public:
  explicit Reader(const uint8_t* p) : p_(p) {}
  void get(void* data, size_t n) {
    if (n) std::memcpy(data, p_, n);
    p_ += n;
  }
  template <typename T>
  T value() {
    T v;
    get(&v, sizeof v);
    return v;
  }

 private:
  const uint8_t* p_;
};

Error mismatch(const std::string& why) {
  return Error(ErrorCode::kStateMismatch, "session state refused: " + why);
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

}  // namespace

Result<std::vector<uint8_t>> Session::save_state() const {
  return api::guarded([&]() -> Result<std::vector<uint8_t>> {
    const engine::Session& session = *impl_->session;
    const engine::KvCache& kv = session.kv_cache();
    const size_t n = impl_->tokens.size();
    const size_t n_logits = impl_->logits_known ? static_cast<size_t>(session.logits().n_vocab) : 0;
    std::vector<uint8_t> out(state_bytes(session, n, n_logits));
    Writer w(out.data());
    w.put(kMagic, sizeof kMagic);
    w.value(fingerprint(session));
    w.value(static_cast<uint32_t>(n));
    w.value(static_cast<uint32_t>(n_logits));
    w.put(impl_->tokens.data(), n * sizeof(Token));
    w.put(session.logits().data, n_logits * sizeof(float));
    for_each_head_rows(session, [&](const uint8_t* k, const uint8_t* v) {
      w.put(k, n * kv.head_bytes());
      w.put(v, n * kv.head_bytes());
    });
    w.value(checksum(out.data(), out.size() - sizeof(uint64_t)));
    return out;
  });
}

Status Session::load_state(const void* data, size_t size) {
  return api::guarded([&]() -> Status {
    engine::Session& session = *impl_->session;
    const auto* bytes = static_cast<const uint8_t*>(data);
    if (!data || size < kHeaderBytes + sizeof(uint64_t)) return mismatch("too short");
    Reader r(bytes);
    char magic[sizeof kMagic];
    r.get(magic, sizeof magic);
    if (std::memcmp(magic, kMagicV1, sizeof kMagicV1) == 0)
      return mismatch("written by an older shoptalk (version 1 cache layout); save it again");
    if (std::memcmp(magic, kMagic, sizeof kMagic) != 0) return mismatch("not a shoptalk state");
    const auto print = r.value<uint64_t>();
    const size_t n = r.value<uint32_t>();
    const size_t n_logits = r.value<uint32_t>();
    if (print != fingerprint(session))
      return mismatch("saved from another model, context or KV cache type");
    const int64_t n_vocab = session.model().hparams().n_vocab;
    if (n > session.n_ctx() || (n_logits != 0 && static_cast<int64_t>(n_logits) != n_vocab) ||
        (n_logits != 0) != (n != 0) || size != state_bytes(session, n, n_logits))
      return mismatch("truncated or inconsistent (" + std::to_string(size) + " bytes)");
    uint64_t sum;
    std::memcpy(&sum, bytes + size - sizeof sum, sizeof sum);
    if (sum != checksum(bytes, size - sizeof sum)) return mismatch("checksum mismatch (corrupt)");

    // Checked before anything of the session changes; then copied into the room it already has.
    const uint8_t* token_bytes = bytes + kHeaderBytes;
    for (size_t i = 0; i < n; ++i) {
      Token t;
      std::memcpy(&t, token_bytes + i * sizeof t, sizeof t);
      if (t < 0 || t >= n_vocab) return mismatch("token id " + std::to_string(t) + " out of range");
    }
    impl_->tokens.resize(n);
    r.get(impl_->tokens.data(), n * sizeof(Token));
    r.get(session.logits_row(), n_logits * sizeof(float));
    engine::KvCache& kv = session.kv_cache();
    for_each_head_rows(session, [&](uint8_t* k, uint8_t* v) {
      r.get(k, n * kv.head_bytes());
      r.get(v, n * kv.head_bytes());
    });
    session.restore_position(static_cast<int64_t>(n));
    impl_->logits_known = n_logits != 0;
    return {};
  });
}

Status Session::save_state_file(const std::string& path) const {
  return api::guarded([&]() -> Status {
    ST_ASSIGN_OR_RETURN(const std::vector<uint8_t> state, save_state());
    File f(std::fopen(path.c_str(), "wb"));
    if (!f) return Error(ErrorCode::kIo, "cannot create " + path);
    const bool written = std::fwrite(state.data(), 1, state.size(), f.get()) == state.size();
    if (!written || std::fclose(f.release()) != 0)
      return Error(ErrorCode::kIo, "cannot write " + path);
    return {};
  });
}

Status Session::load_state_file(const std::string& path) {
  return api::guarded([&]() -> Status {
    File f(std::fopen(path.c_str(), "rb"));
    if (!f) return Error(ErrorCode::kIo, "cannot open " + path);
    if (std::fseek(f.get(), 0, SEEK_END) != 0) return Error(ErrorCode::kIo, "cannot read " + path);
    const long size = std::ftell(f.get());
    if (size < 0 || std::fseek(f.get(), 0, SEEK_SET) != 0)
      return Error(ErrorCode::kIo, "cannot read " + path);
    const size_t limit = state_bytes(*impl_->session, impl_->session->n_ctx(),
                                     impl_->session->model().hparams().n_vocab);
    if (static_cast<size_t>(size) > limit)
      return mismatch(path + " is larger than any state of this session");
    std::vector<uint8_t> data(static_cast<size_t>(size));
    if (std::fread(data.data(), 1, data.size(), f.get()) != data.size())
      return Error(ErrorCode::kIo, "cannot read " + path);
    return load_state(data.data(), data.size());
  });
}

}  // namespace shoptalk
