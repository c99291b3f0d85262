#include "silk/tools/ca_commands.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "silk/core/file_io.h"
#include "silk/core/genesis.h"
#include "silk/core/key_file.h"
#include "silk/core/x509.h"

namespace silk::tools {

using core::Result;
using core::Status;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

Status write_file_once(const fs::path& path, const std::string& text, mode_t mode) {
  return core::write_new_file(path.string(), text, mode);
}

constexpr uint64_t kDayMs = 24ull * 60 * 60 * 1000;
constexpr size_t kMaxOrgChars = 60;   // "<org> CA" must fit in a 64-character CN
constexpr size_t kMaxNameChars = 64;  // OpenSSL's CN bound
constexpr size_t kMaxDisplayNameChars = 200;

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// An identifier that is also a safe file name: [A-Za-z0-9._-], starting alphanumeric.
Status check_identifier(const std::string& what, const std::string& value, size_t max_chars) {
  if (value.empty()) return Status::invalid(what + " must not be empty");
  if (value.size() > max_chars) {
    return Status::invalid(what + " \"" + value + "\" is longer than " + std::to_string(max_chars) +
                           " characters");
  }
  const bool chars_ok = std::all_of(value.begin(), value.end(), [](char c) {
    return is_alnum(c) || c == '.' || c == '_' || c == '-';
  });
  if (!chars_ok || !is_alnum(value[0])) {
    return Status::invalid(what + " \"" + value +
                           "\" may hold only letters, digits, '.', '_' and '-', and must start "
                           "with a letter or digit");
  }
  return Status::ok();
}

Status check_jurisdiction(const std::string& value) {
  if (value.size() != 2 || value[0] < 'A' || value[0] > 'Z' || value[1] < 'A' || value[1] > 'Z') {
    return Status::invalid("jurisdiction \"" + value +
                           "\" is not an ISO 3166-1 alpha-2 code in upper case (e.g. SG)");
  }
  return Status::ok();
}

Status check_days(uint32_t days) {
  if (days == 0 || days > kMaxCertificateDays) {
    return Status::invalid("days must be from 1 to " + std::to_string(kMaxCertificateDays) +
                           ", got " + std::to_string(days));
  }
  return Status::ok();
}

Status check_role(const std::string& role) {
  if (core::is_known_role(role)) return Status::ok();
  return Status::invalid("unknown role '" + role +
                         "' (expected admin, client, node, issuer, regulator, auditor or "
                         "arbitrator)");
}

// kConflict if anything (even a dangling link) is at `path`.
Status check_absent(const fs::path& path) {
  std::error_code ec;
  fs::file_status st = fs::symlink_status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return Status::io_error("cannot inspect " + path.string() + ": " + ec.message());
  }
  if (fs::exists(st)) return Status::conflict(path.string() + " already exists");
  return Status::ok();
}

// A folder for private keys: one this command creates is the owner's alone (0700); one that
// exists keeps the mode its owner chose.
Status ensure_dir(const fs::path& dir) {
  std::error_code ec;
  const bool created = fs::create_directories(dir, ec);
  if (ec) return Status::io_error("cannot create directory " + dir.string() + ": " + ec.message());
  if (!fs::is_directory(dir, ec)) return Status::io_error(dir.string() + " is not a directory");
  if (created) {
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) return Status::io_error("cannot make " + dir.string() + " private: " + ec.message());
  }
  return Status::ok();
}

// Removes files this command created, when a later step failed.
class Rollback {
 public:
  ~Rollback() {
    if (committed_) return;
    for (const fs::path& p : created_) {
      std::error_code ec;
      fs::remove(p, ec);
    }
  }
  void add(fs::path p) { created_.push_back(std::move(p)); }
  void commit() { committed_ = true; }

 private:
  std::vector<fs::path> created_;
  bool committed_ = false;
};

