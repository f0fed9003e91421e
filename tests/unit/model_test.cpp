#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "model/invocation.hpp"

namespace ht {

TEST(Model, TestIdIsStableAndDistinguishesIdentity) {
  auto a = make_test_id("chromium", "tests/a.spec.ts", {"group", "works"});
  EXPECT_EQ(a.size(), 16U);
  EXPECT_EQ(a, make_test_id("chromium", "tests/a.spec.ts", {"group", "works"}));
  EXPECT_NE(a, make_test_id("firefox", "tests/a.spec.ts", {"group", "works"}));
  EXPECT_NE(a, make_test_id("chromium", "tests/a.spec.ts", {"group works"}));
}

TEST(Model, InvocationRoundTripsThroughJson) {
  InvocationRequest req{
      "run-1", "inv-1", "file:///tmp/store", {TestRef{"abc", "p", "f.spec.ts", {"d", "t \"$(x)\" `y` 🎉"}}}, 2};
  nlohmann::json j = req;
  auto back = j.get<InvocationRequest>();
  EXPECT_EQ(back.run_id, "run-1");
  EXPECT_EQ(back.attempt, 2);
  ASSERT_EQ(back.tests.size(), 1U);
  EXPECT_EQ(back.tests[0].title_path[1], "t \"$(x)\" `y` 🎉");
}

}  // namespace ht
