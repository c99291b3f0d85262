// Where a key file's passphrase comes from, in order: --passphrase-file,
// the SILK_PASSPHRASE environment variable, an interactive no-echo prompt
// when stdin is a terminal.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "silk/core/status.h"

namespace silk::tools {

// A passphrase held on the heap and wiped when it dies. Movable, not copyable.
class Passphrase {
 public:
  Passphrase() : value_(std::make_unique<std::string>()) {}
  // Copies `value` and wipes the original.
  static Passphrase take(std::string& value);
  ~Passphrase();
  Passphrase(Passphrase&&) noexcept = default;
  Passphrase& operator=(Passphrase&&) noexcept = default;
  Passphrase(const Passphrase&) = delete;
  Passphrase& operator=(const Passphrase&) = delete;

  const std::string& str() const { return *value_; }

 private:
  std::unique_ptr<std::string> value_;
};

// Shows `prompt` and reads one line without echo; kUnavailable when the
// input ended, kIOError when the terminal cannot be set up.
using PassphrasePrompt = std::function<core::Result<Passphrase>(const std::string& prompt)>;

// The prompt on the process's terminal: prompt on stderr, line read from
// stdin with echo off (termios); echo is restored, also on SIGINT/SIGTERM.
core::Result<Passphrase> prompt_on_terminal(const std::string& prompt);

class PassphraseSource {
 public:
  // file: --passphrase-file or ""; env_value: SILK_PASSPHRASE if set;
  // prompt: empty when stdin is not a terminal.
  PassphraseSource(std::string file, std::optional<std::string> env_value, PassphrasePrompt prompt);
  ~PassphraseSource();

  // The passphrase for `what` ("key file keys/a.key"). With `confirm`, an
  // interactive prompt asks twice and fails with kInvalid when the answers
  // differ. An empty passphrase is kInvalid. With no source at all:
  // kInvalid "no passphrase: use --passphrase-file, SILK_PASSPHRASE or a terminal".
  core::Result<Passphrase> get(const std::string& what, bool confirm) const;

 private:
  std::string file_;
  std::optional<std::string> env_value_;
  PassphrasePrompt prompt_;
};

}  // namespace silk::tools
