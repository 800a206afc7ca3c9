import type { RowDataPacket } from 'mysql2/promise';
import { createTestDatabase } from '../../../test/support/db';
import { createLogAcknowledger } from './ack';
import { describeLogAcknowledgerContract } from './testing/acknowledger-contract';

describeLogAcknowledgerContract('SQL on MariaDB', async () => {
  const db = await createTestDatabase('t_ack');
  await db.nameNode.mkdir('/a', { user: 'alice' });
  await db.pool.query('DELETE FROM fs_log'); // the contract starts from an empty log table
  let files = 0;
  return {
    acker: createLogAcknowledger({ logTable: 'fs_log' }, { pool: db.pool }),
    async write(count) {
      const [before] = await db.pool.query<RowDataPacket[]>(
        'SELECT COALESCE(MAX(log_id), 0) AS id FROM fs_log',
      );
      for (let i = 0; i < count; i++) await db.nameNode.create(`/a/f${++files}`, { user: 'alice' });
      const [rows] = await db.pool.query<RowDataPacket[]>(
        'SELECT log_id, commit_ts_ms FROM fs_log WHERE log_id > ? ORDER BY log_id',
        [before[0]!.id],
      );
      return rows.map((r) => ({ logId: Number(r.log_id), commitTsMs: Number(r.commit_ts_ms) }));
    },
    close: () => db.drop(),
  };
});
