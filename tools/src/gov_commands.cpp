#include "silk/tools/gov_commands.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "silk/contracts/chain_config.h"
#include "silk/contracts/policy.h"
#include "silk/core/genesis.h"
#include "silk/core/x509.h"
#include "silk/tools/signer.h"

namespace silk::tools {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

constexpr std::array<const char*, 6> kKinds = {"add_org",        "remove_org", "rotate_ca",
                                               "set_validators", "set_policy", "set_block_params"};

// The CA certificates in a file: a PEM bundle, or one certificate (PEM or DER).
Result<std::vector<core::Certificate>> load_ca_certs(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found("--ca-cert " + path + " cannot be read");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > core::kMaxPemBundleBytes) {
    return Status::invalid("--ca-cert " + path + " is too large");
  }
  if (text.find("-----BEGIN") != std::string::npos) {
    auto bundle = core::parse_pem_bundle(text);
    if (!bundle.is_ok()) return bundle.status().with_context("--ca-cert " + path);
    return bundle;
  }
  SILK_ASSIGN_OR_RETURN(core::Certificate one, load_certificate_file(path));
  return std::vector<core::Certificate>{one};
}

Status check_ca_for(const core::Certificate& ca, const std::string& path, const std::string& org,
                    const std::string& jurisdiction) {
  const std::string dn = core::format_dn(ca.subject());
  if (!ca.is_ca()) return Status::invalid("--ca-cert " + path + " (" + dn + ") is not a CA");
  if (ca.subject().organization != org) {
    return Status::invalid("--ca-cert " + path + " (" + dn + ") names organisation '" +
                           ca.subject().organization + "', not '" + org + "'");
  }
  if (!jurisdiction.empty() && ca.subject().country != jurisdiction) {
    return Status::invalid("--ca-cert " + path + " (" + dn + ") names jurisdiction '" +
                           ca.subject().country + "', not '" + jurisdiction + "'");
  }
  return Status::ok();
}

Status check_org_id(const std::string& org, bool required) {
  if (org.empty()) return required ? Status::invalid("--org is required") : Status::ok();
  if (!core::is_valid_org_id(org)) {
    return Status::invalid("--org \"" + org +
                           "\" is not a valid organisation id (1-60 of A-Z a-z 0-9 . _ -, "
                           "starting with a letter or digit)");
  }
  return Status::ok();
}

std::string str_field(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

json result_object(const json& result) {
  if (result.is_string()) {
    json parsed = json::parse(result.get<std::string>(), nullptr, false);
    if (!parsed.is_discarded()) return parsed;
  }
  return result;
}

}  // namespace

Result<std::string> proposal_kind_on_chain(const std::string& cli_kind) {
  std::string kind = cli_kind;
  std::replace(kind.begin(), kind.end(), '-', '_');
  if (std::find(kKinds.begin(), kKinds.end(), kind) != kKinds.end()) return kind;
  return Status::invalid("unknown proposal kind \"" + cli_kind +
                         "\" (expected add-org, remove-org, rotate-ca, set-validators, "
                         "set-policy or set-block-params)");
}

