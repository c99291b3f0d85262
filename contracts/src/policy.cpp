#include "silk/contracts/policy.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "silk/core/genesis.h"

namespace silk::contracts {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

// Plain decimal 1..kMaxPolicyCount: no sign, no leading zero, no spaces.
Result<uint32_t> parse_count(std::string_view text, std::string_view rule) {
  const std::string where = "policy rule '" + std::string(rule) + "'";
  if (text.empty()) return Status::invalid(where + ": expected a number");
  for (char c : text) {
    if (c < '0' || c > '9') return Status::invalid(where + ": expected a decimal number");
  }
  if (text.size() > 1 && text[0] == '0') {
    return Status::invalid(where + ": leading zero in a number");
  }
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > kMaxPolicyCount) {
    return Status::invalid(where + ": at most " + std::to_string(kMaxPolicyCount));
  }
  if (v == 0) return Status::invalid(where + ": must be at least 1");
  return static_cast<uint32_t>(v);
}

Status parse_rule(const std::string& text, Policy& p) {
  if (text == "ANY") {
    p.rule = Policy::Rule::kAny;
  } else if (text == "ALL") {
    p.rule = Policy::Rule::kAll;
  } else if (text == "MAJORITY") {
    p.rule = Policy::Rule::kMajority;
  } else if (text == "SELF") {
    p.rule = Policy::Rule::kSelf;
  } else if (text == "FORBIDDEN") {
    p.rule = Policy::Rule::kForbidden;
  } else if (!text.empty() && text[0] >= '0' && text[0] <= '9') {
    const size_t slash = text.find('/');
    if (slash == std::string::npos) {
      SILK_ASSIGN_OR_RETURN(p.n, parse_count(text, text));
      p.rule = Policy::Rule::kAtLeast;
    } else {
      std::string_view all(text);
      SILK_ASSIGN_OR_RETURN(p.n, parse_count(all.substr(0, slash), text));
      SILK_ASSIGN_OR_RETURN(p.m, parse_count(all.substr(slash + 1), text));
      if (p.n > p.m) {
        return Status::invalid("policy rule '" + text + "': numerator larger than denominator");
      }
      p.rule = Policy::Rule::kFraction;
    }
  } else {
    return Status::invalid("policy rule '" + text +
                           "': expected ANY, ALL, MAJORITY, SELF, FORBIDDEN, n or n/m");
  }
  return Status::ok();
}

Result<std::vector<std::string>> parse_list(const json& j, const char* field) {
  const std::string where = std::string("policy ") + field;
  if (!j.is_array()) return Status::invalid(where + ": expected an array of strings");
  if (j.size() > kMaxPolicyEntries) {
    return Status::invalid(where + ": " + std::to_string(j.size()) + " entries, at most " +
                           std::to_string(kMaxPolicyEntries));
  }
  std::vector<std::string> out;
  out.reserve(j.size());
  for (const json& e : j) {
    if (!e.is_string() || e.get_ref<const std::string&>().empty()) {
      return Status::invalid(where + ": expected non-empty strings, got " +
                             e.dump(-1, ' ', false, json::error_handler_t::replace));
    }
    out.push_back(e.get<std::string>());
  }
  std::sort(out.begin(), out.end());
  auto dup = std::adjacent_find(out.begin(), out.end());
  if (dup != out.end()) return Status::invalid(where + ": duplicate '" + *dup + "'");
  return out;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The principal holds one of the policy's roles (any role when the policy lists none).
bool role_matches(const Policy& policy, const Principal& who) {
  if (policy.roles.empty()) return true;
  return std::any_of(who.roles.begin(), who.roles.end(),
                     [&](const std::string& r) { return contains(policy.roles, r); });
}

// "a, b or c"
std::string join_or(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
    out += items[i];
  }
  return out;
}

// "role client of org2", "roles client, node of org2", "a sender with no role of org2"
std::string describe_sender(const Principal& who) {
  std::string out;
  if (who.roles.empty()) {
    out = "a sender with no role";
  } else {
    out = who.roles.size() == 1 ? "role " : "roles ";
    for (size_t i = 0; i < who.roles.size(); ++i) out += (i ? ", " : "") + who.roles[i];
  }
  return out + " of " + (who.org.empty() ? std::string("no organisation") : who.org);
}

// "admin of org1", "any role of org1 or org3", "admin of any consortium organisation"
std::string describe_need(const Policy& policy, std::string_view self_org) {
  std::string roles = policy.roles.empty() ? "any role" : join_or(policy.roles);
  std::string orgs;
  if (policy.rule == Policy::Rule::kSelf) {
    orgs = std::string(self_org) + " (the subject organisation)";
  } else if (policy.orgs.empty()) {
    orgs = "any consortium organisation";
  } else {
    orgs = join_or(policy.orgs);
  }
  return roles + " of " + orgs;
}

}  // namespace

std::string rule_text(const Policy& policy) {
  switch (policy.rule) {
    case Policy::Rule::kAny:
      return "ANY";
    case Policy::Rule::kAll:
      return "ALL";
    case Policy::Rule::kMajority:
      return "MAJORITY";
    case Policy::Rule::kAtLeast:
      return std::to_string(policy.n);
    case Policy::Rule::kFraction:
      return std::to_string(policy.n) + "/" + std::to_string(policy.m);
    case Policy::Rule::kSelf:
      return "SELF";
    case Policy::Rule::kForbidden:
      return "FORBIDDEN";
  }
  return "FORBIDDEN";
}

