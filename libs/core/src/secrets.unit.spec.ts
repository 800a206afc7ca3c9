import { Writable } from 'node:stream';
import { createLogger } from './logger';
import { SECRET_MASK, secretScrubber } from './secrets';
import { tlsFailureReason } from './tls';

describe('secretScrubber', () => {
  it('masks every form a secret takes in a line: raw, JSON-escaped, URL-encoded', () => {
    const scrub = secretScrubber(['pa"ss\\word', 'p@ss/w0rd']);
    expect(scrub('raw pa"ss\\word here')).toBe(`raw ${SECRET_MASK} here`);
    expect(scrub(JSON.stringify({ msg: 'in json pa"ss\\word' }))).not.toContain('ss\\\\word');
    expect(scrub('https://u:p%40ss%2Fw0rd@host and p@ss/w0rd')).toBe(
      `https://u:${SECRET_MASK}@host and ${SECRET_MASK}`,
    );
  });

  it('masks the longer secret whole when one contains another, and skips trivially short values', () => {
    const scrub = secretScrubber(['abcd', 'abcdefgh', 'x']);
    expect(scrub('abcdefgh abcd x')).toBe(`${SECRET_MASK} ${SECRET_MASK} x`);
  });

  it('keeps secrets out of a logger line wherever they are', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        out += chunk.toString();
        done();
      },
    });
    const logger = createLogger({ level: 'info', scrub: secretScrubber(['s3cr3t-value']) }, sink);
    logger.error(
      { err: 'login failed with s3cr3t-value', nested: { deep: ['s3cr3t-value'] } },
      'msg s3cr3t-value',
    );
    expect(out).toContain(SECRET_MASK);
    expect(out).not.toContain('s3cr3t-value');
  });
});

describe('tlsFailureReason', () => {
  it('recognises an OpenSSL code anywhere in the cause chain', () => {
    const inner = Object.assign(new Error('self-signed certificate in certificate chain'), {
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    const outer = new Error('Connection error', { cause: inner });
    expect(tlsFailureReason(outer)).toMatch(/not trusted \(SELF_SIGNED_CERT_IN_CHAIN\)/);
    expect(tlsFailureReason(Object.assign(new Error('x'), { code: 'ERR_OSSL_PEM_NO_START_LINE' }))).toMatch(
      /TLS file/,
    );
  });

  it('recognises the message when a client kept only that', () => {
    expect(tlsFailureReason(new Error('unable to verify the first certificate - Local: x'))).toMatch(
      /cannot be verified/,
    );
    expect(tlsFailureReason(new Error("Hostname/IP does not match certificate's altnames"))).toMatch(
      /does not name this host/,
    );
  });

  it('names a client certificate the server refused', () => {
    const refused = Object.assign(new Error('ssl3_read_bytes:tlsv1 alert unknown ca'), {
      code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
    });
    expect(tlsFailureReason(refused)).toBe(
      'the server refused the client certificate (ERR_SSL_TLSV1_ALERT_UNKNOWN_CA)',
    );
    expect(tlsFailureReason(new Error('Connection error: sslv3 alert certificate unknown'))).toBe(
      'the server refused the client certificate',
    );
    expect(
      tlsFailureReason(Object.assign(new Error('x'), { code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' })),
    ).toMatch(/refused the TLS handshake/);
  });

  it('says nothing about other failures', () => {
    expect(tlsFailureReason(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(tlsFailureReason('a string')).toBeUndefined();
  });
});
