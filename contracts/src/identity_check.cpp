// Resolving a certificate to a consortium member (identity.h): shared by the
// executor (tx senders) and the identity contract (register, status).
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "silk/contracts/identity.h"

namespace silk::contracts {
namespace {

using core::Result;
using core::Status;

std::string hex(const core::Hash& h) { return core::to_hex(core::ByteSpan(h.data(), h.size())); }

std::string who(const core::Certificate& cert) {
  return "certificate " + core::format_dn(cert.subject());
}

// A CA set is named by its members' fingerprints, in order.
core::Hash ca_set_id(const std::vector<core::Certificate>& cas) {
  core::Sha256 h;
  for (const core::Certificate& ca : cas) h.update(ca.fingerprint());
  return h.finish();
}

}  // namespace

struct CertCache::Impl {
  size_t capacity;
  std::mutex mu;
  std::map<core::Hash, core::Certificate> parsed;
  // (leaf, CA set) -> issuing CA fingerprint.
  std::map<std::pair<core::Hash, core::Hash>, core::Hash> issuers;
};

CertCache::CertCache(size_t capacity) : impl_(std::make_unique<Impl>()) {
  impl_->capacity = std::max<size_t>(1, capacity);
}
CertCache::~CertCache() = default;

Result<core::Certificate> CertCache::parse(const core::Hash& fp, core::ByteSpan der) {
  {
    std::lock_guard lock(impl_->mu);
    if (auto it = impl_->parsed.find(fp); it != impl_->parsed.end()) return it->second;
  }
  if (core::sha256(der) != fp) {
    return Status::invalid("certificate bytes do not hash to fingerprint " + hex(fp));
  }
  SILK_ASSIGN_OR_RETURN(core::Certificate cert, core::parse_certificate(der));
  std::lock_guard lock(impl_->mu);
  if (impl_->parsed.size() >= impl_->capacity) impl_->parsed.clear();
  impl_->parsed.emplace(fp, cert);
  return cert;
}

Result<core::Hash> CertCache::issuer_of(const core::Certificate& leaf,
                                        const std::vector<core::Certificate>& cas) {
  const auto key = std::make_pair(leaf.fingerprint(), ca_set_id(cas));
  {
    std::lock_guard lock(impl_->mu);
    if (auto it = impl_->issuers.find(key); it != impl_->issuers.end()) return it->second;
  }
  // verify_chain also checks validity times; check the chain at a time when
  // both the leaf and a candidate CA are valid, so that only the signature,
  // names and extensions decide here. check_certificate checks the times of
  // every use itself.
  Status last = Status::unauthorized(who(leaf) + ": no CA of its organisation issued it");
  for (const core::Certificate& ca : cas) {
    const uint64_t from = std::max(leaf.not_before_ms(), ca.not_before_ms());
    const uint64_t to = std::min(leaf.not_after_ms(), ca.not_after_ms());
    // Never valid together (say, a certificate that expired before its CA's
    // window began): OpenSSL's path check needs a common time, so only the
    // issuance itself is checked; check_certificate refuses it on its times.
    Status issued = from > to ? core::verify_issued_by(leaf, ca)
                              : core::verify_chain(leaf, {ca}, from).status();
    if (issued.is_ok()) {
      std::lock_guard lock(impl_->mu);
      if (impl_->issuers.size() >= impl_->capacity) impl_->issuers.clear();
      impl_->issuers.emplace(key, ca.fingerprint());
      return ca.fingerprint();
    }
    last = issued;
  }
  return last;
}

Result<core::Member> check_certificate(const core::Certificate& cert, const ChainConfig& config,
                                       const KeyReader& read, uint64_t at_ms, CertCache* cache) {
  const core::DistinguishedName& dn = cert.subject();
  const OrgConfig* org = config.find_org(dn.organization);
  if (org == nullptr) {
    return Status::unauthorized(who(cert) + ": organisation '" + dn.organization +
                                "' is not in the consortium");
  }
  if (cert.is_ca()) return Status::unauthorized(who(cert) + ": a CA certificate cannot sign txs");
  Result<core::Hash> issuer = Status::internal("unset");
  if (cache != nullptr) {
    issuer = cache->issuer_of(cert, org->cas);
  } else {
    CertCache local(16);
    issuer = local.issuer_of(cert, org->cas);
  }
  if (!issuer.is_ok()) {
    return Status::unauthorized(issuer.status().message() + " (not chained to a consortium CA of " +
                                org->id + ")");
  }
  const core::Certificate* ca = nullptr;
  for (const core::Certificate& c : org->cas) {
    if (c.fingerprint() == *issuer) ca = &c;
  }
  if (ca == nullptr) return Status::internal("issuing CA vanished from the set");
  if (Status st = core::check_validity(*ca, at_ms); !st.is_ok()) {
    return Status::unauthorized(who(cert) + ": issuing CA is not valid: " + st.message());
  }
  SILK_RETURN_IF_ERROR(core::check_validity(cert, at_ms));
  if (dn.country != org->jurisdiction) {
    return Status::unauthorized(who(cert) + ": jurisdiction '" + dn.country + "' is not " +
                                org->id + "'s jurisdiction '" + org->jurisdiction + "'");
  }
  if (!core::is_known_role(dn.org_unit)) {
    return Status::unauthorized(who(cert) + ": OU '" + dn.org_unit + "' is not a known role");
  }

  const std::string crl_key = "identity/crl/" + org->id + "/" + cert.serial();
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> crl, read(crl_key));
  if (crl) {
    nlohmann::json entry = nlohmann::json::parse(*crl, nullptr, false);
    // An unreadable entry counts as revoked from time 0.
    if (revocation_effective_ms(entry) <= at_ms) {
      return Status::unauthorized(who(cert) + ": " + describe_revocation(entry));
    }
  }
  const std::string fp = hex(cert.fingerprint());
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> frozen, read("identity/frozen/" + fp));
  if (frozen) {
    nlohmann::json entry = nlohmann::json::parse(*frozen, nullptr, false);
    const uint64_t since = entry.is_object() ? entry.value("since_ms", uint64_t{0}) : uint64_t{0};
    return Status::unauthorized(who(cert) + ": frozen since " + core::format_time_ms(since));
  }

  core::Member m;
  m.name = dn.common_name;
  m.public_key = cert.public_key();
  m.org = org->id;
  m.roles = {dn.org_unit};
  m.jurisdiction = dn.country;
  m.cert_fingerprint = cert.fingerprint();
  return m;
}

