#include "tiers.h"

#include "json.h"

namespace shoptalk::bench {

const std::vector<Tier>& default_tiers() {
  static const std::vector<Tier> kTiers = {
      {1,
       "ultra-edge",
       "Pi Zero 2, BeagleBone-class",
       uint64_t{1024} << 20,
       {{"qwen3-0.6b", "q4_k_m"}},
       0,
       std::nullopt},
      {2,
       "standard edge",
       "Pi 4/5, Jetson Nano",
       uint64_t{4096} << 20,
       {{"qwen3-1.7b", "q4_k_m"}, {"phi-4-mini", "q4_k_m"}},
       0,
       std::nullopt},
      {3,
       "hybrid",
       "edge box + cloud escalation (tier-1 model on device)",
       uint64_t{1024} << 20,
       {{"qwen3-0.6b", "q4_k_m"}},
       0,
       std::nullopt},
      // A 512 MB board: Qwen3-0.6B Q4_0 (358 MiB of weights) with a 2,048-token Q4_0 KV cache
      // (63 MiB) and its scratch (13 MiB) plan 434 MiB, within 450 MiB, leaving the rest to Linux
      // and the application. With a Q8_0 cache (119 MiB) the plan is 490 MiB: refused before the
      // model loads.
      {4,
       "512mb",
       "Pi Zero / Pi 1, BeagleBone Black: 512 MB of RAM",
       uint64_t{450} << 20,
       {{"qwen3-0.6b", "q4_0"}},
       2048,
       KvType::kQ4_0},
  };
  return kTiers;
}

namespace {
Error bad(const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, "tier table: " + what);
}

Result<std::string> text_field(const json::Json& v, const std::string& key,
                               const std::string& where) {
  const json::Json& field = json::member(v, key);
  if (!field.is_string() || field.get_ref<const std::string&>().empty())
    return bad(where + ": \"" + key + "\" must be a non-empty string");
  return field.get<std::string>();
}
}  // namespace

Result<std::vector<Tier>> parse_tiers(std::string_view json_text) {
  auto parsed = json::parse(json_text);
  if (!parsed) return bad("not JSON (" + parsed.error().message() + ")");
  const json::Json& list = json::member(*parsed, "tiers");
  if (!list.is_array() || list.empty()) return bad("needs a non-empty \"tiers\" array");
  std::vector<Tier> tiers;
  for (size_t i = 0; i < list.size(); ++i) {
    const json::Json& t = list[i];
    const std::string where = "tiers[" + std::to_string(i) + "]";
    Tier tier;
    const json::Json& id = json::member(t, "id");
    const double id_number = id.is_number() ? id.get<double>() : 0;
    if (id_number < 1 || id_number > 99 || id_number != static_cast<int>(id_number))
      return bad(where + ": \"id\" must be an integer 1..99");
    tier.id = static_cast<int>(id_number);
    for (const Tier& other : tiers)
      if (other.id == tier.id) return bad(where + ": duplicate id " + std::to_string(tier.id));
    auto name = text_field(t, "name", where);
    if (!name) return name.error();
    tier.name = *name;
    const json::Json& devices = json::member(t, "devices");
    tier.devices = devices.is_string() ? devices.get<std::string>() : "";
    const json::Json& budget = json::member(t, "ram_budget_mib");
    const double mib = budget.is_number() ? budget.get<double>() : 0;
    if (mib < 1 || mib > 1048576)
      return bad(where + ": \"ram_budget_mib\" must be a number of MiB between 1 and 1048576");
    tier.ram_budget_bytes = static_cast<uint64_t>(mib * 1048576.0);
    const json::Json& models = json::member(t, "models");
    if (!models.is_array() || models.empty())
      return bad(where + ": needs a non-empty \"models\" array");
    for (size_t m = 0; m < models.size(); ++m) {
      const std::string mwhere = where + ".models[" + std::to_string(m) + "]";
      auto preset = text_field(models[m], "preset", mwhere);
      if (!preset) return preset.error();
      auto quant = text_field(models[m], "quant", mwhere);
      if (!quant) return quant.error();
      tier.models.push_back({*preset, *quant});
    }
    const json::Json& context = json::member(t, "context");
    if (!context.is_null()) {
      const double n = context.is_number() ? context.get<double>() : 0;
      if (n < 1 || n > 1048576 || n != static_cast<int>(n))
        return bad(where + ": \"context\" must be an integer number of positions 1..1048576");
      tier.context = static_cast<int>(n);
    }
    const json::Json& kv = json::member(t, "kv_type");
    if (!kv.is_null()) {
      const Result<KvType> type = kv_type_from_name(kv.is_string() ? kv.get<std::string>() : "");
      if (!type) return bad(where + ": \"kv_type\" must be f16, q8_0 or q4_0");
      tier.kv_type = *type;
    }
    tiers.push_back(std::move(tier));
  }
  return tiers;
}

Result<std::vector<Tier>> select_tiers(const std::vector<Tier>& tiers, const std::string& which) {
  if (which == "all") return tiers;
  for (const Tier& t : tiers)
    if (std::to_string(t.id) == which || t.name == which) return std::vector<Tier>{t};
  std::string ids;
  for (const Tier& t : tiers) ids += (ids.empty() ? "" : ", ") + std::to_string(t.id);
  return Error(ErrorCode::kInvalidArgument, "no tier '" + which + "' (tiers: " + ids + ", all)");
}

}  // namespace shoptalk::bench
