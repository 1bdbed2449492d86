// The matching machinery behind Constraint and Matcher: the grammar's automata run as a stack
// machine over bytes. A stack holds one frame per rule in progress (a grammar state, or a
// counter frame of a counted repetition); a configuration is the set of stacks the input so far
// can be in (usually one). Configurations are interned and their byte transitions cached lazily,
// so stepping a byte is one table lookup.
//
// Masks: a token is allowed when its bytes lead to a live configuration. Masks are computed by
// walking the token trie and cached per configuration. These keep that cheap:
// - The part of a mask decided by the innermost rule alone (the tokens it accepts without
//   returning) is computed once per stack top and shared by every context; only the tokens that
//   reach the rule's end continue in the context below, walked from the trie nodes where the
//   rule may return (skipping those whose subtree holds no character the context takes).
// - Masks look at most one token ahead (at most `horizon` bytes), so counters far from their
//   bounds are interchangeable: masks use configurations whose counters are clamped to "at
//   least horizon + 1 away", which makes a long bounded string cost a handful of masks.
// - Characters read in a loop or as the items of counted repetitions (free text, a string with
//   maxLength, [a-z]{1,12}) are decided by bucket and count: a trie subtree whose characters all
//   fall in buckets the configuration takes, no more of them than it takes, is allowed whole.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/constraint/constraint.h"
#include "engine/constraint/grammar.h"

namespace shoptalk::engine::constraint {

struct Runtime {
  static constexpr int32_t kUnknown = -2;
  static constexpr int32_t kDead = -1;
  // Bounds of one configuration: stacks deeper or more numerous than this are dropped (the
  // input is then treated as invalid: safe, never a wrong acceptance).
  static constexpr size_t kMaxDepth = 2048;
  static constexpr size_t kMaxStacks = 512;

  Runtime(Grammar grammar, const Vocabulary& vocab, size_t cache_bytes);

  // All below: the caller holds `mu`.
  int32_t initial() const { return initial_; }
  int32_t next(int32_t cfg, uint8_t byte) {
    const int32_t t = trans_[static_cast<size_t>(cfg) * K_ + g_.byte_class[byte]];
    return t != kUnknown ? t : step(cfg, byte);
  }
  // The mask of a configuration (computed on first use). Shared: the caller may copy it after
  // releasing the lock, even if a cache reset drops it meanwhile.
  using Mask = std::shared_ptr<const std::vector<uint32_t>>;
  const Mask& mask(int32_t cfg);
  bool accept(int32_t cfg) const { return cfgs_[static_cast<size_t>(cfg)].accept; }
  bool has_stacks(int32_t cfg) const { return cfgs_[static_cast<size_t>(cfg)].len > 0; }
  // The configuration's stacks ([len, frames...]*), and the configuration of such stacks.
  void copy_stacks(int32_t cfg, std::vector<int32_t>& out) const;
  int32_t intern(const std::vector<int32_t>& stacks, bool accept, bool clamped = false,
                 bool open = false);
  // Clears every cache when over budget; configuration ids are invalid afterwards (the epoch
  // changes).
  void trim();
  uint64_t epoch() const { return epoch_; }

  std::mutex mu;

 private:
  // How a configuration reads characters without a walk (see class_of).
  enum class Reads : int8_t { kUnknown, kNothing, kLoop, kCounted, kFirst };
  struct Cfg {
    uint32_t off = 0, len = 0;  // in pool_
    bool accept = false;
    bool clamped = false;  // counters are clamped (a configuration for masks)
    // Leaving the bottom frame continues in a context the stacks do not hold (a walk of a
    // stack's top part, see within), instead of ending the input.
    bool open = false;
    Reads reads = Reads::kUnknown;
    int8_t exact = -1;          // see exact_for: 1 yes (but for `rest`), 0 no, -1 not known
    uint64_t rest = 0;          // buckets of the characters that may follow, see exact_for
    int16_t reach = 0;          // characters it surely takes (255: any number)
    int32_t first = -1;         // kFirst: the configuration after one character
    uint64_t tested = 0;        // buckets tested (see reads_bucket)
    uint64_t passed = 0;        // and those it takes
    uint64_t next_buckets = 0;  // buckets of the bytes it may read next (see next_buckets)
    bool next_known = false;
    int32_t clamped_id = -1;
    int32_t mask = -1;  // index in masks_
  };
  // What a stack suffix decides alone: the tokens accepted without leaving it, and the trie
  // nodes at which it may be left (the rest of such tokens depends on the stack below).
  struct Within {
    std::vector<uint32_t> mask;
    std::vector<uint32_t> resume;  // trie node indexes
  };