Result<Policy> parse_policy(const json& j) {
  if (!j.is_object()) return Status::invalid("policy: expected a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key != "rule" && key != "orgs" && key != "roles") {
      return Status::invalid("policy: unknown field '" + key + "' (expected rule, orgs, roles)");
    }
  }
  auto rule_it = j.find("rule");
  if (rule_it == j.end()) return Status::invalid("policy: missing field 'rule'");
  if (!rule_it->is_string()) return Status::invalid("policy rule: expected a string");

  Policy p;
  SILK_RETURN_IF_ERROR(parse_rule(rule_it->get<std::string>(), p));
  if (auto it = j.find("orgs"); it != j.end() && !it->is_null()) {
    SILK_ASSIGN_OR_RETURN(p.orgs, parse_list(*it, "orgs"));
  }
  if (auto it = j.find("roles"); it != j.end() && !it->is_null()) {
    SILK_ASSIGN_OR_RETURN(p.roles, parse_list(*it, "roles"));
    for (const std::string& r : p.roles) {
      if (!core::is_known_role(r)) return Status::invalid("policy roles: unknown role '" + r + "'");
    }
  }
  if (p.rule == Policy::Rule::kSelf && !p.orgs.empty()) {
    return Status::invalid(
        "policy rule 'SELF': takes no orgs (it is always the subject organisation)");
  }
  if (p.rule == Policy::Rule::kForbidden && (!p.orgs.empty() || !p.roles.empty())) {
    return Status::invalid("policy rule 'FORBIDDEN': takes no orgs or roles");
  }
  return p;
}

json to_json(const Policy& policy) {
  return json{{"rule", rule_text(policy)}, {"orgs", policy.orgs}, {"roles", policy.roles}};
}

Status check_access(const Policy& policy, const Principal& sender,
                    const std::vector<std::string>& consortium_orgs, std::string_view subject_org,
                    std::string_view method) {
  if (policy.rule == Policy::Rule::kForbidden) {
    return Status::unauthorized("method is forbidden by policy");
  }
  const std::string call = method.empty() ? std::string("this method") : std::string(method);
  const std::string who = describe_sender(sender);
  if (!contains(consortium_orgs, sender.org)) {
    return Status::unauthorized(who + " may not call " + call + ": organisation '" + sender.org +
                                "' is not in the consortium");
  }
  bool org_ok = false;
  if (policy.rule == Policy::Rule::kSelf) {
    if (subject_org.empty()) {
      return Status::unauthorized(who + " may not call " + call +
                                  ": a SELF policy needs a subject organisation");
    }
    org_ok = sender.org == subject_org;
  } else {
    org_ok = policy.orgs.empty() || contains(policy.orgs, sender.org);
  }
  if (org_ok && role_matches(policy, sender)) return Status::ok();
  return Status::unauthorized(who + " may not call " + call + "; needs " +
                              describe_need(policy, subject_org));
}

Status check_approvals(const Policy& policy, const std::vector<Principal>& approvers,
                       const std::vector<std::string>& consortium_orgs,
                       std::string_view subject_org) {
  if (policy.rule == Policy::Rule::kForbidden) {
    return Status::unauthorized("method is forbidden by policy");
  }
  const std::set<std::string> consortium(consortium_orgs.begin(), consortium_orgs.end());
  const std::string roles_note =
      policy.roles.empty() ? std::string() : " as " + join_or(policy.roles);

  if (policy.rule == Policy::Rule::kSelf) {
    const std::string subject(subject_org);
    if (subject.empty()) {
      return Status::unauthorized("a SELF policy needs a subject organisation");
    }
    if (consortium.count(subject) == 0) {
      return Status::unauthorized("organisation '" + subject + "' is not in the consortium");
    }
    for (const Principal& a : approvers) {
      if (a.org == subject && role_matches(policy, a)) return Status::ok();
    }
    return Status::unauthorized(subject + " has not approved" + roles_note + "; SELF needs " +
                                subject);
  }

  std::set<std::string> eligible;
  if (policy.orgs.empty()) {
    eligible = consortium;
  } else {
    for (const std::string& o : policy.orgs) {
      if (consortium.count(o) != 0) eligible.insert(o);
    }
  }
  if (eligible.empty()) {
    return Status::unauthorized("no consortium organisation is eligible to approve");
  }
  std::set<std::string> approved;
  for (const Principal& a : approvers) {
    if (eligible.count(a.org) != 0 && role_matches(policy, a)) approved.insert(a.org);
  }

  const uint64_t e = eligible.size();
  uint64_t needed = 1;
  switch (policy.rule) {
    case Policy::Rule::kAny:
      needed = 1;
      break;
    case Policy::Rule::kAll:
      needed = e;
      break;
    case Policy::Rule::kMajority:
      needed = e / 2 + 1;
      break;
    case Policy::Rule::kAtLeast:
      needed = policy.n;
      break;
    case Policy::Rule::kFraction:
      needed = policy.m == 0 ? e : (uint64_t{policy.n} * e + policy.m - 1) / policy.m;
      break;
    case Policy::Rule::kSelf:
    case Policy::Rule::kForbidden:
      break;  // handled above
  }
  needed = std::max<uint64_t>(needed, 1);
  if (approved.size() >= needed) return Status::ok();

  std::string message = std::to_string(approved.size()) + " of " + std::to_string(e) +
                        " organisations approved" + roles_note + "; " + rule_text(policy) +
                        " needs " + std::to_string(needed);
  if (needed > e) message += " (only " + std::to_string(e) + " are eligible)";
  return Status::unauthorized(message);
}

}  // namespace silk::contracts
