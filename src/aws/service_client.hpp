// One signed-request pipe per AWS service: sign (SigV4), send over net::HttpClient, retry
// transient failures per net::RetryPolicy, and turn AWS error bodies into ht::Error. The
// typed clients (s3_client, lambda_client, ecr_client, service_quotas_client, sts_client)
// are thin layers over it. Not thread-safe: one per thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.hpp"
#include "core/error.hpp"
#include "net/http.hpp"
#include "net/retry_policy.hpp"

namespace ht::aws {

// Everything a client needs: who signs, where, how to retry.
struct ClientConfig {
  Credentials credentials;
  std::string region;
  std::string endpoint;          // "https://lambda.us-east-1.amazonaws.com" or a custom URL
  bool custom_endpoint = false;  // endpoint came from AWS_ENDPOINT_URL*
  net::RetryPolicy retry = net::RetryPolicy::standard();
};

// Resolves credentials, region and the endpoint of `service` ("s3", "lambda", "ecr",
// "service-quotas", "sts") with the standard chain.
Result<ClientConfig> make_client_config(std::string_view service, const std::string& configured_region,
                                        const ChainOptions& options = {});

// Builds an ht::Error from a non-2xx AWS response: JSON bodies ({"__type"|"code", "message"|
// "Message"}, header x-amzn-ErrorType) and XML bodies (<Error><Code>..</Code><Message>..
// </Message></Error>, also inside <ErrorResponse>). Kind `service` when a code was found,
// else `http`; http_status, service_code and retryable (per `policy`) filled in.
Error parse_aws_error(const net::Response& response, const std::string& context,
                      const net::RetryPolicy& policy = net::RetryPolicy::standard());

class ServiceClient {
 public:
  // `signing_service`: the SigV4 name ("s3", "lambda", "ecr", "servicequotas", "sts").
  ServiceClient(std::string signing_service, ClientConfig config);
  ~ServiceClient();
  ServiceClient(ServiceClient&&) noexcept;
  ServiceClient& operator=(ServiceClient&&) noexcept;

  // Signs and sends; retries per policy; a non-2xx answer becomes an Error (parse_aws_error).
  // `request.url` may be a path ("/2015-03-31/functions/f") that is appended to the endpoint.
  // `context` names the operation for errors ("Lambda GetFunction my-fn").
  Result<net::Response> send(net::Request request, const std::string& context);

  // Like send, but any HTTP status is returned as a Response (HEAD probes, 404 checks);
  // only transport failures (after retries) are errors.
  Result<net::Response> send_any_status(net::Request request, const std::string& context);

  [[nodiscard]] const ClientConfig& config() const;
  // Signs `request` in place for this service (URL must be absolute).
  Status sign(net::Request& request) const;
  // The absolute URL of `path_and_query` on this service's endpoint.
  [[nodiscard]] std::string url(std::string_view path_and_query) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Minimal XML reading for AWS responses (libxml2 underneath): the text of the first
// element named `name` anywhere in `xml` (entities decoded), and of all such elements.
std::optional<std::string> xml_first(std::string_view xml, std::string_view name);
std::vector<std::string> xml_all(std::string_view xml, std::string_view name);
// For each element named `record` (e.g. "Contents"), its direct children's names -> texts.
std::vector<std::map<std::string, std::string>> xml_records(std::string_view xml, std::string_view record);

}  // namespace ht::aws
