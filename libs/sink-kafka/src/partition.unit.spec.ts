import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { murmur2, partitionOfKey } from './partition';

const metadata = (count: number): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
    offlineReplicas: [],
  }));

/** Keys of every length class (mod 4), ASCII and multi-byte, as inode ids and as text. */
function randomKey(): string {
  const pick = Math.random();
  if (pick < 0.5) return String(Math.floor(Math.random() * Number.MAX_SAFE_INTEGER));
  const chars = 'aZ09-_/é€😀\u0000';
  return Array.from({ length: Math.floor(Math.random() * 40) }, () =>
    chars.charAt(Math.floor(Math.random() * chars.length)),
  ).join('');
}

describe('partitionOfKey', () => {
  it("picks kafkajs' DefaultPartitioner's partition for random keys and partition counts", () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    for (let i = 0; i < 5_000; i++) {
      const key = randomKey();
      const count = 1 + Math.floor(Math.random() * 64);
      const expected = kafkajs({
        topic: 't',
        partitionMetadata: metadata(count),
        message: { key, value: null },
      });
      expect([key, count, partitionOfKey(key, count)]).toEqual([key, count, expected]);
    }
  });

  it("gives the Java client's murmur2 of known inputs", () => {
    // From Kafka's UtilsTest.testMurmur2.
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ];
    for (const [input, hash] of cases) expect(murmur2(Buffer.from(input))).toBe(hash);
  });
});
