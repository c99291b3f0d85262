#include "silk/tools/cli_help.h"

#include <algorithm>
#include <sstream>

namespace silk::tools {
namespace {

// Levenshtein distance, for "did you mean".
size_t distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::vector<CLI::App*> subcommands_of(CLI::App* app) {
  return app->get_subcommands([](CLI::App*) { return true; });
}

CLI::App* find_sub(CLI::App* app, const std::string& name) {
  for (CLI::App* sub : subcommands_of(app)) {
    if (sub->check_name(name)) return sub;
  }
  return nullptr;
}

std::string path_of(const std::vector<std::string>& words) {
  std::string out = "silk";
  for (const std::string& w : words) out += " " + w;
  return out;
}

// Whether `token` is an option of `app` or of one of its parents (options fall through) that takes
// a value in the next argument.
bool takes_value(CLI::App* app, const std::string& token) {
  if (token.find('=') != std::string::npos) return false;
  for (CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    if (const CLI::Option* opt = a->get_option_no_throw(token)) {
      return opt->get_expected_max() != 0;  // flags expect none
    }
  }
  return false;
}

}  // namespace

std::string PlainFormatter::make_option_opts(const CLI::Option* opt) const {
  if (!opt->get_option_text().empty()) return " " + opt->get_option_text();
  std::ostringstream out;
  if (opt->get_type_size() != 0) {
    // CLI11 writes checks into the type ("UINT:UINT in [1 - 65535]", "TEXT:{a,b}"): show the
    // choices when there are some, else one plain word.
    const std::string type = opt->get_type_name();
    const size_t open = type.find('{');
    std::string word;
    if (open != std::string::npos) {
      word = type.substr(open, type.find('}', open) - open + 1);
    } else {
      const std::string base = type.substr(0, type.find(':'));
      word = base == "UINT" || base == "INT" ? "N" : base == "FLOAT" ? "NUMBER" : base;
    }
    if (!word.empty()) out << " " << word;
    if (opt->get_expected_max() == CLI::detail::expected_max_vector_size) out << " ...";
    if (opt->get_required()) out << " (required)";
  }
  return out.str();
}

std::optional<std::string> check_command_words(CLI::App& app, const std::vector<std::string>& args,
                                               std::vector<std::string>* words) {
  CLI::App* at = &app;
  std::vector<std::string> path;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& token = args[i];
    if (token == "--") break;
    if (!token.empty() && token[0] == '-') {
      if (token == "-h" || token == "--help" || token == "--version") return std::nullopt;
      if (takes_value(at, token)) ++i;
      continue;
    }
    std::vector<CLI::App*> subs = subcommands_of(at);
    if (subs.empty()) break;  // a command's own arguments from here on
    CLI::App* next = find_sub(at, token);
    if (next == nullptr) {
      std::string best;
      size_t best_d = 3;  // suggest only near misses
      std::vector<std::string> names;
      for (CLI::App* s : subs) {
        names.push_back(s->get_name());
        const size_t d = distance(token, s->get_name());
        if (d < best_d || (best_d == 3 && s->get_name().rfind(token, 0) == 0)) {
          best_d = std::min(d, best_d);
          best = s->get_name();
        }
      }
      std::string msg = "unknown command '" + token + "'";
      if (!path.empty()) msg += " for '" + path_of(path) + "'";
      if (!best.empty()) msg += "; did you mean '" + path_of(path) + " " + best + "'?";
      return msg + " (see '" + path_of(path) + " --help')";
    }
    path.push_back(next->get_name());
    at = next;
  }
  if (words != nullptr) *words = path;
  if (at != &app && !subcommands_of(at).empty()) {
    std::string names;
    for (CLI::App* s : subcommands_of(at)) names += (names.empty() ? "" : ", ") + s->get_name();
    return "'" + path_of(path) + "' needs a command: " + names + " (see '" + path_of(path) +
           " --help')";
  }
  return std::nullopt;
}

std::optional<std::string> help_for(CLI::App& app, const std::vector<std::string>& words,
                                    std::string* error) {
  CLI::App* at = &app;
  std::vector<std::string> path;
  for (const std::string& w : words) {
    CLI::App* next = find_sub(at, w);
    if (next == nullptr) {
      std::vector<std::string> args = {"silk"};
      args.insert(args.end(), path.begin(), path.end());
      args.push_back(w);
      *error = check_command_words(app, args, nullptr).value_or("unknown command '" + w + "'");
      return std::nullopt;
    }
    path.push_back(w);
    at = next;
  }
  if (path.empty()) return at->help();
  path.pop_back();
  return at->help(path_of(path));
}

}  // namespace silk::tools
