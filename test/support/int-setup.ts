// Integration tests talk to real servers: give them time to converge (per-project testTimeout
// is not honoured by jest, so it is set here for the integration project only).
jest.setTimeout(180_000);