  int32_t step(int32_t cfg, uint8_t byte);
  // How the configuration reads characters: kLoop, every character of a bucket it takes leads
  // back to it (free text; reach 255); kCounted, its stacks read counted items of one character
  // each (a string with maxLength, [a-z]{1,12}: reach is the items the counters still allow);
  // kFirst, one character leads to a configuration of those kinds (reach one more); else
  // kNothing.
  void class_of(int32_t cfg);
  // Whether the configuration takes every character of the bucket, as class_of says (memoized).
  bool reads_bucket(int32_t cfg, int bucket);
  // Whether it takes every character of every bucket of the set.
  bool reads_all(int32_t cfg, uint64_t buckets);
  // Decides the tokens of trie node i's subtree from cfg without a walk when every character of
  // it falls in buckets cfg takes: all allowed when none has more characters than the reach,
  // else by their count when longer text of those buckets is invalid (exact_for). Sets their
  // bits and returns true; false when the subtree needs a walk.
  bool decide(int32_t cfg, size_t node, uint32_t* bits);
  // Whether characters of the buckets beyond the reach are invalid from cfg: after the reach,
  // nothing reads them (and the walk's rule is not left).
  bool exact_for(int32_t cfg, uint64_t buckets);
  // Whether every character of the bucket leads cfg to `home`.
  bool chars_lead(int32_t cfg, int bucket, int32_t home);
  // Whether every continuation of `pending` bytes (the first in [lo, hi], the others in
  // [0x80, 0xBF]) from cfg stays live and ends in `home`.
  bool utf8_returns(int32_t cfg, int pending, uint8_t lo, uint8_t hi, int32_t home);
  // Whether a counter's item reads every character of the bucket as one whole item.
  bool item_reads(uint32_t counter, int bucket);
  // Whether, from a state of an item being read, every continuation of `pending` bytes (as in
  // utf8_returns) ends the item.
  bool item_ends(int32_t state, int pending, uint8_t lo, uint8_t hi) const;
  // The counted stacks of a clamped configuration: the offset in its stack list of each stack
  // whose top starts the item of the counter right below it.
  void counted_stacks(int32_t cfg, std::vector<size_t>& out) const;
  // The buckets of the bytes a grammar state reads.
  uint64_t state_buckets(int32_t state) const;
  // The buckets of the bytes the configuration's stacks may read next (an over-estimate).
  uint64_t next_buckets(int32_t cfg);
  // Adds every stack reachable from `stack` without consuming a byte to out_.
  void expand(std::vector<int32_t> stack, bool clamped);
  // Interns out_ (sorted) as a configuration.
  int32_t intern_out(bool clamped, bool open = false);
  int32_t clamped(int32_t cfg);
  // `open`: the suffix has a context below it.
  const Within& within(const std::vector<int32_t>& suffix, bool open);
  // Walks trie nodes [begin, end), whose parent is in configuration cfg, setting the bits of the
  // tokens that stay valid; collects the nodes reached in an accepting configuration when
  // `resume` is given.
  void walk(int32_t cfg, size_t begin, size_t end, uint32_t* bits, std::vector<uint32_t>* resume);
  void clear();

  // Counter frames: exact (counter c, count k) for matching; clamped (c, distance to the
  // minimum, distance to the maximum, each at most horizon + 1 meaning "farther") for masks.
  static constexpr int32_t kExactBase = 0x40000000;
  static constexpr int32_t kClampedBase = 0x60000000;
  static bool is_counter(int32_t f) { return f >= kExactBase; }
  int32_t exact_frame(uint32_t c, int32_t k) const {
    return kExactBase + static_cast<int32_t>(c << 17) + k;
  }
  int32_t clamped_frame(uint32_t c, int32_t to_min, int32_t to_max) const {
    return kClampedBase + static_cast<int32_t>((c << 18) | (static_cast<uint32_t>(to_min) << 9) |
                                               static_cast<uint32_t>(to_max));
  }
  int32_t clamp_distance(int64_t d) const { return d > far_ ? far_ : static_cast<int32_t>(d); }
  // Without counters, exact configurations serve for masks as they are.
  bool clamping() const { return !g_.counters.empty(); }

  Grammar g_;
  const Vocabulary& vocab_;
  size_t budget_;
  uint32_t K_;
  uint32_t n_rules_;
  int32_t far_;  // horizon + 1: the longest token in bytes, plus one
  uint64_t epoch_ = 1;
  int32_t initial_ = 0;
  std::vector<Cfg> cfgs_;
  // Per configuration, what the trie walk reads at every node: whether character subtrees may
  // be taken whole (cleared once class_of finds it reads nothing), and whether it accepts.
  static constexpr uint8_t kHotClass = 1, kHotAccept = 4;
  std::vector<uint8_t> hot_;
  std::vector<int32_t> pool_;
  std::unordered_map<std::string, int32_t> index_;
  std::vector<int32_t> trans_;
  std::vector<Mask> masks_;
  std::unordered_map<std::string, Within> within_;
  size_t mask_bytes_ = 0;
  // Per counter, the buckets item_reads tested and those it passed.
  std::vector<uint64_t> item_tested_, item_passed_;
  // Per byte class, the buckets of its bytes.
  std::vector<uint64_t> class_buckets_;

  // Scratch of expand()/step().
  std::vector<std::vector<int32_t>> out_;
  bool out_accept_ = false;
  std::unordered_set<std::string> seen_;
  std::vector<std::vector<int32_t>> work_;
};

}  // namespace shoptalk::engine::constraint
