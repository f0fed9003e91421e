#include "aws/s3_client.hpp"

#include <fstream>
#include <vector>

#include "core/log.hpp"

namespace ht::aws {

namespace {

// S3's percent-decoding of encoding-type=url keys ('+' is a space, as botocore's unquote_plus).
std::string url_decode_plus(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() + 0 && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Virtual-hosted addressing needs a DNS label: 3-63 of [a-z0-9-], no dots (TLS wildcard).
bool dns_compatible(const std::string& bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return bucket.front() != '-' && bucket.back() != '-';
}

std::string strip_quotes(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

std::string describe_key(const std::string& bucket, const std::string& key) { return "s3://" + bucket + "/" + key; }

}  // namespace

Result<S3Location> parse_s3_uri(std::string_view uri) {
  if (uri.rfind("s3://", 0) != 0) return make_error(ErrorKind::config, "not an s3:// URI", std::string(uri));
  std::string rest(uri.substr(5));
  auto slash = rest.find('/');
  S3Location loc;
  loc.bucket = rest.substr(0, slash);
  if (slash != std::string::npos) loc.prefix = rest.substr(slash + 1);
  while (!loc.prefix.empty() && loc.prefix.back() == '/') loc.prefix.pop_back();
  while (!loc.prefix.empty() && loc.prefix.front() == '/') loc.prefix.erase(0, 1);
  if (loc.bucket.empty()) return make_error(ErrorKind::config, "s3:// URI without a bucket", std::string(uri));
  return loc;
}

S3Client::S3Client(ClientConfig config) : client_("s3", std::move(config)) {}

Result<S3Client> S3Client::from_environment(const std::string& configured_region) {
  auto cfg = make_client_config("s3", configured_region);
  if (!cfg.ok()) return cfg.error();
  return S3Client(std::move(cfg.value()));
}

std::string S3Client::object_url(const std::string& bucket, const std::string& key) const {
  const ClientConfig& c = client_.config();
  const std::string encoded_key = net::url_encode(key, /*keep_slash=*/true);
  if (!c.custom_endpoint && dns_compatible(bucket)) {
    auto scheme_end = c.endpoint.find("://");
    if (scheme_end != std::string::npos) {
      return c.endpoint.substr(0, scheme_end + 3) + bucket + "." + c.endpoint.substr(scheme_end + 3) + "/" +
             encoded_key;
    }
  }
  return c.endpoint + "/" + net::url_encode(bucket) + "/" + encoded_key;
}

Status S3Client::put_object(const std::string& bucket, const std::string& key, std::string_view body,
                            const std::string& content_type) {
  net::Request req;
  req.method = "PUT";
  req.url = object_url(bucket, key);
  req.body = std::string(body);
  req.headers.emplace_back("Content-Type", content_type);
  req.timeout = std::chrono::minutes(5);
  auto r = client_.send(std::move(req), "S3 PutObject " + describe_key(bucket, key));
  if (!r.ok()) return r.error();
  return {};
}

Status S3Client::put_file(const std::string& bucket, const std::string& key, const std::filesystem::path& file,
                          const std::string& content_type, std::int64_t part_size) {
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  if (ec) return make_error(ErrorKind::io, ec.message(), "read " + file.string());
  if (static_cast<std::int64_t>(size) > kMultipartThreshold) {
    return multipart_upload(bucket, key, file, content_type, part_size);
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(ErrorKind::io, "cannot open file", "read " + file.string());
  std::string body(size, '\0');
  in.read(body.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uint64_t>(in.gcount()) != size) {
    return make_error(ErrorKind::io, "short read", "read " + file.string());
  }
  return put_object(bucket, key, body, content_type);
}

Status S3Client::multipart_upload(const std::string& bucket, const std::string& key, const std::filesystem::path& file,
                                  const std::string& content_type, std::int64_t part_size) {
  const std::string ctx = "S3 multipart upload " + describe_key(bucket, key);
  if (part_size < 5LL * 1024 * 1024) part_size = 5LL * 1024 * 1024;
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(ErrorKind::io, "cannot open file", "read " + file.string());

  net::Request create;
  create.method = "POST";
  create.url = object_url(bucket, key) + "?uploads";
  create.headers.emplace_back("Content-Type", content_type);
  auto created = client_.send(std::move(create), ctx + ": CreateMultipartUpload");
  if (!created.ok()) return created.error();
  auto upload_id = xml_first(created->body, "UploadId");
  if (!upload_id || upload_id->empty()) {
    return make_error(ErrorKind::protocol, "CreateMultipartUpload answer has no UploadId", ctx);
  }
  const std::string id_query = "uploadId=" + net::url_encode(*upload_id);

  auto abort = [&](Error e) -> Status {
    net::Request del;
    del.method = "DELETE";
    del.url = object_url(bucket, key) + "?" + id_query;
    auto r = client_.send(std::move(del), ctx + ": AbortMultipartUpload");
    if (!r.ok()) log::warn("{}", r.error().describe());
    return e;
  };

  std::vector<std::string> etags;
  std::string buf(static_cast<size_t>(part_size), '\0');
  for (int part = 1;; ++part) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    auto got = static_cast<size_t>(in.gcount());
    if (got == 0 && part > 1) break;
    if (part > 10000) return abort(make_error(ErrorKind::io, "file needs more than 10,000 parts", ctx));
    net::Request put;
    put.method = "PUT";
    put.url = object_url(bucket, key) + "?partNumber=" + std::to_string(part) + "&" + id_query;
    put.body.assign(buf.data(), got);
    put.timeout = std::chrono::minutes(5);
    auto r = client_.send(std::move(put), ctx + ": UploadPart " + std::to_string(part));
    if (!r.ok()) return abort(r.error());
    auto etag = r->header("ETag");
    if (!etag) return abort(make_error(ErrorKind::protocol, "UploadPart answer has no ETag", ctx));
    etags.push_back(*etag);
    if (got < buf.size()) break;
  }

  std::string xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (size_t i = 0; i < etags.size(); ++i) {
    std::string etag = etags[i];
    // ETags are quoted hex digests; escape for XML anyway.
    std::string escaped;
    for (char c : etag) escaped += c == '"' ? std::string("&quot;") : std::string(1, c);
    xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + escaped + "</ETag></Part>";
  }
  xml += "</CompleteMultipartUpload>";
  net::Request complete;
  complete.method = "POST";
  complete.url = object_url(bucket, key) + "?" + id_query;
  complete.body = xml;
  complete.headers.emplace_back("Content-Type", "application/xml");
  auto done = client_.send(std::move(complete), ctx + ": CompleteMultipartUpload");
  if (!done.ok()) return abort(done.error());
  // S3 may answer 200 and still fail: the error is then in the body.
  if (done->body.find("<Error>") != std::string::npos) {
    return abort(parse_aws_error(*done, ctx + ": CompleteMultipartUpload", client_.config().retry));
  }
  return {};
}

Result<S3GetResult> S3Client::get_object(const std::string& bucket, const std::string& key) {
  net::Request req;
  req.url = object_url(bucket, key);
  req.timeout = std::chrono::minutes(5);
  auto r = client_.send(std::move(req), "S3 GetObject " + describe_key(bucket, key));
  if (!r.ok()) return r.error();
  S3GetResult out;
  out.body = std::move(r->body);
  out.content_type = r->header("Content-Type").value_or("");
  out.etag = strip_quotes(r->header("ETag").value_or(""));
  return out;
}

Result<std::vector<S3Object>> S3Client::list_objects(const std::string& bucket, const std::string& prefix,
                                                     int page_size) {
  std::vector<S3Object> out;
  std::string token;
  for (int page = 0; page < 100000; ++page) {
    std::string url = object_url(bucket, "") + "?encoding-type=url&list-type=2";
    if (page_size > 0 && page_size < 1000) url += "&max-keys=" + std::to_string(page_size);
    if (!prefix.empty()) url += "&prefix=" + net::url_encode(prefix);
    if (!token.empty()) url += "&continuation-token=" + net::url_encode(token);
    net::Request req;
    req.url = url;
    auto r = client_.send(std::move(req), "S3 ListObjectsV2 s3://" + bucket + "/" + prefix);
    if (!r.ok()) return r.error();
    const bool encoded = xml_first(r->body, "EncodingType").value_or("") == "url";
    for (auto& rec : xml_records(r->body, "Contents")) {
      S3Object o;
      o.key = encoded ? url_decode_plus(rec["Key"]) : rec["Key"];
      o.size = rec["Size"].empty() ? 0 : std::stoll(rec["Size"]);
      o.etag = strip_quotes(rec["ETag"]);
      o.last_modified = rec["LastModified"];
      out.push_back(std::move(o));
    }
    if (xml_first(r->body, "IsTruncated").value_or("false") != "true") break;
    token = xml_first(r->body, "NextContinuationToken").value_or("");
    if (token.empty()) break;
  }
  return out;
}

Status S3Client::head_bucket(const std::string& bucket) {
  net::Request req;
  req.method = "HEAD";
  req.url = object_url(bucket, "");
  const std::string ctx = "S3 HeadBucket " + bucket;
  auto r = client_.send_any_status(std::move(req), ctx);
  if (!r.ok()) return r.error();
  if (r->status >= 200 && r->status < 300) return {};
  Error e = parse_aws_error(*r, ctx, client_.config().retry);
  if (r->status == 404) {
    e.kind = ErrorKind::service;
    e.service_code = "NoSuchBucket";
    e.message = "bucket does not exist";
  } else if (r->status == 403) {
    e.kind = ErrorKind::service;
    e.service_code = "AccessDenied";
    e.message = "access denied (the bucket exists but these credentials may not use it, or belongs to another account)";
  } else if (r->status == 301) {
    e.message = "the bucket is in another region (" + r->header("x-amz-bucket-region").value_or("?") + ")";
  }
  return e;
}

Result<std::optional<std::string>> S3Client::bucket_region(const std::string& bucket) {
  net::Request req;
  req.method = "HEAD";
  req.url = object_url(bucket, "");
  auto r = client_.send_any_status(std::move(req), "S3 HeadBucket " + bucket);
  if (!r.ok()) return r.error();
  auto region = r->header("x-amz-bucket-region");
  if (!region || region->empty()) return std::optional<std::string>();
  return std::optional<std::string>(*region);
}

Result<std::optional<S3Object>> S3Client::head_object(const std::string& bucket, const std::string& key) {
  net::Request req;
  req.method = "HEAD";
  req.url = object_url(bucket, key);
  const std::string ctx = "S3 HeadObject " + describe_key(bucket, key);
  auto r = client_.send_any_status(std::move(req), ctx);
  if (!r.ok()) return r.error();
  if (r->status == 404) return std::optional<S3Object>();
  if (r->status < 200 || r->status > 299) return parse_aws_error(*r, ctx, client_.config().retry);
  S3Object o;
  o.key = key;
  auto len = r->header("Content-Length");
  o.size = len && !len->empty() ? std::stoll(*len) : 0;
  o.etag = strip_quotes(r->header("ETag").value_or(""));
  o.last_modified = r->header("Last-Modified").value_or("");
  return std::optional<S3Object>(std::move(o));
}

Status S3Client::delete_object(const std::string& bucket, const std::string& key) {
  net::Request req;
  req.method = "DELETE";
  req.url = object_url(bucket, key);
  auto r = client_.send(std::move(req), "S3 DeleteObject " + describe_key(bucket, key));
  if (!r.ok()) return r.error();
  return {};
}

Status S3Client::create_bucket(const std::string& bucket) {
  net::Request req;
  req.method = "PUT";
  req.url = object_url(bucket, "");
  const std::string& region = client_.config().region;
  if (region != "us-east-1") {
    req.body = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>" +
               region + "</LocationConstraint></CreateBucketConfiguration>";
    req.headers.emplace_back("Content-Type", "application/xml");
  }
  auto r = client_.send(std::move(req), "S3 CreateBucket " + bucket);
  if (!r.ok()) return r.error();
  return {};
}

}  // namespace ht::aws
