import { EventId } from './event';

describe('EventId', () => {
  it('is the source name and the log id, so a replayed row gets the same id', () => {
    expect(new EventId('hopsfs', 42).toString()).toBe('hopsfs/42');
    expect(new EventId('hopsfs', 42).toString()).toBe(new EventId('hopsfs', 42).toString());
  });

  it('differs between sources and between rows', () => {
    const ids = [new EventId('a', 1), new EventId('a', 2), new EventId('b', 1)].map(String);
    expect(new Set(ids).size).toBe(3);
  });
});
