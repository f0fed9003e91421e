// Packing tests into invocations: completeness, serial groups, order, caps and balance.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "scheduler/plan.hpp"

namespace ht {
namespace {

TestCase make(const std::string& name, const std::string& group = {}) {
  TestCase t;
  t.project = "p";
  t.file = "a.spec.ts";
  t.title_path = {name};
  t.group = group;
  t.test_id = make_test_id(t.project, t.file, t.title_path);
  return t;
}

// Every input test appears exactly once across the plan.
void expect_exactly_once(const std::vector<TestCase>& tests, const std::vector<PlannedInvocation>& plan) {
  std::multiset<std::string> seen;
  for (const auto& inv : plan) {
    EXPECT_FALSE(inv.tests.empty());
    for (const auto& t : inv.tests) seen.insert(t.test_id);
  }
  ASSERT_EQ(seen.size(), tests.size());
  for (const auto& t : tests) EXPECT_EQ(seen.count(t.test_id), 1U) << t.name();
}

// Simulated wall time: invocations start in dispatch order on the first free worker.
std::int64_t makespan(const std::vector<PlannedInvocation>& plan, int workers) {
  std::vector<std::int64_t> free_at(static_cast<size_t>(workers), 0);
  for (const auto& inv : plan) {
    auto it = std::min_element(free_at.begin(), free_at.end());
    *it += inv.estimated_ms;
  }
  return *std::max_element(free_at.begin(), free_at.end());
}

TEST(Plan, EmptyInputEmptyPlan) { EXPECT_TRUE(plan_invocations({}, PlanOptions{}).empty()); }

TEST(Plan, SerialGroupsStayWholeAndOrdered) {
  std::vector<TestCase> tests;
  for (int i = 0; i < 6; ++i) tests.push_back(make("free " + std::to_string(i)));
  // Two groups interleaved with free tests, as discovery may return them.
  tests.insert(tests.begin() + 1, make("g1 a", "G1"));
  tests.insert(tests.begin() + 3, make("g1 b", "G1"));
  tests.push_back(make("g1 c", "G1"));
  tests.push_back(make("g2 a", "G2"));
  tests.push_back(make("g2 b", "G2"));
  PlanOptions o;
  o.concurrency = 4;
  o.startup_ms = 100;
  auto plan = plan_invocations(tests, o);
  expect_exactly_once(tests, plan);
  std::map<std::string, std::set<size_t>> invocations_of_group;
  for (size_t i = 0; i < plan.size(); ++i) {
    std::vector<std::string> g1;
    for (const auto& t : plan[i].tests) {
      if (!t.group.empty()) invocations_of_group[t.group].insert(i);
      if (t.group == "G1") g1.push_back(t.title_path[0]);
    }
    if (!g1.empty()) {
      EXPECT_EQ(g1, (std::vector<std::string>{"g1 a", "g1 b", "g1 c"}));
    }
  }
  EXPECT_EQ(invocations_of_group["G1"].size(), 1U);
  EXPECT_EQ(invocations_of_group["G2"].size(), 1U);
}

TEST(Plan, TestsKeepDiscoveryOrderWithinAnInvocation) {
  std::vector<TestCase> tests;
  for (int i = 0; i < 20; ++i) tests.push_back(make("t" + std::to_string(100 + i)));
  PlanOptions o;
  o.concurrency = 2;
  for (int i = 0; i < 20; ++i) o.history[tests[static_cast<size_t>(i)].test_id] = (i * 7919) % 5000;
  auto plan = plan_invocations(tests, o);
  expect_exactly_once(tests, plan);
  for (const auto& inv : plan) {
    for (size_t i = 1; i < inv.tests.size(); ++i) {
      EXPECT_LT(inv.tests[i - 1].title_path[0], inv.tests[i].title_path[0]);
    }
  }
}

TEST(Plan, DispatchOrderIsLongestFirstAndEstimatesAddUp) {
  std::vector<TestCase> tests;
  PlanOptions o;
  o.concurrency = 3;
  o.startup_ms = 1000;
  for (int i = 0; i < 30; ++i) {
    tests.push_back(make("t" + std::to_string(i)));
    o.history[tests.back().test_id] = 500 + 300 * i;
  }
  auto plan = plan_invocations(tests, o);
  expect_exactly_once(tests, plan);
  for (size_t i = 1; i < plan.size(); ++i) EXPECT_GE(plan[i - 1].estimated_ms, plan[i].estimated_ms);
  for (const auto& inv : plan) {
    std::int64_t sum = o.startup_ms;
    for (const auto& t : inv.tests) sum += o.history[t.test_id];
    EXPECT_EQ(inv.estimated_ms, sum);
  }
}

TEST(Plan, PacksShortTestsToAmortizeStartup) {
  // 40 short tests, 2 workers, start-up as long as three tests: one pack per worker.
  std::vector<TestCase> tests;
  for (int i = 0; i < 40; ++i) tests.push_back(make("short " + std::to_string(i)));
  PlanOptions o;
  o.concurrency = 2;
  o.default_test_ms = 500;
  o.startup_ms = 1500;
  auto plan = plan_invocations(tests, o);
  expect_exactly_once(tests, plan);
  EXPECT_EQ(plan.size(), 2U);
  EXPECT_EQ(plan[0].tests.size(), 20U);
}

TEST(Plan, MorePacksPerWorkerWhenStartupIsCheap) {
  std::vector<TestCase> tests;
  for (int i = 0; i < 60; ++i) tests.push_back(make("long " + std::to_string(i)));
  PlanOptions o;
  o.concurrency = 2;
  o.default_test_ms = 10000;
  o.startup_ms = 1000;  // 5% of 300 s per worker = 15 start-ups: capped at 3 per worker
  auto plan = plan_invocations(tests, o);
  expect_exactly_once(tests, plan);
  EXPECT_EQ(plan.size(), 6U);
}

TEST(Plan, OneInvocationPerUnitWhenConcurrencyAllows) {
  std::vector<TestCase> tests = {make("a"), make("b", "G"), make("c", "G"), make("d")};
  PlanOptions o;
  o.concurrency = 100;
  auto plan = plan_invocations(tests, o);
  expect_exactly_once(tests, plan);
  EXPECT_EQ(plan.size(), 3U);
}

TEST(Plan, RespectsTheTestCapButNeverSplitsAGroup) {
  std::vector<TestCase> tests;
  for (int i = 0; i < 25; ++i) tests.push_back(make("t" + std::to_string(i)));
  for (int i = 0; i < 7; ++i) tests.push_back(make("big group " + std::to_string(i), "BIG"));
  PlanOptions o;
  o.concurrency = 1;
  o.max_tests_per_invocation = 5;
  auto plan = plan_invocations(tests, o);
  expect_exactly_once(tests, plan);
  bool saw_group = false;
  for (const auto& inv : plan) {
    const bool has_group =
        std::any_of(inv.tests.begin(), inv.tests.end(), [](const TestCase& t) { return t.group == "BIG"; });
    if (has_group) {
      EXPECT_FALSE(saw_group) << "the group was split";
      saw_group = true;
      EXPECT_EQ(inv.tests.size(), 7U);
    } else {
      EXPECT_LE(inv.tests.size(), 5U);
    }
  }
  EXPECT_TRUE(saw_group);
}

TEST(Plan, SkippedTestsCostNothingWithoutHistory) {
  TestCase skipped = make("s");
  skipped.annotations = {"skip"};
  TestCase fixme = make("f");
  fixme.annotations = {"fixme"};
  PlanOptions o;
  o.concurrency = 5;
  o.startup_ms = 0;
  o.default_test_ms = 1000;
  auto plan = plan_invocations({skipped, fixme, make("real")}, o);
  ASSERT_EQ(plan.size(), 3U);
  EXPECT_EQ(plan[0].estimated_ms, 1000);
  EXPECT_EQ(plan[0].tests[0].title_path[0], "real");
  EXPECT_EQ(plan[1].estimated_ms, 0);
}

TEST(Plan, BalanceIsWithinTheLptBoundOfTheLowerBound) {
  std::mt19937 rng(12345);
  for (int round = 0; round < 200; ++round) {
    const int workers = 1 + static_cast<int>(rng() % 8);
    const int n = 1 + static_cast<int>(rng() % 120);
    PlanOptions o;
    o.concurrency = workers;
    o.startup_ms = static_cast<std::int64_t>(rng() % 3000);
    o.max_tests_per_invocation = 1000;
    std::vector<TestCase> tests;
    std::map<std::string, std::int64_t> unit_cost;
    for (int i = 0; i < n; ++i) {
      const std::string group = (rng() % 5 == 0) ? "G" + std::to_string(rng() % 4) : "";
      tests.push_back(make("t" + std::to_string(i), group));
      const std::int64_t ms = 100 + static_cast<std::int64_t>(rng() % 20000);
      o.history[tests.back().test_id] = ms;
      unit_cost[group.empty() ? tests.back().test_id : group] += ms;
    }
    auto plan = plan_invocations(tests, o);
    expect_exactly_once(tests, plan);
    std::int64_t work = 0;
    std::int64_t longest_unit = 0;
    for (const auto& [unit, ms] : unit_cost) {
      work += ms;
      longest_unit = std::max(longest_unit, ms);
    }
    // No schedule can beat either bound: every worker pays one start-up.
    const double lower =
        static_cast<double>(std::max(o.startup_ms + longest_unit, o.startup_ms + (work + workers - 1) / workers));
    const double got = static_cast<double>(makespan(plan, workers));
    // LPT is within 4/3 of optimal; extra packs add at most 3 start-ups per worker.
    EXPECT_LE(got, lower * 4.0 / 3.0 + 3.0 * static_cast<double>(o.startup_ms))
        << "round " << round << " workers " << workers << " tests " << n;
  }
}

TEST(LoadHistory, ReadsDurationsOfFinishedTests) {
  const auto doc = nlohmann::json::parse(R"({
    "runId": "r", "testResults": [
      {"testId": "a", "status": "success", "duration": 1234},
      {"testId": "b", "status": "failed", "duration": 30000.7},
      {"testId": "c", "status": "skipped", "duration": 0},
      {"testId": "d", "status": "error", "duration": 5},
      {"testId": "e", "status": "success"},
      {"testId": 7, "status": "success", "duration": 1},
      {"testId": "f", "status": "success", "duration": -3},
      "junk"
    ]})");
  const auto h = load_history(doc);
  EXPECT_EQ(h, (std::map<std::string, std::int64_t>{{"a", 1234}, {"b", 30000}}));
  EXPECT_TRUE(load_history(nlohmann::json::parse("[1,2]")).empty());
  EXPECT_TRUE(load_history(nlohmann::json::parse(R"({"testResults": 3})")).empty());
}

}  // namespace
}  // namespace ht
