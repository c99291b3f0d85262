// The reason OpenSSL gives for its last failure, for error messages: the earliest error on this
// thread's queue ("error:0A000086:SSL routines::certificate verify failed"), or "unknown OpenSSL
// error" when the queue is empty. Clears the queue, so the next failure reports its own.
#pragma once

#include <string>

namespace silk::core {

std::string openssl_error();

}  // namespace silk::core
