#include "runner/playwright_wrapper.hpp"

#include <nlohmann/json.hpp>

#include <system_error>

#include "core/fs.hpp"
#include "net/http.hpp"
#include "runner/test_list.hpp"

namespace ht::runner {

namespace stdfs = std::filesystem;

namespace {

// Loaded first in every Playwright process (main, loader, workers) through the wrapper
// config. See playwright_wrapper.hpp for the contract.
constexpr const char* kFixtureJs = R"JS('use strict';
// Written by hypertest-runner for one invocation (see src/runner/playwright_wrapper.hpp).
const fs = require('fs');
const path = require('path');
const ctx = JSON.parse(fs.readFileSync(path.join(__dirname, 'ht-context.json'), 'utf8'));

// Orphan guard: when the runner (HT_RUNNER_PID) is gone, or our parent changed, stop
// instead of lingering. Checking the runner itself also covers a runner killed before
// Playwright got here.
const parentPid = process.ppid;
const runnerPid = Number(process.env.HT_RUNNER_PID || 0);
function orphaned() {
  if (process.ppid !== parentPid) return true;
  if (runnerPid > 0) {
    try { process.kill(runnerPid, 0); } catch (e) { return e.code === 'ESRCH'; }
  }
  return false;
}
const orphanTimer = setInterval(() => {
  if (!orphaned()) return;
  clearInterval(orphanTimer);
  if (!process.env.TEST_WORKER_INDEX) {
    try { process.kill(process.pid, 'SIGINT'); } catch {}
  }
  setTimeout(() => {
    try { process.kill(-process.pid, 'SIGKILL'); } catch {}
    process.exit(130);
  }, 3000).unref();
}, 500);
orphanTimer.unref();

const key = (project, file, titles) => JSON.stringify([project, file, ...titles]);
const byKey = new Map(ctx.tests.map((t) => [key(t.project, t.file, t.titlePath), t.testId]));
const roots = [ctx.projectRoot];
try { roots.push(fs.realpathSync(ctx.projectRoot)); } catch {}
function relativeFile(file) {
  for (const root of roots) {
    const rel = path.relative(root, file);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  }
  return file;
}

// Patch point: playwright/lib/index.js, whose exports playwright/test.js spreads into the
// module users import (`@playwright/test` and `playwright/test`, CommonJS or ESM, since
// test.mjs re-exports test.js). Replacing the cached exports of lib/index.js before
// test.js first runs makes every spec's `test` carry the fixture; this also holds when
// Playwright's ESM loader evaluates test.js itself, because test.js reaches lib/index.js
// through require() and so through Node's module cache.
// Resolution and loading use Node's own CommonJS loader (createRequire, Module._cache),
// never a loader-hook `require`, which may ignore `paths` and keep a cache of its own.
const Module = require('module');
const rootRequire = Module.createRequire(path.join(ctx.projectRoot, 'package.json'));
let libIndexPath;
try {
  const mainPath = rootRequire.resolve('@playwright/test');
  const corePath = Module.createRequire(mainPath).resolve('playwright/test');
  libIndexPath = path.join(path.dirname(corePath), 'lib', 'index.js');
  for (const loaded of [mainPath, corePath]) {
    if (Module._cache[loaded]) console.error('[hypertest] ' + loaded + ' was loaded before the runner could patch it');
  }
} catch (e) {
  console.error('[hypertest] cannot resolve @playwright/test from ' + ctx.projectRoot + ': ' + e.message);
}
if (libIndexPath) {
  const lib = rootRequire(libIndexPath);
  const extended = lib.test.extend({
    _hypertestArtifacts: [async ({}, use, testInfo) => {
      const testId = byKey.get(key(testInfo.project.name, relativeFile(testInfo.file), testInfo.titlePath.slice(1)));
      const dir = testId ? path.join(ctx.artifactsDir, testId) : ctx.sharedArtifactsDir;
      fs.mkdirSync(dir, { recursive: true });
      process.env.HT_TEST_ARTIFACTS_OUTPUT_PATH = dir;
      if (testId) {
        fs.appendFileSync(ctx.outputDirsFile, JSON.stringify({ testId, outputDir: testInfo.outputDir }) + '\n');
      }
      await use(dir);
    }, { auto: true, box: true }],
  });
  const replacement = {};
  for (const name of Object.keys(lib)) replacement[name] = lib[name];
  if (lib.__esModule) Object.defineProperty(replacement, '__esModule', { value: true });
  replacement.test = extended;
  Module._cache[libIndexPath].exports = replacement;
}
)JS";

constexpr const char* kWrapJs = R"JS('use strict';
// Written by hypertest-runner: turns the user's config into the invocation's config.
const fs = require('fs');
const path = require('path');
const ctx = JSON.parse(fs.readFileSync(path.join(__dirname, 'ht-context.json'), 'utf8'));
const root = ctx.projectRoot;

const abs = (p) => (typeof p === 'string' ? path.resolve(root, p) : p);
// Snapshot path templates are resolved against the config's folder unless they start
// with an absolute token.
const fixTemplate = (t) => (typeof t === 'string' && !path.isAbsolute(t) && !t.startsWith('{testDir}') &&
  !t.startsWith('{snapshotDir}') ? path.join(root, t) : t);
function fixExpect(e) {
  if (!e || typeof e !== 'object') return e;
  const out = { ...e };
  for (const k of ['toHaveScreenshot', 'toMatchSnapshot', 'toMatchAriaSnapshot']) {
    if (!out[k] || typeof out[k] !== 'object') continue;
    out[k] = { ...out[k] };
    if (out[k].pathTemplate !== undefined) out[k].pathTemplate = fixTemplate(out[k].pathTemplate);
    if (out[k].stylePath !== undefined) out[k].stylePath = Array.isArray(out[k].stylePath) ? out[k].stylePath.map(abs) : abs(out[k].stylePath);
  }
  return out;
}
function resolveScript(s) {
  if (typeof s !== 'string') return s;
  const local = path.resolve(root, s);
  if (fs.existsSync(local)) return local;
  try { return require('module').createRequire(path.join(root, 'package.json')).resolve(s); } catch { return s; }
}
const fixScripts = (s) => (Array.isArray(s) ? s.map(resolveScript) : resolveScript(s));
function fixWebServer(w) {
  const one = (s) => (s && typeof s === 'object' ? { ...s, cwd: s.cwd !== undefined ? abs(s.cwd) : root } : s);
  return Array.isArray(w) ? w.map(one) : one(w);
}

exports.wrap = function wrap(mod) {
  // Like Playwright: take `default` when present (twice for ESM importing transpiled CommonJS).
  let user = mod;
  for (let i = 0; i < 2 && user && typeof user === 'object' && 'default' in user; i++) user = user.default;
  if (!user || typeof user !== 'object') throw new Error('hypertest: ' + ctx.userConfig + ' does not export a config object');
  const rootTestDir = user.testDir !== undefined ? abs(user.testDir) : root;
  const userProjects = Array.isArray(user.projects) && user.projects.length ? user.projects : [{}];
  const projects = userProjects.map((p) => {
    const q = {
      ...p,
      testDir: p.testDir !== undefined ? abs(p.testDir) : rootTestDir,
      outputDir: ctx.outputDir,
      respectGitIgnore: p.respectGitIgnore ?? user.respectGitIgnore ?? (p.testDir === undefined && user.testDir === undefined),
    };
    if (p.snapshotDir !== undefined) q.snapshotDir = abs(p.snapshotDir);
    if (p.snapshotPathTemplate !== undefined) q.snapshotPathTemplate = fixTemplate(p.snapshotPathTemplate);
    if (p.expect !== undefined) q.expect = fixExpect(p.expect);
    return q;
  });
  const config = {
    ...user,
    testDir: root,
    outputDir: ctx.outputDir,
    workers: 1,
    maxFailures: 0,
    reporter: [
      ['list'],
      ['json', { outputFile: ctx.jsonReport }],
      ['blob', { outputDir: path.dirname(ctx.blobReport), fileName: path.basename(ctx.blobReport) }],
    ],
    projects,
  };
  delete config.shard;
  if (user.snapshotDir !== undefined) config.snapshotDir = abs(user.snapshotDir);
  if (user.snapshotPathTemplate !== undefined) config.snapshotPathTemplate = fixTemplate(user.snapshotPathTemplate);
  if (user.expect !== undefined) config.expect = fixExpect(user.expect);
  if (user.tsconfig !== undefined) config.tsconfig = abs(user.tsconfig);
  if (user.globalSetup !== undefined) config.globalSetup = fixScripts(user.globalSetup);
  if (user.globalTeardown !== undefined) config.globalTeardown = fixScripts(user.globalTeardown);
  if (user.webServer !== undefined) config.webServer = fixWebServer(user.webServer);
  return config;
};
)JS";

