#include "ui/reporter.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

#include "ui/live_view.hpp"
#include "ui/plain_reporter.hpp"

namespace ht::ui {

std::unique_ptr<EventSink> make_reporter(bool quiet) {
  const char* term = std::getenv("TERM");
  const bool dumb = term == nullptr || std::strcmp(term, "dumb") == 0;
  if (quiet || ::isatty(STDOUT_FILENO) == 0 || dumb) return std::make_unique<PlainReporter>(std::cout);
  return std::make_unique<LiveView>(std::cout);
}

}  // namespace ht::ui
