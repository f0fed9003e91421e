#include "store/s3_store.hpp"

#include <mutex>

#include "aws/s3_client.hpp"
#include "core/log.hpp"

namespace ht {

namespace {

class S3Store final : public ArtifactStore {
 public:
  S3Store(aws::S3Client client, aws::S3Location location)
      : client_(std::move(client)), location_(std::move(location)) {}

  [[nodiscard]] std::string uri() const override {
    return "s3://" + location_.bucket + (location_.prefix.empty() ? "" : "/" + location_.prefix);
  }

  [[nodiscard]] std::string uri_of(std::string_view key) const override { return uri() + "/" + std::string(key); }

  Status put(std::string_view key, std::string_view data, std::string_view content_type) override {
    HT_TRY(check_key(key));
    std::lock_guard lock(mu_);
    return client_.put_object(location_.bucket, full_key(key), data, std::string(content_type));
  }

  Status put_file(std::string_view key, const std::filesystem::path& file, std::string_view content_type) override {
    HT_TRY(check_key(key));
    std::lock_guard lock(mu_);
    return client_.put_file(location_.bucket, full_key(key), file, std::string(content_type));
  }

  Result<std::string> get(std::string_view key) override {
    HT_TRY(check_key(key));
    std::lock_guard lock(mu_);
    auto r = client_.get_object(location_.bucket, full_key(key));
    if (!r.ok()) return r.error();
    return std::move(r->body);
  }

  // Keys under the "folder" `prefix` (a '/' is implied at its end), relative to the store root;
  // when `prefix` names an object itself, that key too (as LocalStore lists a file).
  Result<std::vector<std::string>> list(std::string_view prefix) override {
    std::string p(prefix);
    while (!p.empty() && p.front() == '/') p.erase(0, 1);
    while (!p.empty() && p.back() == '/') p.pop_back();
    const std::string root = location_.prefix.empty() ? "" : location_.prefix + "/";
    // Asked without the trailing '/' and filtered here: the same keys, and a prefix without
    // any '/' is one that moto_server can verify signatures of (it mis-canonicalizes %2F).
    const std::string folder = p.empty() ? root : root + p + "/";
    std::vector<aws::S3Object> objects;
    {
      std::lock_guard lock(mu_);
      auto r = client_.list_objects(location_.bucket, p.empty() ? location_.prefix : root + p);
      if (!r.ok()) return r.error();
      objects = std::move(r.value());
    }
    std::vector<std::string> keys;
    keys.reserve(objects.size());
    const std::string exact = root + p;
    for (auto& o : objects) {
      if (o.key.rfind(folder, 0) == 0 || (!p.empty() && o.key == exact)) keys.push_back(o.key.substr(root.size()));
    }
    std::sort(keys.begin(), keys.end());
    return keys;
  }

 private:
  [[nodiscard]] std::string full_key(std::string_view key) const {
    return location_.prefix.empty() ? std::string(key) : location_.prefix + "/" + std::string(key);
  }
  Status check_key(std::string_view key) const {
    if (key.empty() || key.front() == '/') {
      return make_error(ErrorKind::internal, "invalid store key '" + std::string(key) + "'", "store " + uri());
    }
    return {};
  }

  std::mutex mu_;
  aws::S3Client client_;
  aws::S3Location location_;
};

}  // namespace

Result<std::unique_ptr<ArtifactStore>> open_s3_store(const std::string& uri) { return open_s3_store(uri, ""); }

Result<std::unique_ptr<ArtifactStore>> open_s3_store(const std::string& uri, const std::string& region_hint) {
  auto loc = aws::parse_s3_uri(uri);
  if (!loc.ok()) return loc.error().with_context("artifacts");
  const aws::ChainOptions chain;
  auto region = aws::resolve_region(region_hint, chain);
  auto creds = aws::resolve_credentials(chain);
  if (!creds.ok()) return creds.error().with_context("artifacts " + uri);
  auto make = [&](const std::string& r) {
    aws::ClientConfig cfg;
    cfg.credentials = creds.value();
    cfg.region = r;
    cfg.endpoint = aws::resolve_endpoint("s3", r, chain.env);
    cfg.custom_endpoint = aws::has_custom_endpoint("s3", chain.env);
    return aws::S3Client(std::move(cfg));
  };
  aws::S3Client client = make(region.ok() ? *region : std::string("us-east-1"));
  if (!region.ok() || region_hint.empty()) {
    // Find the bucket's own region; a probe that fails leaves the choice as is (the real
    // calls then report the real problem).
    auto actual = client.bucket_region(loc->bucket);
    if (actual.ok() && *actual && **actual != client.config().region) {
      log::debug("artifacts: bucket {} is in {}", loc->bucket, **actual);
      client = make(**actual);
    }
  }
  return std::unique_ptr<ArtifactStore>(std::make_unique<S3Store>(std::move(client), std::move(loc.value())));
}

}  // namespace ht
