import { parseField } from '@epipe/core';
import { DEFAULT_ELASTIC_SINK_CONFIG, ELASTIC_SINK_FIELDS, parseRefreshInterval } from './config';

describe('the refresh interval', () => {
  it('takes a whole number of ms, s, m or h, at least 100 ms, as milliseconds', () => {
    expect(parseRefreshInterval('250ms')).toBe(250);
    expect(parseRefreshInterval('1s')).toBe(1_000);
    expect(parseRefreshInterval('2m')).toBe(120_000);
    expect(parseRefreshInterval('1h')).toBe(3_600_000);
    expect(parseRefreshInterval('100ms')).toBe(100);
    expect(parseRefreshInterval(DEFAULT_ELASTIC_SINK_CONFIG.refreshInterval)).toBe(300);
  });

  it('refuses never (-1), too short, fractions, other units and junk', () => {
    for (const value of ['-1', '0', '0s', '99ms', '1.5s', '500', '1d', '10micros', ' 1s', 'soon', ''])
      expect([value, parseRefreshInterval(value)]).toEqual([value, undefined]);
  });

  it('makes a wrong value fail with the field and what it expects', () => {
    expect(() =>
      parseField(ELASTIC_SINK_FIELDS.refreshInterval, '-1', 'elastic.refreshInterval (env EPIPE_ES_REFRESH)'),
    ).toThrow(
      'config elastic.refreshInterval (env EPIPE_ES_REFRESH): expected a refresh interval of at least 100ms such as 250ms, 1s or 2m (a whole number and ms, s, m or h), got "-1"',
    );
  });
});
