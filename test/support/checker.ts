import type { FileEvent } from '@epipe/core';
import type { Pool, RowDataPacket } from 'mysql2/promise';

/**
 * The one checker every end-to-end scenario uses. Ground truth is an audit copy of every fs_log
 * row, written by a trigger in the same transaction (so it is exactly the committed rows); the
 * daemon deletes fs_log rows, the audit table keeps them.
 */
export async function installAudit(pool: Pool): Promise<void> {
  await pool.query('CREATE TABLE IF NOT EXISTS fs_log_audit LIKE fs_log');
  await pool.query('DROP TRIGGER IF EXISTS fs_log_audit_trg');
  await pool.query(
    `CREATE TRIGGER fs_log_audit_trg AFTER INSERT ON fs_log FOR EACH ROW
       INSERT INTO fs_log_audit (log_id, inode_id, parent_id, inode_name, is_dir, project_id, dataset_id, operation,
                                 logical_time, app_id, user_id, xattr_name, commit_ts_ms)
       VALUES (NEW.log_id, NEW.inode_id, NEW.parent_id, NEW.inode_name, NEW.is_dir, NEW.project_id, NEW.dataset_id,
               NEW.operation, NEW.logical_time, NEW.app_id, NEW.user_id, NEW.xattr_name, NEW.commit_ts_ms)`,
  );
}

export interface Received {
  event: FileEvent;
  partition: number;
  offset: string;
}

export interface DeliveryReport {
  rowsWritten: number;
  eventsReceived: number;
  duplicates: number;
  missing: number[];
  unexpected: number[];
  orderViolations: string[];
}

/** Every committed row's event arrived at least once; per inode, versions never go back. */
export async function checkKafka(
  pool: Pool,
  received: Received[],
  excluded: Set<number> = new Set(),
): Promise<DeliveryReport> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT log_id FROM fs_log_audit ORDER BY log_id');
  const expected = new Set(rows.map((r) => Number(r.log_id)).filter((id) => !excluded.has(id)));
  const seen = new Set<number>();
  let duplicates = 0;
  const lastByInode = new Map<number, FileEvent>();
  const orderViolations: string[] = [];
  // Kafka order is per partition; the key (inode id) pins an inode to one partition.
  const byPartition = new Map<number, Received[]>();
  for (const r of received) {
    const list = byPartition.get(r.partition) ?? [];
    list.push(r);
    byPartition.set(r.partition, list);
  }
  for (const list of byPartition.values()) {
    list.sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));
    for (const { event } of list) {
      if (seen.has(event.logId)) {
        duplicates++;
        continue; // subscribers dedupe by event id: order is judged on first deliveries
      }
      seen.add(event.logId);
      const prev = lastByInode.get(event.inodeId);
      if (
        prev &&
        (event.logicalTime < prev.logicalTime ||
          (event.logicalTime === prev.logicalTime && event.logId < prev.logId))
      ) {
        orderViolations.push(
          `inode ${event.inodeId}: ${prev.operation}@${prev.logicalTime} (log ${prev.logId}) before ${event.operation}@${event.logicalTime} (log ${event.logId})`,
        );
      }
      lastByInode.set(event.inodeId, event);
    }
  }
  return {
    rowsWritten: expected.size,
    eventsReceived: received.length,
    duplicates,
    missing: [...expected].filter((id) => !seen.has(id)),
    unexpected: [...seen].filter((id) => !expected.has(id) && !excluded.has(id)),
    orderViolations,
  };
}

interface DbInode {
  id: number;
  path: string;
  size: number;
  owner: string;
  isDir: boolean;
  xattrs: Record<string, string>;
}

/** The database's inodes with their paths (computed here, independently of epipe). */
export async function databaseInodes(pool: Pool): Promise<Map<number, DbInode>> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT i.id, i.parent_id, i.name, i.size, i.is_dir, u.name AS owner FROM inodes i JOIN fs_users u ON u.id = i.user_id',
  );
  const [xrows] = await pool.query<RowDataPacket[]>('SELECT inode_id, namespace, name, value FROM xattrs');
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  const pathOf = (id: number): string => {
    if (id === 1) return '/';
    const r = byId.get(id)!;
    const parent = pathOf(Number(r.parent_id));
    return parent === '/' ? `/${String(r.name)}` : `${parent}/${String(r.name)}`;
  };
  const out = new Map<number, DbInode>();
  for (const r of rows) {
    const id = Number(r.id);
    if (id === 1) continue;
    out.set(id, {
      id,
      path: pathOf(id),
      size: Number(r.size),
      owner: String(r.owner),
      isDir: Boolean(r.is_dir),
      xattrs: {},
    });
  }
  for (const x of xrows) {
    const inode = out.get(Number(x.inode_id));
    if (inode && Number(x.namespace) === 0)
      inode.xattrs[String(x.name)] = Buffer.from(x.value as Buffer).toString('utf8');
  }
  return out;
}

interface SearchDoc {
  path: string;
  size: number;
  owner: string;
  is_dir: boolean;
  xattrs?: Record<string, string>;
}

export async function searchDocuments(esUrl: string, index: string): Promise<Map<number, SearchDoc>> {
  await fetch(`${esUrl}/${index}/_refresh`, { method: 'POST' });
  const out = new Map<number, SearchDoc>();
  let after: unknown[] | undefined;
  for (;;) {
    const body: Record<string, unknown> = {
      size: 5000,
      sort: [{ inode_id: 'asc' }],
      query: { match_all: {} },
    };
    if (after) body.search_after = after;
    const response = await fetch(`${esUrl}/${index}/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok)
      throw new Error(`search of ${index} failed: ${response.status} ${await response.text()}`);
    const res = (await response.json()) as {
      hits: { hits: { _id: string; _source: SearchDoc; sort: unknown[] }[] };
    };
    const hits = res.hits.hits;
    for (const h of hits) out.set(Number(h._id), h._source);
    if (hits.length < 5000) break;
    after = hits.at(-1)!.sort;
  }
  return out;
}

/** Elasticsearch equals the database at quiescence: same inodes, paths, sizes, owners, xattrs. */
export async function checkSearchState(pool: Pool, esUrl: string, index: string): Promise<string[]> {
  const [db, docs] = await Promise.all([databaseInodes(pool), searchDocuments(esUrl, index)]);
  const problems: string[] = [];
  for (const [id, inode] of db) {
    const doc = docs.get(id);
    if (!doc) {
      problems.push(`inode ${id} ${inode.path}: no document`);
      continue;
    }
    if (doc.path !== inode.path) problems.push(`inode ${id}: path ${doc.path} != ${inode.path}`);
    if (doc.size !== inode.size)
      problems.push(`inode ${id} ${inode.path}: size ${doc.size} != ${inode.size}`);
    if (doc.owner !== inode.owner)
      problems.push(`inode ${id} ${inode.path}: owner ${doc.owner} != ${inode.owner}`);
    if (JSON.stringify(sorted(doc.xattrs ?? {})) !== JSON.stringify(sorted(inode.xattrs))) {
      problems.push(
        `inode ${id} ${inode.path}: xattrs ${JSON.stringify(doc.xattrs)} != ${JSON.stringify(inode.xattrs)}`,
      );
    }
  }
  for (const [id, doc] of docs) if (!db.has(id)) problems.push(`document ${id} ${doc.path}: inode is gone`);
  return problems;
}

function sorted(obj: Record<string, string>): [string, string][] {
  return Object.entries(obj).sort(([a], [b]) => a.localeCompare(b));
}

export async function logRowsLeft(pool: Pool): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM fs_log');
  return Number(rows[0]?.n);
}

export async function waitFor(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
