// The engine registry (engine.h): every built-in engine's kind, in one list. Adding an engine is
// its implementation and one line here.
#include <string>

#include "silk/consensus/engine.h"

namespace silk::consensus {

const std::vector<const EngineKind*>& engine_kinds() {
  static const std::vector<const EngineKind*> kKinds = {
      &solo_engine_kind(),
      &raft_engine_kind(),
      &tbft_engine_kind(),
  };
  return kKinds;
}

const EngineKind* find_engine_kind(std::string_view name) {
  for (const EngineKind* k : engine_kinds()) {
    if (k->name() == name) return k;
  }
  return nullptr;
}

const EngineKind* engine_kind_of(core::CommitCert::Kind kind) {
  for (const EngineKind* k : engine_kinds()) {
    if (k->cert_kind() == kind) return k;
  }
  return nullptr;
}

std::string engine_names() {
  std::string out;
  for (const EngineKind* k : engine_kinds())
    out += (out.empty() ? "" : ", ") + std::string(k->name());
  return out;
}

core::Result<const EngineKind*> engine_kind(std::string_view name) {
  const EngineKind* k = find_engine_kind(name);
  if (k == nullptr) {
    return core::Status::invalid("unknown consensus type '" + std::string(name).substr(0, 64) +
                                 "' (this build has " + engine_names() + ")");
  }
  return k;
}

core::Result<std::unique_ptr<Engine>> make_engine(EngineConfig config) {
  SILK_ASSIGN_OR_RETURN(const EngineKind* kind, engine_kind(config.params.type));
  return kind->make(std::move(config));
}

std::string_view Engine::name() const { return kind().name(); }

}  // namespace silk::consensus
