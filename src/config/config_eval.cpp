#include "config/config_eval.hpp"

#include "core/subprocess.hpp"

namespace ht {

namespace {

// Given the file as argv[1]: import it, unwrap `default`, print JSON. The path travels as an
// argument, never inside the script text.
constexpr const char* kEvalScript = R"JS(
const { pathToFileURL } = require('node:url');
import(pathToFileURL(process.argv[1]).href).then((m) => {
  let v = m && m.default !== undefined ? m.default : m;
  if (v && v.default !== undefined && Object.keys(v).length === 1) v = v.default;
  if (typeof v === 'function') v = v();
  return Promise.resolve(v);
}).then((v) => {
  process.stdout.write(JSON.stringify(v));
}).catch((e) => {
  process.stderr.write(String(e && e.message ? e.message : e));
  process.exit(3);
});
)JS";

}  // namespace

Result<std::string> evaluate_js_config(const std::filesystem::path& file) {
  SpawnOptions o;
  o.argv = {"node", "-e", kEvalScript, file.string()};
  o.cwd = file.parent_path();
  o.stdout_mode = Stdio::capture;
  o.stderr_mode = Stdio::capture;
  auto out = run(o, std::chrono::seconds(30));
  if (!out.ok())
    return make_error(ErrorKind::config, "cannot run node to evaluate it: " + out.error().message, file.string());
  if (!out->status.success() || out->out.empty()) {
    std::string why = out->err.empty() ? out->status.describe() : out->err;
    if (file.extension() == ".ts" || file.extension() == ".mts" || file.extension() == ".cts") {
      why += " (a TypeScript config needs Node 22.6 or newer; or use hypertest.config.json)";
    }
    return make_error(ErrorKind::config, "evaluating the config failed: " + why, file.string());
  }
  return out->out;
}

}  // namespace ht
