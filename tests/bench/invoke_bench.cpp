// invoke_bench: N invocations through the aws provider (one curl-multi event loop, at most
// `concurrency` in flight) against an Invoke endpoint, e.g. tests/fixtures/aws/
// invoke_fixture.py --delay 1. Prints one JSON line: makespan, ideal, ratio, peak in flight
// (as the client counted it), outcomes, CPU time per invocation and peak RSS of this process.
// Driven by scripts/bench/invoke_concurrency.sh; a benchmark, not a test.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "model/test_case.hpp"
#include "providers/aws/aws_provider.hpp"

namespace {

double cpu_seconds(const rusage& u) {
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  std::string endpoint;
  int invocations = 2000;
  int concurrency = 1000;
  double delay_s = 1.0;  // what the endpoint takes per call, for the ideal makespan
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    std::string v = argv[i + 1];
    if (k == "--endpoint")
      endpoint = v;
    else if (k == "--invocations")
      invocations = std::stoi(v);
    else if (k == "--concurrency")
      concurrency = std::stoi(v);
    else if (k == "--delay")
      delay_s = std::stod(v);
  }
  if (endpoint.empty()) {
    std::cerr << "usage: invoke_bench --endpoint URL [--invocations N] [--concurrency C] [--delay S]\n";
    return 2;
  }
  ht::AwsProviderSettings s;
  s.function_name = "hypertest-bench";
  s.client.credentials.access_key_id = "AKIABENCH";
  s.client.credentials.secret_access_key = "bench-secret";
  s.client.region = "us-east-1";
  s.client.endpoint = endpoint;
  s.client.custom_endpoint = true;
  s.invoke_timeout = std::chrono::seconds(60);
  ht::AwsProvider provider(s);
  ht::RunContext ctx;
  ctx.run_id = "bench";
  ctx.concurrency = concurrency;
  if (auto st = provider.start(ctx); !st.ok()) {
    std::cerr << st.error().describe() << "\n";
    return 1;
  }
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < invocations; ++i) {
    ht::InvocationRequest r;
    r.run_id = "bench";
    r.invocation_id = "inv-" + std::to_string(i);
    r.artifacts = "s3://bench/prefix";
    ht::TestRef t{"", "chromium", "tests/bench.spec.ts", {"bench", "test " + std::to_string(i)}};
    t.test_id = ht::make_test_id(t.project, t.file, t.title_path);
    r.tests.push_back(std::move(t));
    provider.submit(std::move(r));
  }
  int ok = 0;
  int errors = 0;
  std::string first_error;
  for (int done = 0; done < invocations;) {
    auto o = provider.wait_next(std::chrono::seconds(120));
    if (!o) break;
    ++done;
    if (std::holds_alternative<ht::InvocationResponse>(o->result)) {
      ++ok;
    } else {
      ++errors;
      if (first_error.empty()) first_error = std::get<ht::Error>(o->result).describe();
    }
  }
  const double makespan = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  const auto stats = provider.stats();
  provider.stop();
  const int waves = (invocations + concurrency - 1) / concurrency;
  const double ideal = waves * delay_s;
  nlohmann::json out = {
      {"invocations", invocations},
      {"concurrency", concurrency},
      {"ok", ok},
      {"errors", errors},
      {"makespan_s", makespan},
      {"ideal_s", ideal},
      {"ratio", makespan / ideal},
      {"client_peak_in_flight", stats.peak_in_flight},
      {"retries", stats.retries},
      {"cpu_s", cpu_seconds(after) - cpu_seconds(before)},
      {"cpu_ms_per_invocation", 1000.0 * (cpu_seconds(after) - cpu_seconds(before)) / invocations},
      {"peak_rss_mb", static_cast<double>(after.ru_maxrss) / 1024.0},
  };
  if (!first_error.empty()) out["first_error"] = first_error;
  std::cout << out.dump() << std::endl;
  return errors == 0 ? 0 : 1;
}