// A whole small file; kNotFound when missing.
Result<std::string> read_small_file(const fs::path& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return Status::not_found(path.string() + " does not exist");
    return Status::io_error("cannot open " + path.string() + ": " + std::strerror(err));
  }
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Status::io_error("cannot read " + path.string() + ": " + std::strerror(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > max_bytes) {
      ::close(fd);
      return Status::invalid(path.string() + " is larger than " + std::to_string(max_bytes) +
                             " bytes");
    }
  }
  ::close(fd);
  return text;
}

Result<core::Certificate> load_certificate(const fs::path& path) {
  SILK_ASSIGN_OR_RETURN(std::string text, read_small_file(path, core::kMaxCertificateInputBytes));
  auto cert = core::parse_certificate(std::string_view(text));
  if (!cert.is_ok()) return cert.status().with_context(path.string());
  return cert;
}

json dn_json(const core::DistinguishedName& dn) {
  return json{
      {"cn", dn.common_name}, {"o", dn.organization}, {"ou", dn.org_unit}, {"c", dn.country}};
}

std::string fingerprint_hex(const core::Certificate& cert) {
  return core::to_hex(cert.fingerprint());
}

}  // namespace

Result<core::Certificate> make_org_ca_certificate(const core::SecretKey& key,
                                                  const std::string& org,
                                                  const std::string& jurisdiction,
                                                  uint64_t not_before_ms, uint64_t not_after_ms) {
  core::DistinguishedName subject;
  subject.common_name = org + " CA";
  subject.organization = org;
  subject.country = jurisdiction;
  return core::make_ca_certificate(key, subject, not_before_ms, not_after_ms);
}

json ca_info_json(const std::string& org, const std::string& name, const std::string& jurisdiction,
                  const core::Certificate& ca) {
  return {{"org", org},
          {"name", name},
          {"jurisdiction", jurisdiction},
          {"fingerprint", fingerprint_hex(ca)}};
}

core::DistinguishedName member_subject(const std::string& name, const std::string& role,
                                       const std::string& org, const std::string& jurisdiction) {
  core::DistinguishedName subject;
  subject.common_name = name;
  subject.org_unit = role;
  subject.organization = org;
  subject.country = jurisdiction;
  return subject;
}

