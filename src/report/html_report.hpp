// One merged Playwright HTML report from the runners' blob reports.
#pragma once

#include <filesystem>
#include <string>

#include "core/error.hpp"

namespace ht {

// Runs `node <@playwright/test cli.js> merge-reports --reporter=html BLOB_DIR` in
// project_root (Playwright needs the project's config to resolve paths) with
// PLAYWRIGHT_HTML_OUTPUT_DIR=out_dir and PLAYWRIGHT_HTML_OPEN=never, from an argv vector.
// blob_dir holds the blob .zip files (one per invocation). Error with Playwright's output
// when it fails.
Status merge_html_report(const std::filesystem::path& blob_dir, const std::filesystem::path& out_dir,
                         const std::filesystem::path& project_root);

}  // namespace ht
