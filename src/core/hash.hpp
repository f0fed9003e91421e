// SHA-256 over OpenSSL's EVP interface.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ht {

std::string to_hex(const unsigned char* data, size_t size);

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(std::string_view data);
  std::array<unsigned char, 32> finish();
  std::string finish_hex();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

std::string sha256_hex(std::string_view data);
std::array<unsigned char, 32> sha256(std::string_view data);
std::array<unsigned char, 32> hmac_sha256(std::string_view key, std::string_view data);

}  // namespace ht
