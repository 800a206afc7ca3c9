import { errors } from '@elastic/elasticsearch';
import { clientOptions } from './elastic-sink';
import { isRetriableElasticError, toSinkError } from './errors';

function response(statusCode: number, type: string, reason: string): errors.ResponseError {
  return new errors.ResponseError({
    body: { error: { type, reason } },
    statusCode,
    headers: {},
    warnings: null,
    meta: {} as never,
  });
}

describe('elasticsearch access failures', () => {
  it('names refused credentials and does not retry them', () => {
    const err = toSinkError(
      response(401, 'security_exception', 'unable to authenticate with provided credentials'),
      'checking the cluster',
    );
    expect(err).toMatchObject({ code: 'AUTH_FAILED', retriable: false });
    expect(err.message).toMatch(
      /^elasticsearch: checking the cluster: credentials refused \(401 security_exception/,
    );
  });

  it('names a missing privilege', () => {
    const err = toSinkError(response(403, 'security_exception', 'action unauthorized'), 'creating the index');
    expect(err).toMatchObject({ code: 'AUTH_FAILED', retriable: false });
    expect(err.message).toMatch(/not allowed/);
  });

  it('names an untrusted certificate from the message the transport keeps, and does not retry it', () => {
    const raw = new errors.ConnectionError('self-signed certificate in certificate chain');
    expect(isRetriableElasticError(raw)).toBe(false);
    const err = toSinkError(raw, 'checking the cluster');
    expect(err).toMatchObject({ code: 'TLS_FAILED', retriable: false });
    expect(err.message).toMatch(/^elasticsearch: checking the cluster: TLS handshake failed: .*not trusted/);
  });

  it('still retries a refused connection', () => {
    expect(isRetriableElasticError(new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200'))).toBe(
      true,
    );
  });
});

describe('clientOptions', () => {
  const base = {
    index: 'i',
    requestTimeoutMs: 1000,
    maxRetries: 0,
    bulkMaxBytes: 1024,
    bulkMaxDocs: 1,
    concurrency: 1,
    refreshInterval: '1s',
    replicas: 0,
  };

  it('passes several nodes, the CA (always verified) and the API key before basic auth', () => {
    const options = clientOptions({
      ...base,
      url: ['https://es-1:9200', 'https://es-2:9200'],
      tls: { ca: 'PEM' },
      apiKey: 'key',
      username: 'u',
      password: 'p',
    });
    expect(options.node).toEqual(['https://es-1:9200', 'https://es-2:9200']);
    expect(options.tls).toEqual({ ca: 'PEM', rejectUnauthorized: true });
    expect(options.auth).toEqual({ apiKey: 'key' });
  });

  it('uses basic auth without an API key', () => {
    expect(clientOptions({ ...base, url: 'http://es:9200', username: 'u', password: 'p' }).auth).toEqual({
      username: 'u',
      password: 'p',
    });
  });
});
