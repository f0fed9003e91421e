// Users coming from the reference may keep hypertest.config.js/.mjs/.ts exporting a plain
// object. We evaluate it with the project's own Node and read the object back as JSON.
#pragma once

#include <filesystem>
#include <string>

#include "core/error.hpp"

namespace ht {

// Imports `file` with `node` (from PATH), takes its default export (or module.exports),
// and returns it serialized as JSON. TypeScript needs a Node that strips types (22.6+);
// on older Node a .ts config is a clear error suggesting hypertest.config.json.
Result<std::string> evaluate_js_config(const std::filesystem::path& file);

}  // namespace ht
