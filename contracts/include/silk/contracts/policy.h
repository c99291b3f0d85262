// Access policies (DESIGN.md §3): who may call a contract.method, and which approvals a
// governance proposal needs.
//
// A policy is a rule over organisations and roles, written in genesis and governance proposals as
//   {"rule": "ANY" | "ALL" | "MAJORITY" | "<n>" | "<n>/<m>" | "SELF" | "FORBIDDEN",
//    "orgs": ["org1", ...],    // optional; absent or empty = every consortium organisation
//    "roles": ["admin", ...]}  // optional; absent or empty = any role
//
// Everything here is pure and deterministic (no clock, no randomness, no unordered iteration):
// the executor may call it while executing a block. Thread-safe: no shared state.
//
// Errors (returned, never thrown):
//   kInvalid       parse_policy: a malformed policy, naming the field
//                  ("policy rule '3/2': numerator larger than denominator");
//   kUnauthorized  check_access / check_approvals: the caller or the approvals do not satisfy the
//                  policy, naming what was needed
//                  ("role client of org2 may not call identity.revoke; needs admin of org1",
//                   "2 of 4 organisations approved; MAJORITY needs 3").
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "silk/core/status.h"

namespace silk::contracts {

// Who is acting: the organisation and roles of a certificate (O and OU) or of a genesis member.
struct Principal {
  std::string org;
  std::vector<std::string> roles;

  friend bool operator==(const Principal&, const Principal&) = default;
};

struct Policy {
  enum class Rule : uint8_t {
    kAny,        // "ANY": one organisation
    kAll,        // "ALL": every organisation
    kMajority,   // "MAJORITY": more than half of the organisations
    kAtLeast,    // "<n>": at least n organisations
    kFraction,   // "<n>/<m>": at least ceil(n * organisations / m)
    kSelf,       // "SELF": the organisation the call or proposal is about
    kForbidden,  // "FORBIDDEN": nobody
  };
  Rule rule = Rule::kForbidden;
  uint32_t n = 0;  // kAtLeast and kFraction: the n; otherwise 0
  uint32_t m = 0;  // kFraction: the m; otherwise 0
  // The organisations that count; empty = every consortium organisation. Sorted, unique after
  // parse_policy.
  std::vector<std::string> orgs;
  // The roles that count; empty = any role. Sorted, unique after parse_policy.
  std::vector<std::string> roles;

  friend bool operator==(const Policy&, const Policy&) = default;
};

// The largest n or m a numeric rule may name.
inline constexpr uint32_t kMaxPolicyCount = 1000;
// The most organisations or roles a policy may list.
inline constexpr size_t kMaxPolicyEntries = 1000;

// Parses a policy from its JSON form (above). kInvalid, naming the field, for: not an object; an
// unknown field; "rule" missing or not a string; an unknown rule word; a numeric rule that is not
// plain decimal, is 0, is over kMaxPolicyCount or has its numerator larger than its denominator
// ("policy rule '3/2': numerator larger than denominator"); "orgs"/"roles" not an array of
// non-empty strings, with a duplicate, or longer than kMaxPolicyEntries; a role that
// core::is_known_role does not know; "orgs" given with SELF (it is always the subject's
// organisation) or "orgs"/"roles" given with FORBIDDEN. Orgs and roles come back sorted.
core::Result<Policy> parse_policy(const nlohmann::json& j);

// The JSON form: {"rule": "MAJORITY", "orgs": [...], "roles": [...]} (both arrays always present).
// parse_policy(to_json(p)) == p for every policy parse_policy returns.
nlohmann::json to_json(const Policy& policy);

// The rule as written: "ANY", "ALL", "MAJORITY", "2", "2/3", "SELF", "FORBIDDEN".
std::string rule_text(const Policy& policy);

// Whether one signer may make a call under `policy`. `consortium_orgs` are the organisations of
// the chain; `subject_org` is the organisation the call is about (for SELF); `method` names the
// call in messages ("identity.revoke"; empty = "this method").
//   FORBIDDEN  never: "method is forbidden by policy";
//   SELF       sender.org == subject_org, a consortium organisation, with a matching role;
//   any other  (a single signature cannot make up a count) sender.org is a consortium
//              organisation, listed in the policy's orgs when it has any, and holds one of the
//              policy's roles when it lists any.
// kUnauthorized otherwise, naming the sender and what was needed:
// "role client of org2 may not call identity.revoke; needs admin of org1".
core::Status check_access(const Policy& policy, const Principal& sender,
                          const std::vector<std::string>& consortium_orgs,
                          std::string_view subject_org, std::string_view method = {});

// Whether a governance proposal's approvals satisfy `policy`. The eligible organisations are the
// policy's orgs that are in the consortium (or every consortium organisation when it lists none);
// an organisation has approved when at least one approver of it holds a matching role. Approvers
// of other organisations are ignored, and several approvers of one organisation count once.
// With E eligible organisations, the number needed is:
//   ANY 1, ALL E, MAJORITY floor(E/2)+1, n n, n/m ceil(n*E/m) (at least 1);
//   SELF: subject_org (a consortium organisation) has approved; FORBIDDEN: never.
// kUnauthorized otherwise: "2 of 4 organisations approved; MAJORITY needs 3" (with
// " (only 2 are eligible)" when n exceeds E, and the roles when the policy names some), or
// "no consortium organisation is eligible to approve" when E is 0.
core::Status check_approvals(const Policy& policy, const std::vector<Principal>& approvers,
                             const std::vector<std::string>& consortium_orgs,
                             std::string_view subject_org);

}  // namespace silk::contracts
