// Amazon S3: the calls hypertest needs, over ServiceClient.
// Addressing: virtual-hosted ("https://BUCKET.s3.REGION.amazonaws.com/KEY") on AWS for
// DNS-compatible bucket names without dots, path-style ("ENDPOINT/BUCKET/KEY") for custom
// endpoints (moto, MinIO) and other names.
// Keys are percent-encoded per segment ('/' kept) and signed with S3's rules (no double
// encoding, x-amz-content-sha256).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/service_client.hpp"

namespace ht::aws {

struct S3Object {
  std::string key;
  std::int64_t size = 0;
  std::string etag;           // as S3 returns it, quotes removed
  std::string last_modified;  // ISO 8601 as S3 returns it
};

struct S3GetResult {
  std::string body;
  std::string content_type;
  std::string etag;
};

// "s3://bucket/some/prefix" -> {"bucket", "some/prefix"} (prefix without leading/trailing '/').
struct S3Location {
  std::string bucket;
  std::string prefix;
};
Result<S3Location> parse_s3_uri(std::string_view uri);

class S3Client {
 public:
  explicit S3Client(ClientConfig config);

  // Credentials, region and endpoint from the standard chain (credentials.hpp).
  static Result<S3Client> from_environment(const std::string& configured_region = {});

  // Objects larger than this go through multipart upload in put_file (bytes).
  static constexpr std::int64_t kMultipartThreshold = 16LL * 1024 * 1024;
  // Part size of multipart uploads (bytes; S3's minimum is 5 MiB except the last part).
  static constexpr std::int64_t kPartSize = 8LL * 1024 * 1024;

  Status put_object(const std::string& bucket, const std::string& key, std::string_view body,
                    const std::string& content_type);
  // Uploads a file: one PutObject up to kMultipartThreshold, else multipart (parts of
  // `part_size` bytes; the upload is aborted on failure).
  Status put_file(const std::string& bucket, const std::string& key, const std::filesystem::path& file,
                  const std::string& content_type, std::int64_t part_size = kPartSize);
  Status multipart_upload(const std::string& bucket, const std::string& key, const std::filesystem::path& file,
                          const std::string& content_type, std::int64_t part_size = kPartSize);

  // Errors: service_code "NoSuchKey" (http_status 404) when the key does not exist.
  Result<S3GetResult> get_object(const std::string& bucket, const std::string& key);
  // Every key under `prefix` (all pages of ListObjectsV2, `page_size` keys per page; S3's
  // maximum is 1000), in S3's order (UTF-8 binary).
  Result<std::vector<S3Object>> list_objects(const std::string& bucket, const std::string& prefix,
                                             int page_size = 1000);
  // OK when the bucket exists and is reachable with these credentials; errors carry
  // http_status 404 (no such bucket) or 403 (no access).
  Status head_bucket(const std::string& bucket);
  // The bucket's region from HeadBucket's x-amz-bucket-region header (S3 sends it on 200,
  // 301 and 403 alike); nullopt when the answer has none (e.g. no such bucket).
  Result<std::optional<std::string>> bucket_region(const std::string& bucket);
  // nullopt when the object does not exist.
  Result<std::optional<S3Object>> head_object(const std::string& bucket, const std::string& key);
  Status delete_object(const std::string& bucket, const std::string& key);
  // Creates a bucket (tests, setup). LocationConstraint set outside us-east-1.
  Status create_bucket(const std::string& bucket);

  // The absolute URL of a key (or of the bucket when `key` is empty).
  [[nodiscard]] std::string object_url(const std::string& bucket, const std::string& key) const;
  [[nodiscard]] const ClientConfig& config() const { return client_.config(); }

 private:
  ServiceClient client_;
};

}  // namespace ht::aws