Result<json> gov_propose_args(const GovProposeOptions& o) {
  SILK_ASSIGN_OR_RETURN(std::string kind, proposal_kind_on_chain(o.kind));
  std::optional<json> extra;
  if (o.params) {
    json p = json::parse(*o.params, nullptr, /*allow_exceptions=*/false);
    if (p.is_discarded() || !p.is_object()) {
      return Status::invalid("--params is not a JSON object: " + *o.params);
    }
    extra = std::move(p);
  }
  const bool strict = !extra;  // without --params the kind's flags are required
  if (o.effective_height && *o.effective_height == 0) {
    return Status::invalid("--effective-height must be more than 0");
  }

  json params = json::object();
  if (kind == "add_org") {
    SILK_RETURN_IF_ERROR(check_org_id(o.org, strict));
    if (!o.jurisdiction.empty() && !core::is_valid_jurisdiction(o.jurisdiction)) {
      return Status::invalid("--jurisdiction \"" + o.jurisdiction +
                             "\" is not an ISO 3166-1 alpha-2 code in upper case (e.g. SG)");
    }
    if (strict && o.jurisdiction.empty()) return Status::invalid("--jurisdiction is required");
    if (strict && o.ca_cert_file.empty()) return Status::invalid("--ca-cert is required");
    json org = json::object();
    if (!o.org.empty()) {
      org["id"] = o.org;
      org["name"] = o.name.empty() ? o.org : o.name;
    }
    if (!o.jurisdiction.empty()) org["jurisdiction"] = o.jurisdiction;
    if (!o.ca_cert_file.empty()) {
      SILK_ASSIGN_OR_RETURN(std::vector<core::Certificate> cas, load_ca_certs(o.ca_cert_file));
      json pems = json::array();
      for (const core::Certificate& ca : cas) {
        SILK_RETURN_IF_ERROR(check_ca_for(ca, o.ca_cert_file, o.org, o.jurisdiction));
        pems.push_back(ca.pem());
      }
      org["ca_certs"] = std::move(pems);
    }
    if (!org.empty()) params["org"] = std::move(org);
  } else if (kind == "remove_org") {
    SILK_RETURN_IF_ERROR(check_org_id(o.org, strict));
    if (!o.org.empty()) params["org"] = o.org;
  } else if (kind == "rotate_ca") {
    SILK_RETURN_IF_ERROR(check_org_id(o.org, strict));
    if (strict && o.ca_cert_file.empty()) return Status::invalid("--ca-cert is required");
    if (!o.org.empty()) params["org"] = o.org;
    if (!o.ca_cert_file.empty()) {
      SILK_ASSIGN_OR_RETURN(core::Certificate ca, load_certificate_file(o.ca_cert_file));
      SILK_RETURN_IF_ERROR(check_ca_for(ca, o.ca_cert_file, o.org, ""));
      params["ca_cert"] = ca.pem();
    }
    params["keep_old"] = !o.drop_old;
  } else if (kind == "set_validators") {
    if (strict && o.validators.empty()) {
      return Status::invalid("--validator is required (repeat it for each validator)");
    }
    json validators = json::array();
    std::set<std::string> seen;
    for (const std::string& v : o.validators) {
      auto pk = core::public_key_from_hex(v);
      if (!pk.is_ok()) {
        return Status::invalid("--validator \"" + v + "\" is not a 64-hex Ed25519 public key");
      }
      const std::string hex = core::to_hex(*pk);
      if (!seen.insert(hex).second) return Status::invalid("--validator " + hex + " given twice");
      validators.push_back(hex);
    }
    if (!validators.empty()) params["validators"] = std::move(validators);
  } else if (kind == "set_policy") {
    if (strict && o.name.empty()) return Status::invalid("--name (contract.method) is required");
    if (!o.name.empty()) {
      SILK_RETURN_IF_ERROR(contracts::check_policy_name(o.name));
      params["name"] = o.name;
    }
    if (o.policy && o.clear) return Status::invalid("give --policy or --clear, not both");
    if (strict && !o.policy && !o.clear) {
      return Status::invalid("--policy JSON or --clear is required");
    }
    if (o.policy) {
      json p = json::parse(*o.policy, nullptr, /*allow_exceptions=*/false);
      if (p.is_discarded()) return Status::invalid("--policy is not valid JSON: " + *o.policy);
      auto parsed = contracts::parse_policy(p);
      if (!parsed.is_ok()) return parsed.status().with_context("--policy");
      params["policy"] = contracts::to_json(*parsed);
    } else if (o.clear) {
      params["policy"] = nullptr;
    }
  } else if (kind == "set_block_params") {
    if (o.block_interval_ms) params["block_interval_ms"] = *o.block_interval_ms;
    if (o.max_block_txs) params["max_block_txs"] = *o.max_block_txs;
    if (o.max_block_bytes) params["max_block_bytes"] = *o.max_block_bytes;
    if (strict && params.empty()) {
      return Status::invalid(
          "give at least one of --block-interval-ms, --max-block-txs, --max-block-bytes");
    }
  }
  if (extra) params.update(*extra);

  json args = {{"kind", kind}, {"params", std::move(params)}};
  if (!o.description.empty()) args["description"] = o.description;
  if (o.effective_height) args["effective_height"] = *o.effective_height;
  return args;
}

Result<CommandOutput> run_gov_propose(CommandContext& ctx, const GovProposeOptions& options) {
  SILK_ASSIGN_OR_RETURN(json args, gov_propose_args(options));
  const std::string kind = args["kind"];
  return run_signed_call(ctx, options.signer, "governance", "propose", args, [&](const json& r) {
    const json res = result_object(r);
    return "proposal " + str_field(res, "id") + " (" + kind + "): " + str_field(res, "status") +
           "\n";
  });
}

namespace {

Result<CommandOutput> id_call(CommandContext& ctx, const std::string& method, uint64_t id,
                              const SignedCallOptions& signer) {
  if (id == 0) return Status::invalid("proposal ids start at 1");
  json args = {{"id", id}};
  return run_signed_call(ctx, signer, "governance", method, args, [&](const json& r) {
    const json res = result_object(r);
    std::string line =
        "proposal " + std::to_string(id) + ": " +
        (res.is_object() && res.contains("status") ? str_field(res, "status") : method + " done") +
        "\n";
    if (res.is_object()) {
      if (auto a = res.find("approvals"); a != res.end() && a->is_array()) {
        line += "  approvals " + std::to_string(a->size()) + "\n";
      }
    }
    return line;
  });
}

}  // namespace

