// What the built-in engines' kinds share (engine.h, EngineKind). Private to consensus.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "silk/consensus/engine.h"

namespace silk::consensus {

// An EngineKind from its answers and its constructor.
class BuiltinEngineKind final : public EngineKind {
 public:
  struct Traits {
    std::string_view name;
    core::CommitCert::Kind cert_kind;
    bool networked;
    bool needs_wal;
    bool needs_proposal_bytes;
    bool needs_next_validators;
    core::ValidatorChanges validator_changes;
    core::Result<std::unique_ptr<Engine>> (*make)(EngineConfig);
  };
  explicit BuiltinEngineKind(Traits t) : t_(t) {}

  std::string_view name() const override { return t_.name; }
  core::CommitCert::Kind cert_kind() const override { return t_.cert_kind; }
  bool networked() const override { return t_.networked; }
  bool needs_wal() const override { return t_.needs_wal; }
  bool needs_proposal_bytes() const override { return t_.needs_proposal_bytes; }
  bool needs_next_validators() const override { return t_.needs_next_validators; }
  core::ValidatorChanges validator_changes() const override { return t_.validator_changes; }
  core::Status verify_commit(const core::BlockHeader& header, const core::CommitCert& cert,
                             const std::vector<core::PublicKey>& validators) const override {
    if (cert.kind != t_.cert_kind) {
      const EngineKind* other = engine_kind_of(cert.kind);
      return core::Status::invalid("it is a " +
                                   (other ? std::string(other->name()) : std::string("unknown")) +
                                   " certificate; a " + std::string(t_.name) +
                                   " chain's blocks carry " + std::string(t_.name) + " ones");
    }
    return core::verify_commit_cert(header, cert, validators);
  }
  core::Result<std::unique_ptr<Engine>> make(EngineConfig config) const override {
    return t_.make(std::move(config));
  }

 private:
  Traits t_;
};

}  // namespace silk::consensus