Result<std::optional<core::Certificate>> registered_certificate(const core::Hash& fp,
                                                                const KeyReader& read,
                                                                CertCache* cache) {
  const std::string key = "identity/cert/" + hex(fp);
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> value, read(key));
  if (!value) return std::optional<core::Certificate>();
  nlohmann::json entry = nlohmann::json::parse(*value, nullptr, false);
  if (!entry.is_object() || !entry.contains("der_hex") || !entry["der_hex"].is_string()) {
    return Status::corruption(key + ": not a certificate registration entry");
  }
  Result<core::Bytes> der = core::from_hex(entry["der_hex"].get<std::string>());
  if (!der.is_ok()) return Status::corruption(key + ": " + der.status().message());
  Result<core::Certificate> cert = Status::internal("unset");
  if (cache != nullptr) {
    cert = cache->parse(fp, *der);
  } else {
    if (core::sha256(*der) != fp) return Status::corruption(key + ": DER does not match the key");
    cert = core::parse_certificate(core::ByteSpan(der->data(), der->size()));
  }
  if (!cert.is_ok()) return Status::corruption(key + ": " + cert.status().message());
  return std::optional<core::Certificate>(*cert);
}

std::string registration_entry(const core::Certificate& cert, uint64_t height,
                               const core::Hash& tx_id) {
  const core::Bytes& der = cert.der();
  return nlohmann::json{{"der_hex", core::to_hex(core::ByteSpan(der.data(), der.size()))},
                        {"fingerprint", hex(cert.fingerprint())},
                        {"org", cert.subject().organization},
                        {"subject", core::format_dn(cert.subject())},
                        {"serial", cert.serial()},
                        {"not_before_ms", cert.not_before_ms()},
                        {"not_after_ms", cert.not_after_ms()},
                        {"height", height},
                        {"tx_id", hex(tx_id)}}
      .dump();
}

}  // namespace silk::contracts
