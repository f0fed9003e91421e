// Packing tests into invocations; the contract is in plan.hpp.
#include "scheduler/plan.hpp"

#include <algorithm>
#include <functional>
#include <numeric>
#include <queue>

#include <nlohmann/json.hpp>

namespace ht {

namespace {

// A serial group (whole, in order) or a single test: what the packer moves around.
struct Unit {
  std::vector<size_t> tests;  // indices into the input, ascending (discovery order)
  std::int64_t cost_ms = 0;
};

std::int64_t estimate_ms(const TestCase& t, const PlanOptions& o) {
  if (auto it = o.history.find(t.test_id); it != o.history.end() && it->second >= 0) {
    return it->second;
  }
  // Statically skipped tests cost next to nothing.
  for (const auto& a : t.annotations) {
    if (a == "skip" || a == "fixme") return 0;
  }
  return std::max<std::int64_t>(0, o.default_test_ms);
}

// Packs per worker: as many as possible (up to 3, for balance and earlier feedback) while
// the extra start-ups stay within ~5% of each worker's share of the work.
int packs_per_worker(std::int64_t total_ms, int concurrency, std::int64_t startup_ms) {
  if (startup_ms <= 0) return 3;
  const double per_worker = static_cast<double>(total_ms) / concurrency;
  const double budget = 0.05 * per_worker / static_cast<double>(startup_ms);
  return std::clamp(static_cast<int>(budget), 1, 3);
}

}  // namespace

std::vector<PlannedInvocation> plan_invocations(const std::vector<TestCase>& tests, const PlanOptions& options) {
  std::vector<PlannedInvocation> out;
  if (tests.empty()) return out;
  const int concurrency = std::max(1, options.concurrency);
  const size_t cap = static_cast<size_t>(std::max(1, options.max_tests_per_invocation));
  const std::int64_t startup = std::max<std::int64_t>(0, options.startup_ms);

  // 1. Units, in order of first appearance.
  std::vector<Unit> units;
  std::map<std::string, size_t> unit_of_group;
  for (size_t i = 0; i < tests.size(); ++i) {
    const std::int64_t cost = estimate_ms(tests[i], options);
    if (!tests[i].group.empty()) {
      auto [it, inserted] = unit_of_group.emplace(tests[i].group, units.size());
      if (inserted) units.emplace_back();
      units[it->second].tests.push_back(i);
      units[it->second].cost_ms += cost;
    } else {
      units.push_back(Unit{{i}, cost});
    }
  }
  const std::int64_t total_ms = std::accumulate(units.begin(), units.end(), std::int64_t{0},
                                                [](std::int64_t acc, const Unit& u) { return acc + u.cost_ms; });

  // 2. How many packs.
  const size_t unit_count = units.size();
  size_t packs =
      static_cast<size_t>(concurrency) * static_cast<size_t>(packs_per_worker(total_ms, concurrency, startup));
  packs = std::max(packs, (tests.size() + cap - 1) / cap);
  packs = std::min(packs, unit_count);

  // 3. LPT: longest unit first into the least loaded pack that has room for it; a unit
  // that fits nowhere opens a new pack (only when the test cap forces it).
  std::vector<size_t> order(unit_count);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return units[a].cost_ms > units[b].cost_ms; });
  struct Pack {
    std::vector<size_t> tests;
    std::int64_t cost_ms = 0;
  };
  std::vector<Pack> bins(packs);
  for (size_t u : order) {
    const Unit& unit = units[u];
    Pack* best = nullptr;
    for (auto& b : bins) {
      const bool fits = b.tests.empty() || b.tests.size() + unit.tests.size() <= cap;
      if (!fits) continue;
      if (best == nullptr || b.cost_ms < best->cost_ms ||
          (b.cost_ms == best->cost_ms && b.tests.size() < best->tests.size())) {
        best = &b;
      }
    }
    if (best == nullptr) {
      bins.emplace_back();
      best = &bins.back();
    }
    best->tests.insert(best->tests.end(), unit.tests.begin(), unit.tests.end());
    best->cost_ms += unit.cost_ms;
  }

  // 4. Plain values, tests in discovery order within a pack (serial groups stay in order,
  // files stay together), packs longest first.
  for (auto& b : bins) {
    if (b.tests.empty()) continue;
    std::sort(b.tests.begin(), b.tests.end());
    PlannedInvocation inv;
    inv.estimated_ms = startup + b.cost_ms;
    inv.tests.reserve(b.tests.size());
    for (size_t i : b.tests) inv.tests.push_back(tests[i]);
    out.push_back(std::move(inv));
  }
  std::stable_sort(out.begin(), out.end(), [](const PlannedInvocation& a, const PlannedInvocation& b) {
    return a.estimated_ms > b.estimated_ms;
  });
  return out;
}

std::map<std::string, std::int64_t> load_history(const nlohmann::json& previous_results) {
  std::map<std::string, std::int64_t> out;
  if (!previous_results.is_object()) return out;
  auto it = previous_results.find("testResults");
  if (it == previous_results.end() || !it->is_array()) return out;
  for (const auto& r : *it) {
    if (!r.is_object()) continue;
    auto id = r.find("testId");
    auto duration = r.find("duration");
    auto status = r.find("status");
    if (id == r.end() || !id->is_string() || duration == r.end() || !duration->is_number()) continue;
    if (status != r.end() && status->is_string() && (*status == "skipped" || *status == "error")) {
      continue;  // a skip says nothing about the test's length; an error may be cut short
    }
    const double ms = duration->get<double>();
    if (!(ms >= 0)) continue;
    out[id->get<std::string>()] = static_cast<std::int64_t>(ms);
  }
  return out;
}

}  // namespace ht
