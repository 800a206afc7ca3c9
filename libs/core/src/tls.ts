/**
 * Recognises a failed TLS handshake in any client's error, so that every system reports an
 * untrusted certificate the same way and nobody retries it. Node's TLS errors carry an OpenSSL
 * code; some clients (the Elasticsearch transport) keep only the message, so both are checked.
 */
const TLS_CODES: Record<string, string> = {
  SELF_SIGNED_CERT_IN_CHAIN: 'the server certificate is signed by a CA that is not trusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed and not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate cannot be verified with the trusted CAs',
  UNABLE_TO_GET_ISSUER_CERT: 'the issuer of the server certificate is not trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the issuer of the server certificate is not trusted',
  CERT_UNTRUSTED: 'the server certificate is not trusted',
  CERT_SIGNATURE_FAILURE: 'the server certificate signature is invalid',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  CERT_NOT_YET_VALID: 'the server certificate is not yet valid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the server certificate does not name this host',
  HANDSHAKE_NO_SSL_SUPPORT: 'the server does not offer TLS',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server did not answer with TLS',
};

/** TLS alerts the server sends when it does not accept the client certificate. */
const CLIENT_CERT_ALERTS = new Set([
  'UNKNOWN_CA',
  'BAD_CERTIFICATE',
  'CERTIFICATE_UNKNOWN',
  'CERTIFICATE_REQUIRED',
]);
const CLIENT_CERT_REFUSED = 'the server refused the client certificate';

const TLS_MESSAGES: [RegExp, string][] = [
  [/alert (unknown ca|bad certificate|certificate unknown|certificate required)/i, CLIENT_CERT_REFUSED],
  [/self[- ]signed certificate in certificate chain/i, TLS_CODES.SELF_SIGNED_CERT_IN_CHAIN!],
  [/self[- ]signed certificate/i, TLS_CODES.DEPTH_ZERO_SELF_SIGNED_CERT!],
  [/unable to verify the first certificate/i, TLS_CODES.UNABLE_TO_VERIFY_LEAF_SIGNATURE!],
  [/unable to get (local )?issuer certificate/i, TLS_CODES.UNABLE_TO_GET_ISSUER_CERT!],
  [/certificate has expired/i, TLS_CODES.CERT_HAS_EXPIRED!],
  [/does not match certificate's altnames/i, TLS_CODES.ERR_TLS_CERT_ALTNAME_INVALID!],
  [/CA fingerprint does not match/i, 'the server CA does not match the configured fingerprint'],
  [/wrong version number/i, TLS_CODES.ERR_SSL_WRONG_VERSION_NUMBER!],
];

/** A short reason when `err` (or one of its causes) is a TLS handshake failure. */
export function tlsFailureReason(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && current !== null && typeof current === 'object'; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      const known = TLS_CODES[code];
      if (known) return `${known} (${code})`;
      // A CA, certificate or key file OpenSSL cannot parse.
      if (code.startsWith('ERR_OSSL_')) return `a TLS file cannot be used (${code})`;
      // The server ended the handshake with an alert: about our certificate, or another refusal.
      const alert = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(\w+)$/.exec(code)?.[1];
      if (alert !== undefined) {
        if (CLIENT_CERT_ALERTS.has(alert)) return `${CLIENT_CERT_REFUSED} (${code})`;
        return `the server refused the TLS handshake (${code})`;
      }
    }
    if (typeof message === 'string') {
      for (const [pattern, reason] of TLS_MESSAGES) if (pattern.test(message)) return reason;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
