#include "silk/tools/passphrase.h"

#include <signal.h>
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "silk/core/key_file.h"

namespace silk::tools {

using core::Result;
using core::Status;

namespace {

void wipe_string(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
  s.clear();
}

// The terminal state to restore if a signal arrives while echo is off.
struct termios g_saved_termios;
volatile sig_atomic_t g_echo_off = 0;

void restore_and_reraise(int sig) {
  if (g_echo_off) ::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_termios);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void write_stderr(const std::string& text) {
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(STDERR_FILENO, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace

Passphrase Passphrase::take(std::string& value) {
  Passphrase p;
  p.value_->reserve(value.size());
  p.value_->assign(value);
  wipe_string(value);
  return p;
}

Passphrase::~Passphrase() {
  if (value_) wipe_string(*value_);
}

Result<Passphrase> prompt_on_terminal(const std::string& prompt) {
  struct termios old_state;
  if (::tcgetattr(STDIN_FILENO, &old_state) != 0) {
    return Status::io_error(std::string("cannot read the terminal settings: ") +
                            std::strerror(errno));
  }
  struct termios quiet = old_state;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ICANON;

  g_saved_termios = old_state;
  auto old_int = std::signal(SIGINT, restore_and_reraise);
  auto old_term = std::signal(SIGTERM, restore_and_reraise);
  g_echo_off = 1;
  if (::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) {
    g_echo_off = 0;
    std::signal(SIGINT, old_int);
    std::signal(SIGTERM, old_term);
    return Status::io_error(std::string("cannot turn off terminal echo: ") + std::strerror(errno));
  }
  write_stderr(prompt);

  std::string line;
  line.reserve(1024);  // no reallocation, so no stray copies of the secret
  bool ended = false;
  bool failed = false;
  for (;;) {
    char c = 0;
    ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      failed = true;
      break;
    }
    if (n == 0) {
      ended = true;
      break;
    }
    if (c == '\n' || c == '\r') break;
    if (line.size() < line.capacity()) line.push_back(c);
    c = 0;
  }

  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old_state);
  g_echo_off = 0;
  std::signal(SIGINT, old_int);
  std::signal(SIGTERM, old_term);
  write_stderr("\n");

  if (failed || (ended && line.empty())) {
    wipe_string(line);
    return Status::unavailable("no passphrase entered");
  }
  return Passphrase::take(line);
}

PassphraseSource::PassphraseSource(std::string file, std::optional<std::string> env_value,
                                   PassphrasePrompt prompt)
    : file_(std::move(file)), env_value_(std::move(env_value)), prompt_(std::move(prompt)) {}

PassphraseSource::~PassphraseSource() {
  if (env_value_) wipe_string(*env_value_);
}

Result<Passphrase> PassphraseSource::get(const std::string& what, bool confirm) const {
  if (!file_.empty()) {
    auto text = core::read_passphrase_file(file_);
    if (!text.is_ok()) return text.status();
    return Passphrase::take(text.value());
  }
  if (env_value_) {
    if (env_value_->empty()) return Status::invalid("SILK_PASSPHRASE is set but empty");
    std::string copy = *env_value_;
    return Passphrase::take(copy);
  }
  if (!prompt_) {
    return Status::invalid("no passphrase: use --passphrase-file, SILK_PASSPHRASE or a terminal");
  }
  SILK_ASSIGN_OR_RETURN(Passphrase first, prompt_("Passphrase for " + what + ": "));
  if (first.str().empty()) return Status::invalid("empty passphrase");
  if (confirm) {
    SILK_ASSIGN_OR_RETURN(Passphrase again, prompt_("Repeat the passphrase: "));
    if (again.str() != first.str()) return Status::invalid("the passphrases do not match");
  }
  return first;
}

}  // namespace silk::tools
