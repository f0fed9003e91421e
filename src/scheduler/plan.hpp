// Packing tests into invocations (SPEC §12). Pure logic: no I/O, no clocks.
//
// Goal: the run ends as early as possible with `concurrency` workers, each invocation
// paying `startup_ms` once. Units are whole serial groups (in order) or single tests.
// Units are sorted longest first (history durations, else 0 for a statically skipped or
// fixme test, else default_test_ms) and assigned
// LPT-style to the least loaded of K packs, where K is about 2-3 packs per worker when the
// start-up cost is small next to the work (better balance and earlier feedback), down to
// one pack per worker when start-up dominates, never more packs than units, and packs
// respect max_tests_per_invocation (a serial group larger than the cap stays whole).
// Concretely: packs = min(units, max(concurrency * ppw, ceil(tests / cap))) with ppw (packs
// per worker) = clamp(floor(0.05 * (work / concurrency) / startup_ms), 1, 3), i.e. extra
// start-ups may cost up to ~5% of a worker's share. When concurrency >= units, every unit
// gets its own invocation (makespan = start-up + the longest unit). Within a pack, tests
// keep discovery order (serial groups in order, files together).
//
// Project dependencies are not the planner's business: Playwright runs a dependency
// (setup) project inside every invocation that holds a dependent project's test.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "model/test_case.hpp"

namespace ht {

struct PlanOptions {
  int concurrency = 1;                          // invocations in flight at once (>= 1)
  std::map<std::string, std::int64_t> history;  // testId -> duration in ms from earlier runs
  std::int64_t default_test_ms = 2000;          // duration assumed for a test with no history
  std::int64_t startup_ms = 1500;               // cost of one invocation before its first test
  int max_tests_per_invocation = 50;            // soft cap (>= 1); serial groups are never split
};

struct PlannedInvocation {
  std::vector<TestCase> tests;    // serial groups whole and in their discovery order
  std::int64_t estimated_ms = 0;  // startup_ms + the tests' estimated durations
};

// Every test exactly once. Returned in dispatch order: longest estimated first.
std::vector<PlannedInvocation> plan_invocations(const std::vector<TestCase>& tests, const PlanOptions& options);

// Durations by testId from an earlier hypertest.results.json (testResults[].testId and
// .duration, ms). Skipped and error entries (a skip says nothing about length; an error
// may have been cut short) and entries without a usable duration are left out; a
// document of any other shape yields an empty map.
std::map<std::string, std::int64_t> load_history(const nlohmann::json& previous_results);

}  // namespace ht
