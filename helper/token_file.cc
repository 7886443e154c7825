#include "helper/token_file.h"

namespace darcy::helper {

Result<SecureString> read_token(vault::FileSystem& fs, const std::string& path) {
  auto info = fs.stat(path);
  if (!info) return std::move(info).error();
  if (!info->exists) {
    return Error::Config("token-file " + path + " does not exist. Fix: write the agent token "
                         "there (mode 0600), or set token-file");
  }
  DARCY_TRY(vault::check_private_file(path, *info));
  if (!info->is_regular) return Error::Config("token-file " + path + " is not a regular file");
  auto text = fs.read_secret_file(path, kMaxTokenBytes);
  if (!text) return std::move(text).error();
  std::string_view t = view(*text);
  const auto first = t.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return Error::Config("token-file " + path + " is empty");
  t = t.substr(first, t.find_last_not_of(" \t\r\n") - first + 1);
  for (char c : t) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Error::Config("token-file " + path + " holds a control character inside the token");
    }
  }
  return SecureString(t.data(), t.size());
}

}  // namespace darcy::helper
