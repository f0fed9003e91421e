// Chooses the terminal reporter.
#pragma once

#include <memory>

#include "ui/events.hpp"

namespace ht::ui {

// PlainReporter when `quiet`, stdout is not a TTY, or TERM is unset or "dumb"; else LiveView; both
// write to stdout.
std::unique_ptr<EventSink> make_reporter(bool quiet);

}  // namespace ht::ui
