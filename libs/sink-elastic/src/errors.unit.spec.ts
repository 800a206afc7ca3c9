import { errors } from '@elastic/elasticsearch';
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
