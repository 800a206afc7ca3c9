import { connectionSecurity } from './subscriber';

describe('connectionSecurity', () => {
  it('is plaintext without options', () => {
    expect(connectionSecurity({})).toEqual({});
  });

  it('verifies the brokers against the given CA and presents a client certificate', () => {
    expect(connectionSecurity({ ssl: { ca: 'CA', cert: 'CERT', key: 'KEY' } })).toEqual({
      ssl: { rejectUnauthorized: true, ca: ['CA'], cert: 'CERT', key: 'KEY' },
    });
    expect(connectionSecurity({ ssl: true })).toEqual({ ssl: true });
  });

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)('passes SASL %s', (mechanism) => {
    expect(connectionSecurity({ sasl: { mechanism, username: 'u', password: 'p' } })).toEqual({
      sasl: { mechanism, username: 'u', password: 'p' },
    });
  });
});
