#include "silk/core/receipt.h"

#include "silk/core/codec.h"

namespace silk::core {

namespace {
constexpr uint32_t kMaxEvents = 1024;
}

Bytes Receipt::encode() const {
  Bytes out;
  Writer w(out);
  w.hash(tx_id);
  w.u32(code);
  w.str(message);
  w.str(result);
  w.u32(static_cast<uint32_t>(events.size()));
  for (const ContractEvent& e : events) {
    w.str(e.contract);
    w.str(e.name);
    w.str(e.data);
  }
  w.hash(write_set_hash);
  return out;
}

Result<Receipt> Receipt::decode(ByteSpan in) {
  Receipt rc;
  Reader r(in);
  uint32_t n = 0;
  if (!r.hash(rc.tx_id, "receipt.tx_id") || !r.u32(rc.code, "receipt.code") ||
      !r.str(rc.message, "receipt.message") || !r.str(rc.result, "receipt.result") ||
      !r.u32(n, "receipt.event_count")) {
    return r.error().with_context("receipt");
  }
  if (n > kMaxEvents) {
    return Status::invalid("receipt: " + std::to_string(n) + " events; limit is " +
                           std::to_string(kMaxEvents));
  }
  rc.events.resize(n);
  for (ContractEvent& e : rc.events) {
    if (!r.str(e.contract, "event.contract") || !r.str(e.name, "event.name") ||
        !r.str(e.data, "event.data")) {
      return r.error().with_context("receipt");
    }
  }
  if (!r.hash(rc.write_set_hash, "receipt.write_set_hash"))
    return r.error().with_context("receipt");
  SILK_RETURN_IF_ERROR(r.finish("receipt"));
  return rc;
}

}  // namespace silk::core
