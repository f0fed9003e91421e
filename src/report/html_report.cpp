// Merged Playwright HTML report through `playwright merge-reports`.
#include "report/html_report.hpp"

#include <fmt/format.h>

#include "core/subprocess.hpp"
#include "discovery/discovery.hpp"

namespace ht {

namespace stdfs = std::filesystem;

Status merge_html_report(const stdfs::path& blob_dir, const stdfs::path& out_dir, const stdfs::path& project_root) {
  const std::string context = fmt::format("merge HTML report from {}", blob_dir.string());
  std::error_code ec;
  if (!stdfs::is_directory(blob_dir, ec)) {
    return make_error(ErrorKind::io, "the blob report folder does not exist", context);
  }
  auto cli = find_playwright_cli(project_root);
  if (!cli) return cli.error().with_context(context);

  SpawnOptions so;
  so.argv = {"node", cli->string(), "merge-reports", "--reporter=html", stdfs::absolute(blob_dir).string()};
  so.cwd = project_root;
  so.env_set["PLAYWRIGHT_HTML_OUTPUT_DIR"] = stdfs::absolute(out_dir).string();
  so.env_set["PLAYWRIGHT_HTML_OPEN"] = "never";
  so.env_set["FORCE_COLOR"] = "0";
  so.env_unset = {"PLAYWRIGHT_HTML_REPORT"};
  so.stdout_mode = Stdio::capture;
  so.stderr_mode = Stdio::capture;
  auto ran = run(so, std::chrono::minutes(10));
  if (!ran) return ran.error().with_context(context);
  if (ran->timed_out) return make_error(ErrorKind::process, "merge-reports did not finish in 10 minutes", context);
  if (!ran->status.success() || !stdfs::exists(out_dir / "index.html", ec)) {
    std::string detail = ran->err.empty() ? ran->out : ran->err;
    if (detail.size() > 4000) detail = "..." + detail.substr(detail.size() - 4000);
    return make_error(ErrorKind::process,
                      fmt::format("playwright merge-reports failed ({}): {}", ran->status.describe(), detail), context);
  }
  return {};
}

}  // namespace ht