Result<CommandOutput> run_ca_init(CommandContext& ctx, const CaInitOptions& options) {
  SILK_RETURN_IF_ERROR(check_identifier("org", options.org, kMaxOrgChars));
  SILK_RETURN_IF_ERROR(check_jurisdiction(options.jurisdiction));
  SILK_RETURN_IF_ERROR(check_days(options.days));
  const std::string display_name = options.name.empty() ? options.org : options.name;
  if (display_name.size() > kMaxDisplayNameChars) {
    return Status::invalid("name is longer than " + std::to_string(kMaxDisplayNameChars) +
                           " characters");
  }
  if (std::any_of(display_name.begin(), display_name.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return Status::invalid("name must not hold control characters");
  }
  if (options.out_dir.empty()) return Status::invalid("out-dir must not be empty");
  SILK_RETURN_IF_ERROR(core::crypto_init());

  const fs::path dir(options.out_dir);
  const fs::path key_path = dir / "ca.key";
  const fs::path cert_path = dir / "ca.pem";
  const fs::path info_path = dir / "ca.json";
  for (const fs::path& p : {key_path, cert_path, info_path}) SILK_RETURN_IF_ERROR(check_absent(p));

  SILK_ASSIGN_OR_RETURN(Passphrase passphrase,
                        ctx.passphrase().get("new CA key file " + key_path.string(),
                                             /*confirm=*/true));
  const uint64_t now = ctx.clock().now_ms();
  core::SecretKey key = core::SecretKey::generate();
  SILK_ASSIGN_OR_RETURN(core::Certificate cert,
                        make_org_ca_certificate(key, options.org, options.jurisdiction, now,
                                                now + options.days * kDayMs));

  const std::string fingerprint = fingerprint_hex(cert);
  json info = ca_info_json(options.org, display_name, options.jurisdiction, cert);

  SILK_RETURN_IF_ERROR(ensure_dir(dir));
  Rollback rollback;
  SILK_RETURN_IF_ERROR(core::write_key_file(key_path.string(), key, passphrase.str(),
                                            key_file_options(options.kdf)));
  rollback.add(key_path);
  SILK_RETURN_IF_ERROR(write_file_once(cert_path, cert.pem(), 0644));
  rollback.add(cert_path);
  SILK_RETURN_IF_ERROR(write_file_once(info_path, info.dump(2) + "\n", 0644));
  rollback.commit();

  CommandOutput out;
  out.text = "CA for " + options.org + " (" + display_name + ", " + options.jurisdiction +
             ")\n  subject      " + core::format_dn(cert.subject()) + "\n  valid        " +
             core::format_time_ms(cert.not_before_ms()) + " to " +
             core::format_time_ms(cert.not_after_ms()) + "\n  fingerprint  " + fingerprint +
             "\n  key          " + key_path.string() + " (0600)\n  certificate  " +
             cert_path.string() + "\n";
  out.json = {{"org", options.org},
              {"name", display_name},
              {"jurisdiction", options.jurisdiction},
              {"subject", core::format_dn(cert.subject())},
              {"fingerprint", fingerprint},
              {"not_before", core::format_time_ms(cert.not_before_ms())},
              {"not_after", core::format_time_ms(cert.not_after_ms())},
              {"key_file", key_path.string()},
              {"cert_file", cert_path.string()},
              {"info_file", info_path.string()},
              {"public_key", core::to_hex(cert.public_key())}};
  return out;
}

Result<CommandOutput> run_cert_issue(CommandContext& ctx, const CertIssueOptions& options) {
  SILK_RETURN_IF_ERROR(check_role(options.role));
  SILK_RETURN_IF_ERROR(check_identifier("org", options.org, kMaxOrgChars));
  SILK_RETURN_IF_ERROR(check_identifier("name", options.name, kMaxNameChars));
  if (!options.jurisdiction.empty()) SILK_RETURN_IF_ERROR(check_jurisdiction(options.jurisdiction));
  SILK_RETURN_IF_ERROR(check_days(options.days));
  std::optional<uint64_t> valid_from;
  std::optional<uint64_t> valid_until;
  if (!options.valid_from.empty()) {
    SILK_ASSIGN_OR_RETURN(valid_from, parse_time_option("--valid-from", options.valid_from));
  }
  if (!options.valid_until.empty()) {
    SILK_ASSIGN_OR_RETURN(valid_until, parse_time_option("--valid-until", options.valid_until));
  }
  if (options.ca_dir.empty()) return Status::invalid("ca-dir must not be empty");
  if (options.out_dir.empty()) return Status::invalid("out-dir must not be empty");
  SILK_RETURN_IF_ERROR(core::crypto_init());

  // The CA: its certificate, its organisation, its validity now.
  const fs::path ca_dir(options.ca_dir);
  const fs::path ca_key_path = ca_dir / "ca.key";
  SILK_ASSIGN_OR_RETURN(core::Certificate ca, load_certificate(ca_dir / "ca.pem"));
  if (!ca.is_ca()) {
    return Status::invalid((ca_dir / "ca.pem").string() + " is not a CA certificate (" +
                           core::format_dn(ca.subject()) + ")");
  }
  if (ca.subject().organization != options.org) {
    return Status::unauthorized("the CA in " + ca_dir.string() + " belongs to organisation '" +
                                ca.subject().organization + "', not '" + options.org + "'");
  }
  const uint64_t now = ctx.clock().now_ms();
  const bool explicit_window = valid_from || valid_until;
  if (!explicit_window) {
    if (Status st = core::check_validity(ca, now); !st.is_ok()) {
      return st.with_context("CA " + (ca_dir / "ca.pem").string());
    }
  }
  // The certificate's window: explicit ends, else now and now + days, cut to the CA's expiry.
  const uint64_t not_before = valid_from.value_or(now);
  const uint64_t wanted_after = not_before + options.days * kDayMs;
  const uint64_t not_after = valid_until.value_or(std::min(wanted_after, ca.not_after_ms()));
  const bool cut_to_ca = !valid_until && not_after < wanted_after;
  if (explicit_window) {
    const std::string ca_window =
        core::format_time_ms(ca.not_before_ms()) + " to " + core::format_time_ms(ca.not_after_ms());
    if (not_after <= not_before) {
      return Status::invalid("the validity window is empty: valid until " +
                             core::format_time_ms(not_after) + " is not after valid from " +
                             core::format_time_ms(not_before));
    }
    // A certificate may not outlive its CA. It may start before the CA does (it is then valid only
    // from the CA's start; a window wholly before it gives a certificate that is already expired,
    // which tests need), so only the end is held to the CA's validity.
    if (not_after > ca.not_after_ms()) {
      return Status::invalid("--valid-until " + core::format_time_ms(not_after) +
                             " is after the CA's expiry (CA valid " + ca_window + ")");
    }
  }
  const std::string jurisdiction =
      options.jurisdiction.empty() ? ca.subject().country : options.jurisdiction;
  if (jurisdiction.empty()) {
    return Status::invalid("the CA certificate has no C (jurisdiction): give --jurisdiction");
  }

  const fs::path out_dir(options.out_dir);
  const fs::path key_path = out_dir / (options.name + ".key");
  const fs::path cert_path = out_dir / (options.name + ".pem");
  SILK_RETURN_IF_ERROR(check_absent(key_path));
  SILK_RETURN_IF_ERROR(check_absent(cert_path));

  // The CA key, under its own passphrase, and that it is the certificate's key.
  if (options.ca_passphrase_file.empty() && !options.ca_passphrase_env && !options.prompt) {
    return Status::invalid(
        "no CA key passphrase: use --ca-passphrase-file, SILK_CA_PASSPHRASE or a terminal");
  }
  PassphraseSource ca_source(options.ca_passphrase_file, options.ca_passphrase_env, options.prompt);
  Result<Passphrase> ca_passphrase =
      ca_source.get("CA key file " + ca_key_path.string(), /*confirm=*/false);
  if (!ca_passphrase.is_ok()) return ca_passphrase.status().with_context("CA key passphrase");
  SILK_ASSIGN_OR_RETURN(core::SecretKey ca_key,
                        core::read_key_file(ca_key_path.string(), ca_passphrase->str()));
  if (ca_key.public_key() != ca.public_key()) {
    return Status::invalid("CA key file " + ca_key_path.string() +
                           " does not hold the CA certificate's key");
  }

  // The member key and certificate, checked against the CA before anything is written.
  SILK_ASSIGN_OR_RETURN(Passphrase passphrase,
                        ctx.passphrase().get("new key file " + key_path.string(),
                                             /*confirm=*/true));
  core::SecretKey key = core::SecretKey::generate();
  const core::DistinguishedName subject =
      member_subject(options.name, options.role, options.org, jurisdiction);
  SILK_ASSIGN_OR_RETURN(
      core::Certificate cert,
      core::issue_certificate(ca_key, ca, key.public_key(), subject, not_before, not_after));
  // Checked where its window and the CA's meet (an explicit window may be over already, or lie
  // before the CA's start: then only the signature can be checked).
  const uint64_t check_at = std::max(cert.not_before_ms(), ca.not_before_ms());
  Status valid = check_at <= cert.not_after_ms() ? core::verify_chain(cert, {ca}, check_at).status()
                                                 : core::verify_issued_by(cert, ca);
  if (!valid.is_ok()) {
    return Status::internal("the issued certificate does not validate: " + valid.message());
  }
  const bool before_ca = cert.not_before_ms() < ca.not_before_ms();

  SILK_RETURN_IF_ERROR(ensure_dir(out_dir));
  Rollback rollback;
  SILK_RETURN_IF_ERROR(core::write_key_file(key_path.string(), key, passphrase.str(),
                                            key_file_options(options.kdf)));
  rollback.add(key_path);
  SILK_RETURN_IF_ERROR(write_file_once(cert_path, cert.pem(), 0644));
  rollback.commit();

  const std::string fingerprint = fingerprint_hex(cert);
  CommandOutput out;
  out.text = "certificate for " + options.name + " (" + options.role + " of " + options.org +
             ")\n  subject      " + core::format_dn(cert.subject()) + "\n  issuer       " +
             core::format_dn(cert.issuer()) + "\n  valid        " +
             core::format_time_ms(cert.not_before_ms()) + " to " +
             core::format_time_ms(cert.not_after_ms()) +
             (cut_to_ca ? " (cut to the CA's expiry)" : "") +
             (before_ca ? " (starts before the CA's validity)" : "") + "\n  fingerprint  " +
             fingerprint + "\n  key          " + key_path.string() + " (0600)\n  certificate  " +
             cert_path.string() + "\n";
  out.json = {{"org", options.org},
              {"role", options.role},
              {"name", options.name},
              {"jurisdiction", jurisdiction},
              {"subject", core::format_dn(cert.subject())},
              {"issuer", core::format_dn(cert.issuer())},
              {"fingerprint", fingerprint},
              {"serial", cert.serial()},
              {"not_before", core::format_time_ms(cert.not_before_ms())},
              {"not_after", core::format_time_ms(cert.not_after_ms())},
              {"key_file", key_path.string()},
              {"cert_file", cert_path.string()},
              {"public_key", core::to_hex(cert.public_key())},
              {"ca_fingerprint", fingerprint_hex(ca)}};
  return out;
}

Result<CommandOutput> run_cert_show(CommandContext& ctx, const std::string& file) {
  SILK_ASSIGN_OR_RETURN(core::Certificate cert, load_certificate(fs::path(file)));
  const uint64_t now = ctx.clock().now_ms();
  std::string validity = "valid";
  if (now < cert.not_before_ms()) {
    validity = "not yet valid";
  } else if (now > cert.not_after_ms()) {
    validity = "expired";
  }
  const std::string role = cert.is_ca() ? std::string("ca") : cert.subject().org_unit;
  const std::string fingerprint = fingerprint_hex(cert);
  const std::string not_before = core::format_time_ms(cert.not_before_ms());
  const std::string not_after = core::format_time_ms(cert.not_after_ms());

  CommandOutput out;
  out.text = "subject      " + core::format_dn(cert.subject()) + "\nissuer       " +
             core::format_dn(cert.issuer()) + "\nserial       " + cert.serial() +
             "\nnot before   " + not_before + "\nnot after    " + not_after + "\nvalidity     " +
             validity + " at " + core::format_time_ms(now) + "\nfingerprint  " + fingerprint +
             "\nrole         " + (role.empty() ? std::string("(none)") : role) + "\nkey          " +
             core::key_type_name(cert.key_type()) + " " + core::to_hex(cert.public_key()) + "\n";
  out.json = {{"file", file},
              {"subject", core::format_dn(cert.subject())},
              {"subject_dn", dn_json(cert.subject())},
              {"issuer", core::format_dn(cert.issuer())},
              {"issuer_dn", dn_json(cert.issuer())},
              {"serial", cert.serial()},
              {"not_before", not_before},
              {"not_after", not_after},
              {"not_before_ms", cert.not_before_ms()},
              {"not_after_ms", cert.not_after_ms()},
              {"validity", validity},
              {"fingerprint", fingerprint},
              {"role", role},
              {"is_ca", cert.is_ca()},
              {"key_type", core::key_type_name(cert.key_type())},
              {"public_key", core::to_hex(cert.public_key())}};
  return out;
}

}  // namespace silk::tools
