// JUnit XML for CI systems. One <testsuite> per (project, file), named "project › file"
// (just the file when the project has no name); <testcase name="describe > title"
// classname="file" time="seconds">; status failed -> <failure>, error -> <error>,
// skipped -> <skipped/>. Text is XML-escaped; characters XML 1.0 cannot carry (control
// characters other than tab, LF, CR) are replaced by U+FFFD.
#pragma once

#include <string>
#include <string_view>

#include "report/results.hpp"

namespace ht {

std::string results_to_junit(const RunResults& results);

// Escapes text for XML attribute values (also safe as element text): &, <, >, ", ', tab/LF/CR
// as character references, and characters XML 1.0 cannot carry (control characters, invalid
// UTF-8, U+FFFE/U+FFFF) as U+FFFD.
std::string xml_escape(std::string_view text);

}  // namespace ht