Result<CommandOutput> run_gov_approve(CommandContext& ctx, uint64_t id,
                                      const SignedCallOptions& signer) {
  return id_call(ctx, "approve", id, signer);
}

Result<CommandOutput> run_gov_withdraw(CommandContext& ctx, uint64_t id,
                                       const SignedCallOptions& signer) {
  return id_call(ctx, "withdraw", id, signer);
}

std::string format_proposal(const json& p, const std::map<std::string, std::string>& subjects) {
  auto who = [&subjects](const std::string& sender) {
    auto it = subjects.find(sender);
    return it == subjects.end() ? sender : it->second;
  };
  std::ostringstream t;
  t << "proposal " << str_field(p, "id") << "  " << str_field(p, "kind") << "  "
    << str_field(p, "status") << "\n";
  if (!str_field(p, "description").empty()) {
    t << "  description   " << str_field(p, "description") << "\n";
  }
  t << "  proposer      " << who(str_field(p, "proposer")) << " (" << str_field(p, "proposer_org")
    << ")\n";
  t << "  created       height " << str_field(p, "created_height");
  if (auto c = p.find("created_ms"); c != p.end() && c->is_number_unsigned()) {
    t << " at " << core::format_time_ms(c->get<uint64_t>());
  }
  t << "\n";
  const std::string eff = str_field(p, "effective_height");
  t << "  effective     "
    << (eff.empty() || eff == "0" ? std::string("the block after execution") : "height " + eff)
    << "\n";
  if (auto a = p.find("approvals"); a != p.end() && a->is_array()) {
    t << "  approvals     " << a->size() << "\n";
    for (const json& ap : *a) {
      std::string roles;
      if (auto r = ap.find("roles"); r != ap.end() && r->is_array()) {
        for (const json& role : *r) {
          if (!role.is_string()) continue;
          if (!roles.empty()) roles += ',';
          roles += role.get<std::string>();
        }
      }
      t << "    " << str_field(ap, "org") << " " << roles << " by " << who(str_field(ap, "by"))
        << " at height " << str_field(ap, "height") << "\n";
    }
  }
  // Heights only where they exist: an open proposal has not been executed (the contract says 0).
  const std::string executed = str_field(p, "executed_height");
  if (!executed.empty() && executed != "0") {
    t << "  executed      height " << executed << "\n";
  } else if (str_field(p, "status") == "open") {
    t << "  executed      not yet (waiting for approvals)\n";
  }
  const std::string takes_effect = str_field(p, "takes_effect_at");
  if (!takes_effect.empty() && takes_effect != "0") {
    t << "  takes effect  height " << takes_effect << "\n";
  }
  if (!str_field(p, "reason").empty()) t << "  reason        " << str_field(p, "reason") << "\n";
  if (auto params = p.find("params"); params != p.end()) {
    json shown = *params;
    // CA certificates are long: show their fingerprints instead.
    auto fingerprints = [](const json& pems) {
      json out = json::array();
      for (const json& pem : pems) {
        auto cert = pem.is_string() ? core::parse_certificate(pem.get<std::string>())
                                    : Result<core::Certificate>(Status::invalid(""));
        out.push_back(cert.is_ok() ? "sha256:" + core::to_hex(cert->fingerprint())
                                   : std::string("(unreadable)"));
      }
      return out;
    };
    if (shown.is_object()) {
      if (shown.contains("ca_cert"))
        shown["ca_cert"] = fingerprints(json::array({shown["ca_cert"]}))[0];
      if (auto org = shown.find("org"); org != shown.end() && org->is_object() &&
                                        org->contains("ca_certs") &&
                                        (*org)["ca_certs"].is_array()) {
        (*org)["ca_certs"] = fingerprints((*org)["ca_certs"]);
      }
    }
    t << "  params        " << shown.dump() << "\n";
  }
  return t.str();
}

