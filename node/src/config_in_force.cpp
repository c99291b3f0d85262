#include "silk/node/config_in_force.h"

#include <utility>

namespace silk::node {

ConfigInForce::ConfigInForce(std::shared_ptr<const contracts::ConfigSchedule> schedule)
    : schedule_(std::move(schedule)) {}

core::Result<std::shared_ptr<ConfigInForce>> ConfigInForce::load(
    const contracts::Executor& executor, const contracts::StateView& state) {
  SILK_ASSIGN_OR_RETURN(std::shared_ptr<const contracts::ConfigSchedule> schedule,
                        executor.config_schedule(state));
  return std::make_shared<ConfigInForce>(std::move(schedule));
}

std::shared_ptr<const contracts::ChainConfig> ConfigInForce::at(uint64_t height) const {
  return schedule()->at(height);
}

std::shared_ptr<const contracts::ConfigSchedule> ConfigInForce::schedule() const {
  std::lock_guard lock(mu_);
  return schedule_;
}

void ConfigInForce::update(std::shared_ptr<const contracts::ConfigSchedule> schedule) {
  if (!schedule) return;
  std::lock_guard lock(mu_);
  schedule_ = std::move(schedule);
}

}  // namespace silk::node
