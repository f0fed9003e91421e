#include "runner/runner_main.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "model/invocation.hpp"
#include "runner/invocation_handler.hpp"
#include "runner/runtime_client.hpp"

namespace ht::runner {

namespace {

constexpr const char* kUsage =
    "usage: hypertest-runner\n"
    "The function-side runtime of hypertest: a Lambda custom runtime loop. It reads\n"
    "AWS_LAMBDA_RUNTIME_API and runs the Playwright tests of each invocation it receives.\n"
    "Environment: HT_PROJECT_ROOT, HT_PLAYWRIGHT_CONFIG, HT_NODE, HT_PLAYWRIGHT_CLI,\n"
    "HT_DEADLINE_MARGIN_MS, HT_KEEP_WORK_DIR, HT_LOG_LEVEL.\n";

// SIGTERM (Lambda's shutdown, the local provider's stop) and SIGINT: take Playwright down
// with us, then exit with the conventional 128 + signal.
extern "C" void on_terminate(int sig) {
  kill_running_playwright();
  ::_exit(128 + sig);
}

void set_log_level_from_env() {
  const char* v = std::getenv("HT_LOG_LEVEL");
  std::string level = v != nullptr ? v : "info";
  if (level == "debug")
    log::set_level(log::Level::debug);
  else if (level == "warn")
    log::set_level(log::Level::warn);
  else if (level == "error")
    log::set_level(log::Level::error);
  else
    log::set_level(log::Level::info);
}

}  // namespace

int runner_main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--version") == 0) {
      std::cout << "hypertest-runner " << HYPERTEST_VERSION << "\n";
      return 0;
    }
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::cout << kUsage;
      return 0;
    }
    std::cerr << "hypertest-runner: unknown argument " << argv[i] << "\n" << kUsage;
    return 2;
  }
  set_log_level_from_env();
  struct sigaction sa {};
  sa.sa_handler = on_terminate;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (api == nullptr || *api == '\0') {
    std::cerr << "hypertest-runner: AWS_LAMBDA_RUNTIME_API is not set\n" << kUsage;
    return 2;
  }
  RuntimeClient client(api);

  auto settings = settings_from_env();
  if (!settings.ok()) {
    log::error("init failed: {}", settings.error().describe());
    RuntimeError err{"Runtime.InitError", settings.error().describe(), {}};
    if (Status st = client.init_error(err); !st.ok()) log::error("init/error: {}", st.error().describe());
    return 1;
  }
  log::info("runner ready: project {}, config {}, playwright {}", settings->project_root.string(),
            settings->playwright_config.string(), settings->playwright_cli.string());

  NextRetryPolicy retry;
  if (const char* give_up = std::getenv("HT_NEXT_GIVE_UP_MS"); give_up != nullptr && *give_up != '\0') {
    retry.give_up_after = std::chrono::milliseconds(std::strtoll(give_up, nullptr, 10));
  }
  auto delay = retry.first_delay;
  auto failing_since = std::chrono::steady_clock::time_point{};
  for (;;) {
    auto inv = client.next();
    if (!inv.ok()) {
      const Error& e = inv.error();
      if (e.kind == ErrorKind::http && (e.http_status == 500 || e.http_status == 403)) {
        log::error("Runtime API refused `next`: {}; exiting", e.describe());
        return 1;
      }
      auto now = std::chrono::steady_clock::now();
      if (failing_since == std::chrono::steady_clock::time_point{}) failing_since = now;
      if (now - failing_since >= retry.give_up_after) {
        log::info("Runtime API unreachable for {} s ({}); exiting",
                  std::chrono::duration_cast<std::chrono::seconds>(now - failing_since).count(), e.describe());
        return 0;
      }
      log::debug("`next` failed ({}); retrying in {} ms", e.describe(), delay.count());
      std::this_thread::sleep_for(delay);
      delay = std::min(delay * 2, retry.max_delay);
      continue;
    }
    delay = retry.first_delay;
    failing_since = {};

    if (inv->trace_id.empty()) {
      ::unsetenv("_X_AMZN_TRACE_ID");
    } else {
      ::setenv("_X_AMZN_TRACE_ID", inv->trace_id.c_str(), 1);
    }

    InvocationRequest request;
    try {
      request = nlohmann::json::parse(inv->payload).get<InvocationRequest>();
    } catch (const std::exception& ex) {
      log::error("invocation {}: payload is not an InvocationRequest: {}", inv->request_id, ex.what());
      RuntimeError err{"Runtime.InvalidPayload", std::string("payload is not an InvocationRequest: ") + ex.what(), {}};
      if (Status st = client.fail(inv->request_id, err); !st.ok()) log::error("error: {}", st.error().describe());
      continue;
    }
    log::info("invocation {} (request {}): {} test(s)", request.invocation_id, inv->request_id, request.tests.size());
    std::string body;
    try {
      InvocationResponse response = handle_invocation(request, *settings, inv->deadline_ms);
      body = nlohmann::json(response).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (const std::exception& ex) {
      log::error("invocation {}: {}", request.invocation_id, ex.what());
      RuntimeError err{"Runtime.InternalError", std::string("hypertest-runner failed: ") + ex.what(), {}};
      if (Status st = client.fail(inv->request_id, err); !st.ok()) log::error("error: {}", st.error().describe());
      continue;
    }
    Status st = client.respond(inv->request_id, body);
    if (!st.ok()) {
      log::error("invocation {}: posting the response failed: {}", request.invocation_id, st.error().describe());
      if (st.error().http_status == 413) {
        RuntimeError err{"Runtime.ResponseTooLarge", st.error().message, {}};
        (void)client.fail(inv->request_id, err);
      } else if (st.error().http_status == 500) {
        return 1;
      }
    }
  }
}

}  // namespace ht::runner
