// The artifact store in a local folder.
#pragma once

#include "store/artifact_store.hpp"

namespace ht {

class LocalStore final : public ArtifactStore {
 public:
  explicit LocalStore(const std::filesystem::path& root);

  [[nodiscard]] std::string uri() const override;
  [[nodiscard]] std::string uri_of(std::string_view key) const override;
  Status put(std::string_view key, std::string_view data, std::string_view content_type) override;
  Status put_file(std::string_view key, const std::filesystem::path& file, std::string_view content_type) override;
  Result<std::string> get(std::string_view key) override;
  Result<std::vector<std::string>> list(std::string_view prefix) override;

  [[nodiscard]] const std::filesystem::path& root() const { return root_; }

 private:
  Result<std::filesystem::path> resolve(std::string_view key) const;
  std::filesystem::path root_;
};

}  // namespace ht