std::string format_config(const json& answer) {
  std::ostringstream t;
  const json config = answer.value("config", json::object());
  t << "configuration at height " << str_field(answer, "height") << " (in force since height "
    << str_field(answer, "from_height") << ")\n";
  auto print_config = [&t](const json& c, const std::string& indent) {
    t << indent << "identity mode  " << str_field(c, "identity_mode") << "\n";
    if (auto orgs = c.find("orgs"); orgs != c.end() && orgs->is_array() && !orgs->empty()) {
      t << indent << "organisations\n";
      for (const json& org : *orgs) {
        t << indent << "  " << str_field(org, "id") << "  " << str_field(org, "jurisdiction")
          << "  " << str_field(org, "name") << "\n";
        if (auto cas = org.find("ca_certs"); cas != org.end() && cas->is_array()) {
          for (const json& pem : *cas) {
            if (!pem.is_string()) continue;
            auto cert = core::parse_certificate(pem.get<std::string>());
            if (!cert.is_ok()) {
              t << indent << "    CA (unreadable)\n";
              continue;
            }
            t << indent << "    CA " << core::format_dn(cert->subject())
              << " sha256:" << core::to_hex(cert->fingerprint()) << " until "
              << core::format_time_ms(cert->not_after_ms()) << "\n";
          }
        }
      }
    }
    if (auto pol = c.find("policies"); pol != c.end() && pol->is_object()) {
      t << indent << "policies       " << (pol->empty() ? "(defaults only)" : "") << "\n";
      for (auto it = pol->begin(); it != pol->end(); ++it) {
        t << indent << "  " << it.key() << "  " << it.value().dump() << "\n";
      }
    }
    if (auto vals = c.find("validators"); vals != c.end() && vals->is_array()) {
      t << indent << "validators\n";
      for (const json& v : *vals)
        t << indent << "  " << (v.is_string() ? v.get<std::string>() : v.dump()) << "\n";
    }
    if (auto block = c.find("block"); block != c.end() && block->is_object()) {
      t << indent << "block          interval " << str_field(*block, "block_interval_ms")
        << " ms, at most " << str_field(*block, "max_block_txs") << " txs, "
        << str_field(*block, "max_block_bytes") << " bytes\n";
    }
  };
  print_config(config, "  ");
  if (auto pending = answer.find("pending"); pending != answer.end() && pending->is_array()) {
    if (pending->empty()) {
      t << "pending versions: none\n";
    } else {
      for (const json& v : *pending) {
        t << "pending version from height " << str_field(v, "from_height") << "\n";
        print_config(v.value("config", json::object()), "  ");
      }
    }
  }
  return t.str();
}

namespace {

// The certificate subject of each proposer and approver the chain has registered
// (identity.status by fingerprint). A sender the chain does not know by fingerprint (a
// with-key chain's public key) is left out and shown as hex.
std::map<std::string, std::string> sender_subjects(NodeClient& node, const json& proposals) {
  std::map<std::string, std::string> subjects;
  auto look_up = [&](const json& sender) {
    if (!sender.is_string() || subjects.count(sender.get<std::string>()) != 0) return;
    if (auto subject = registered_subject(node, sender.get<std::string>())) {
      subjects[sender.get<std::string>()] = *subject;
    }
  };
  for (const json& p : proposals) {
    if (!p.is_object()) continue;
    if (auto s = p.find("proposer"); s != p.end()) look_up(*s);
    if (auto a = p.find("approvals"); a != p.end() && a->is_array()) {
      for (const json& ap : *a) {
        if (ap.is_object() && ap.contains("by")) look_up(ap["by"]);
      }
    }
  }
  return subjects;
}

}  // namespace

Result<CommandOutput> run_gov_show(CommandContext& ctx, uint64_t id) {
  if (id == 0) return Status::invalid("proposal ids start at 1");
  SILK_ASSIGN_OR_RETURN(NodeClient * node, ctx.node());
  SILK_ASSIGN_OR_RETURN(json result, node->query("governance", "proposal", json{{"id", id}}));
  CommandOutput out;
  out.text = format_proposal(result, sender_subjects(*node, json::array({result})));
  out.json = std::move(result);
  return out;
}

Result<CommandOutput> run_gov_list(CommandContext& ctx) {
  SILK_ASSIGN_OR_RETURN(NodeClient * node, ctx.node());
  SILK_ASSIGN_OR_RETURN(json result,
                        node->query("governance", "proposals", json{{"status", "open"}}));
  CommandOutput out;
  std::ostringstream t;
  auto list = result.find("proposals");
  if (list == result.end() || !list->is_array() || list->empty()) {
    t << "no open proposals\n";
  } else {
    const auto subjects = sender_subjects(*node, *list);
    for (const json& p : *list) t << format_proposal(p, subjects);
  }
  out.text = t.str();
  out.json = std::move(result);
  return out;
}

Result<CommandOutput> run_gov_config(CommandContext& ctx, std::optional<uint64_t> height) {
  SILK_ASSIGN_OR_RETURN(NodeClient * node, ctx.node());
  json args = json::object();
  if (height) args["height"] = *height;
  SILK_ASSIGN_OR_RETURN(json result, node->query("governance", "config", args));
  CommandOutput out;
  out.text = format_config(result);
  out.json = std::move(result);
  return out;
}

}  // namespace silk::tools