std::string js_string(const std::string& s) { return nlohmann::json(s).dump(); }

std::string file_url(const stdfs::path& p) {
  // file:// URL of an absolute path, percent-encoding everything but unreserved and '/'.
  return "file://" + net::url_encode(p.string(), /*keep_slash=*/true);
}

}  // namespace

bool config_is_esm(const stdfs::path& user_config) {
  std::string ext = user_config.extension().string();
  if (ext == ".mjs" || ext == ".mts") return true;
  if (ext == ".cjs" || ext == ".cts") return false;
  std::error_code ec;
  for (stdfs::path dir = user_config.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    stdfs::path pkg = dir / "package.json";
    if (stdfs::exists(pkg, ec)) {
      auto text = fs::read_file(pkg);
      if (!text.ok()) return false;
      auto j = nlohmann::json::parse(*text, nullptr, false);
      return j.is_object() && j.value("type", std::string()) == "module";
    }
    if (dir == dir.root_path()) break;
  }
  return false;
}

Result<WrapperPaths> write_playwright_wrapper(const stdfs::path& work_dir, const stdfs::path& project_root,
                                              const stdfs::path& user_config, const std::vector<TestRef>& tests) {
  WrapperPaths p;
  p.work_dir = work_dir;
  p.test_list = work_dir / "test-list.txt";
  p.json_report = work_dir / "report.json";
  p.blob_report = work_dir / "blob" / "report.zip";
  p.output_dir = work_dir / "test-results";
  p.artifacts_dir = work_dir / "artifacts";
  p.shared_artifacts_dir = work_dir / "artifacts-shared";
  p.output_dirs_file = work_dir / "output-dirs.jsonl";
  const bool esm = config_is_esm(user_config);
  p.config = work_dir / (esm ? "ht.config.mjs" : "ht.config.cjs");

  std::error_code ec;
  stdfs::create_directories(p.artifacts_dir, ec);
  stdfs::create_directories(p.shared_artifacts_dir, ec);
  if (ec) return make_error(ErrorKind::io, ec.message(), "create " + p.artifacts_dir.string());

  nlohmann::json ctx = {
      {"projectRoot", project_root.string()},
      {"userConfig", user_config.string()},
      {"workDir", work_dir.string()},
      {"outputDir", p.output_dir.string()},
      {"artifactsDir", p.artifacts_dir.string()},
      {"sharedArtifactsDir", p.shared_artifacts_dir.string()},
      {"outputDirsFile", p.output_dirs_file.string()},
      {"jsonReport", p.json_report.string()},
      {"blobReport", p.blob_report.string()},
      {"tests", tests},
  };
  HT_TRY(fs::write_file_atomic(work_dir / "ht-context.json", ctx.dump(2)));
  HT_TRY(fs::write_file_atomic(work_dir / "ht-fixture.cjs", kFixtureJs));
  HT_TRY(fs::write_file_atomic(work_dir / "ht-wrap.cjs", kWrapJs));

  std::string config;
  if (esm) {
    // The fixture must run before the user's config imports @playwright/test, and static
    // imports all run before the body: load the user's config with a dynamic import.
    config =
        "// Written by hypertest-runner (see src/runner/playwright_wrapper.hpp).\n"
        "import { createRequire } from 'node:module';\n"
        "const require = createRequire(import.meta.url);\n"
        "require('./ht-fixture.cjs');\n"
        "const wrapper = require('./ht-wrap.cjs');\n"
        "const userConfig = await import(" +
        js_string(file_url(user_config)) +
        ");\n"
        "export default wrapper.wrap(userConfig);\n";
  } else {
    config =
        "'use strict';\n"
        "// Written by hypertest-runner (see src/runner/playwright_wrapper.hpp).\n"
        "require('./ht-fixture.cjs');\n"
        "module.exports = require('./ht-wrap.cjs').wrap(require(" +
        js_string(user_config.string()) + "));\n";
  }
  HT_TRY(fs::write_file_atomic(p.config, config));

  TestList list = render_test_list(tests);
  p.unselectable = std::move(list.unselectable);
  HT_TRY(fs::write_file_atomic(p.test_list, list.text));
  return p;
}

}  // namespace ht::runner
