// Preloaded with `node --require` by a fault scenario: this process's wall clock runs an hour
// behind, as on a host whose clock is wrong. Only Date.now() and new Date() are shifted.
'use strict';
const SKEW_MS = Number(process.env.EPIPE_TEST_CLOCK_SKEW_MS || -3600000);
const RealDate = Date;
const realNow = RealDate.now.bind(RealDate);
class SkewedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(realNow() + SKEW_MS);
    else super(...args);
  }
  static now() {
    return realNow() + SKEW_MS;
  }
}
globalThis.Date = SkewedDate;
