import { readTopicToEnd } from '@epipe/client';
import { type FileEvent, Operation } from '@epipe/core';
import { createFilter, type FilterConfig } from '@epipe/filter';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { schemaValidators } from './schemas';

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

/** What the order and completeness checks read of an event (big runs keep only this). */
export type EventKey = Pick<FileEvent, 'logId' | 'inodeId' | 'logicalTime' | 'operation'>;

export interface ReceivedKey {
  event: EventKey;
  partition: number;
  offset: string;
}

export interface DeliveryReport {
  rowsWritten: number;
  eventsReceived: number;
  duplicates: number;
  missing: number[];
  unexpected: number[];
  /** Excluded (poison) rows that nevertheless reached the events topic. */
  excludedDelivered: number[];
  orderViolations: string[];
}

/** Every committed row's event arrived at least once; per inode, versions never go back. */
export async function checkKafka(
  pool: Pool,
  received: readonly ReceivedKey[],
  excluded: ReadonlySet<number> = new Set(),
): Promise<DeliveryReport> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT log_id FROM fs_log_audit ORDER BY log_id');
  const expected = new Set(rows.map((r) => Number(r.log_id)).filter((id) => !excluded.has(id)));
  const seen = new Set<number>();
  let duplicates = 0;
  const lastByInode = new Map<number, EventKey>();
  const orderViolations: string[] = [];
  // Kafka order is per partition; the key (inode id) pins an inode to one partition.
  const byPartition = new Map<number, ReceivedKey[]>();
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
    excludedDelivered: [...seen].filter((id) => excluded.has(id)),
    orderViolations,
  };
}

interface DbInode {
  id: number;
  path: string;
  /** Ids of the ancestors, root first, the parent last. */
  ancestorIds: number[];
  size: number;
  owner: string;
  isDir: boolean;
  xattrs: Record<string, string>;
  logicalTime: number;
  mtimeMs: number;
  /** The newest change's row (reads aside), from the audit table when it is installed. */
  last?: { logId: number; operation: string; appId: string | null; commitTsMs: number };
}

export interface SearchStateOptions {
  /** Inodes whose documents the index refused (dead-lettered): they must have none. */
  refused?: ReadonlySet<number>;
  /**
   * Xattr values longer than this many bytes are dead-lettered by epipe and left out of the
   * document (HopsFS' own limit is 13,500 bytes); the expected state omits them too.
   */
  maxXattrBytes?: number;
  /**
   * The daemon's filter settings: the index must equal the database restricted to the inodes
   * their path and tag rules cover (the tags read on the inode or its nearest tagged ancestor).
   */
  filter?: FilterConfig;
}

/**
 * The last_* fields of a document written from the database alone, its commit time the inode's
 * mtime: with filters, an inode that enters the covered set because its directory moved in (or
 * a tag switched) has no row left to say what its last change was (it was filtered, or it was
 * published before the inode left, and its document deleted then).
 */
export const RESYNCED_LAST = { operation: 'UNKNOWN', appId: null } as const;

const OPERATION_BY_CODE = new Map<number, string>(
  Object.entries(Operation).map(([name, code]) => [code, name]),
);

/** The database's inodes with their paths (computed here, independently of epipe). */
export async function databaseInodes(
  pool: Pool,
  options: SearchStateOptions = {},
): Promise<Map<number, DbInode>> {
  const maxXattrBytes = options.maxXattrBytes ?? Number.POSITIVE_INFINITY;
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT i.id, i.parent_id, i.name, i.size, i.is_dir, i.logical_time, i.mtime, u.name AS owner FROM inodes i JOIN fs_users u ON u.id = i.user_id',
  );
  const [audited] = await pool.query<RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'fs_log_audit'",
  );
  const lastRows =
    Number(audited[0]!.n) > 0
      ? (
          await pool.query<RowDataPacket[]>(
            `SELECT a.log_id, a.inode_id, a.operation, a.app_id, a.commit_ts_ms FROM fs_log_audit a
             JOIN (SELECT inode_id, MAX(log_id) AS m FROM fs_log_audit WHERE operation <> ? GROUP BY inode_id) n
               ON a.log_id = n.m`,
            [Operation.ACCESS],
          )
        )[0]
      : [];
  const lastOf = new Map(
    lastRows.map((r) => [
      Number(r.inode_id),
      {
        logId: Number(r.log_id),
        operation: OPERATION_BY_CODE.get(Number(r.operation)) ?? String(r.operation),
        appId: r.app_id === null ? null : String(r.app_id),
        commitTsMs: Number(r.commit_ts_ms),
      },
    ]),
  );
  const [xrows] = await pool.query<RowDataPacket[]>('SELECT inode_id, namespace, name, value FROM xattrs');
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  const pathOf = (id: number): string => {
    if (id === 1) return '/';
    const r = byId.get(id)!;
    const parent = pathOf(Number(r.parent_id));
    return parent === '/' ? `/${String(r.name)}` : `${parent}/${String(r.name)}`;
  };
  const ancestorsOf = (id: number): number[] => {
    const ids: number[] = [];
    for (let at = Number(byId.get(id)!.parent_id); at !== 0; at = Number(byId.get(at)!.parent_id))
      ids.push(at);
    return ids.reverse();
  };
  const out = new Map<number, DbInode>();
  for (const r of rows) {
    const id = Number(r.id);
    if (id === 1) continue;
    out.set(id, {
      id,
      path: pathOf(id),
      ancestorIds: ancestorsOf(id),
      size: Number(r.size),
      owner: String(r.owner),
      isDir: Boolean(r.is_dir),
      xattrs: {},
      logicalTime: Number(r.logical_time),
      mtimeMs: Number(r.mtime),
      ...(lastOf.has(id) ? { last: lastOf.get(id)! } : {}),
    });
  }
  for (const x of xrows) {
    const inode = out.get(Number(x.inode_id));
    const value = Buffer.from(x.value as Buffer);
    if (inode && Number(x.namespace) === 0 && value.length <= maxXattrBytes)
      inode.xattrs[String(x.name)] = value.toString('utf8');
  }
  if (options.filter) {
    const filter = createFilter(options.filter);
    const tagsOf = (id: number): Record<string, string> | null => {
      const xattrs = out.get(id)?.xattrs ?? {};
      const tags = Object.fromEntries(filter.tagNames.flatMap((n) => (n in xattrs ? [[n, xattrs[n]!]] : [])));
      return Object.keys(tags).length > 0 ? tags : null;
    };
    const uncovered: number[] = [];
    for (const [id, inode] of out) {
      let tags = tagsOf(id);
      for (let i = inode.ancestorIds.length - 1; tags === null && i >= 0; i--)
        tags = tagsOf(inode.ancestorIds[i]!);
      if (!filter.covers(inode.path, tags)) uncovered.push(id);
    }
    for (const id of uncovered) out.delete(id);
  }
  return out;
}

interface SearchDoc {
  path: string;
  ancestor_ids: number[];
  size: number;
  owner: string;
  is_dir: boolean;
  xattrs?: Record<string, string>;
  logical_time: number;
  last_operation: string;
  last_app_id: string | null;
  last_commit_ts: number;
}

export async function searchDocuments(esUrl: string, index: string): Promise<Map<number, SearchDoc>> {
  await fetch(`${esUrl}/${index}/_refresh`, { method: 'POST' });
  const out = new Map<number, SearchDoc>();
  let after: unknown[] | undefined;
  for (;;) {
    const body: Record<string, unknown> = {
      size: 5000,
      _source: [
        'path',
        'ancestor_ids',
        'size',
        'owner',
        'is_dir',
        'xattrs',
        'logical_time',
        'last_operation',
        'last_app_id',
        'last_commit_ts',
      ],
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
export async function checkSearchState(
  pool: Pool,
  esUrl: string,
  index: string,
  options: SearchStateOptions = {},
): Promise<string[]> {
  const [db, docs] = await Promise.all([databaseInodes(pool, options), searchDocuments(esUrl, index)]);
  const problems: string[] = [];
  for (const [id, inode] of db) {
    const doc = docs.get(id);
    if (options.refused?.has(id)) {
      if (doc) problems.push(`inode ${id}: the index was expected to refuse its document, and holds one`);
      continue;
    }
    if (!doc) {
      problems.push(`inode ${id} ${inode.path}: no document`);
      continue;
    }
    if (doc.path !== inode.path) problems.push(`inode ${id}: path ${doc.path} != ${inode.path}`);
    if (JSON.stringify(doc.ancestor_ids) !== JSON.stringify(inode.ancestorIds))
      problems.push(
        `inode ${id} ${inode.path}: ancestor ids ${JSON.stringify(doc.ancestor_ids)} != ${JSON.stringify(inode.ancestorIds)}`,
      );
    if (doc.size !== inode.size)
      problems.push(`inode ${id} ${inode.path}: size ${doc.size} != ${inode.size}`);
    if (doc.owner !== inode.owner)
      problems.push(`inode ${id} ${inode.path}: owner ${doc.owner} != ${inode.owner}`);
    if (doc.logical_time !== inode.logicalTime)
      problems.push(`inode ${id} ${inode.path}: logical_time ${doc.logical_time} != ${inode.logicalTime}`);
    // The last_* fields describe the newest change, all from one row (see the enricher's DocView).
    const last = inode.last;
    const resynced =
      options.filter !== undefined &&
      doc.last_operation === RESYNCED_LAST.operation &&
      doc.last_app_id === RESYNCED_LAST.appId &&
      Number(doc.last_commit_ts) === inode.mtimeMs;
    if (
      last &&
      !resynced &&
      (doc.last_operation !== last.operation ||
        doc.last_app_id !== last.appId ||
        Number(doc.last_commit_ts) !== last.commitTsMs)
    ) {
      problems.push(
        `inode ${id} ${inode.path}: last change ${doc.last_operation}/${doc.last_app_id}/${doc.last_commit_ts} != ${last.operation}/${last.appId}/${last.commitTsMs}`,
      );
    }
    if (JSON.stringify(sorted(doc.xattrs ?? {})) !== JSON.stringify(sorted(inode.xattrs))) {
      problems.push(
        `inode ${id} ${inode.path}: xattrs ${JSON.stringify(doc.xattrs).slice(0, 300)} != ${JSON.stringify(inode.xattrs).slice(0, 300)}`,
      );
    }
  }
  for (const [id, doc] of docs) {
    if (db.has(id)) continue;
    const gone = options.filter ? 'inode is gone or not covered by the filters' : 'inode is gone';
    problems.push(`document ${id} ${doc.path}: ${gone}`);
  }
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

/** Waits until the daemon has acknowledged (and deleted) every log row. */
export async function waitForEmptyLog(pool: Pool, timeoutMs?: number): Promise<void> {
  await waitFor('the log table to empty', async () => (await logRowsLeft(pool)) === 0, timeoutMs);
}

/** Log rows ever committed: the audit table's copies (the daemon deletes fs_log's rows). */
export async function auditedRows(pool: Pool, where: { operation?: number } = {}): Promise<number> {
  const [rows] =
    where.operation === undefined
      ? await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM fs_log_audit')
      : await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM fs_log_audit WHERE operation = ?', [
          where.operation,
        ]);
  return Number(rows[0]!.n);
}

/** Waits until `received` holds an event of every committed row (duplicates aside). */
export async function waitForEveryEvent(pool: Pool, received: readonly ReceivedKey[]): Promise<void> {
  const expected = await auditedRows(pool);
  await waitFor('every event to reach the subscriber', () =>
    Promise.resolve(new Set(received.map((r) => r.event.logId)).size >= expected),
  );
}

/**
 * What an end-to-end run must satisfy at quiescence (the fault scenarios' checkScenario without
 * dead letters): every committed row's event received, none that was not committed, per-inode
 * order, and the index equal to the database.
 */
export async function deliveryProblems(
  pool: Pool,
  received: readonly ReceivedKey[],
  search: { esUrl: string; index: string },
): Promise<string[]> {
  const delivery = await checkKafka(pool, received);
  return [
    ...delivery.missing.map((id) => `missing from Kafka: log ${id}`),
    ...delivery.unexpected.map((id) => `unexpected in Kafka: log ${id}`),
    ...delivery.orderViolations.map((v) => `order: ${v}`),
    ...(await checkSearchState(pool, search.esUrl, search.index)),
  ];
}

export interface TopicRecord {
  partition: number;
  offset: string;
  value: Buffer | null;
}

/** Every record of `topic` up to its end as of the call (see readTopicToEnd). */
export function readTopic(
  brokers: string[],
  topic: string,
  onRecord: (record: TopicRecord) => void,
  timeoutMs = 300_000,
): Promise<number> {
  return readTopicToEnd({ brokers, topic, clientId: 'epipe-checker', timeoutMs }, onRecord);
}

/** The events topic as the order and completeness checks need it, light enough for a million. */
export async function readEventKeys(brokers: string[], topic: string): Promise<ReceivedKey[]> {
  const out: ReceivedKey[] = [];
  await readTopic(brokers, topic, ({ partition, offset, value }) => {
    if (!value) return;
    const e = JSON.parse(value.toString('utf8')) as FileEvent;
    out.push({
      partition,
      offset,
      event: { logId: e.logId, inodeId: e.inodeId, logicalTime: e.logicalTime, operation: e.operation },
    });
  });
  return out;
}

/** A dead letter as the checker reads it off the topic (schemas/dead-letter.schema.json). */
export interface DeadLetterRecord {
  schema: string;
  logId: number | null;
  inodeId: number | null;
  stage: 'parse' | 'enrich' | 'kafka' | 'elasticsearch';
  reason: string;
  row: unknown;
}

export async function readDeadLetters(brokers: string[], topic: string): Promise<DeadLetterRecord[]> {
  const out: DeadLetterRecord[] = [];
  await readTopic(brokers, topic, ({ value }) => {
    if (value) out.push(JSON.parse(value.toString('utf8')) as DeadLetterRecord);
  });
  return out;
}

/** What the dead letter of a poison row written on purpose must say. */
export interface ExpectedDeadLetter {
  stage: DeadLetterRecord['stage'];
  reason: RegExp;
  /**
   * Stage 'elasticsearch' only: the inode whose document the index refused. Its row's event is
   * still published to Kafka (only the index refused it), and the index must hold no document.
   */
  inodeId?: number;
}

/** Whether a letter's row is a refused search change (a document, a delete, a move) of the inode. */
function changeOf(row: unknown, inodeId: number | null): boolean {
  const r = (row ?? {}) as { doc?: { inodeId?: unknown }; inodeId?: unknown; dirInodeId?: unknown };
  return (r.doc?.inodeId ?? r.inodeId ?? r.dirInodeId) === inodeId && inodeId !== null;
}

/**
 * The dead-letter topic holds exactly the poison rows (each at least once, replays may repeat
 * one), each with its reason and the original row it came from.
 */
export function checkDeadLetters(
  letters: readonly DeadLetterRecord[],
  expected: ReadonlyMap<number, ExpectedDeadLetter>,
): string[] {
  const problems: string[] = [];
  const seen = new Set<number>();
  const { deadLetter: valid } = schemaValidators();
  for (const l of letters) {
    const logId = l.logId; // ajv's type guard narrows `l` where it fails
    if (!valid(l))
      problems.push(`dead letter of log ${logId} breaks its JSON Schema: ${JSON.stringify(valid.errors)}`);
    const want = l.logId === null ? undefined : expected.get(l.logId);
    if (l.logId === null || !want) {
      problems.push(`unexpected dead letter (log ${l.logId}, ${l.stage}): ${l.reason}`);
      continue;
    }
    seen.add(l.logId);
    if (l.stage !== want.stage)
      problems.push(`dead letter of log ${l.logId}: stage ${l.stage}, expected ${want.stage}`);
    if (!want.reason.test(l.reason))
      problems.push(
        `dead letter of log ${l.logId}: reason ${JSON.stringify(l.reason)} does not match ${want.reason}`,
      );
    if (want.stage === 'elasticsearch') {
      if (l.inodeId !== want.inodeId || !changeOf(l.row, l.inodeId))
        problems.push(`dead letter of log ${l.logId}: not the refused change of inode ${want.inodeId}`);
    } else if (rowLogId(l.row) !== l.logId)
      problems.push(
        `dead letter of log ${l.logId}: does not carry its original row (${JSON.stringify(l.row)?.slice(0, 200)})`,
      );
  }
  for (const id of expected.keys()) if (!seen.has(id)) problems.push(`poison row ${id}: no dead letter`);
  return problems;
}

/** The log id inside a dead letter's row: a raw fs_log row (parse) or an event (later stages). */
function rowLogId(row: unknown): number | undefined {
  if (typeof row !== 'object' || row === null) return undefined;
  const r = row as { log_id?: unknown; logId?: unknown };
  const id = r.log_id ?? r.logId;
  return id === undefined || id === null ? undefined : Number(id);
}

export interface ScenarioReport {
  scenario: string;
  /** Committed log rows (the audit table), poison rows included. */
  rowsWritten: number;
  /** Records in the events topic, duplicates included. */
  eventsDelivered: number;
  duplicates: number;
  /** Committed rows that are neither in the events topic nor poison. Must be 0. */
  losses: number;
  deadLetters: number;
  peakRssMiB: number | null;
  durationS: number;
}

export interface ScenarioInput {
  scenario: string;
  pool: Pool;
  brokers: string[];
  topic: string;
  deadLetterTopic: string;
  esUrl: string;
  index: string;
  /** Poison rows written on purpose: log id -> what its dead letter must say. */
  poison?: ReadonlyMap<number, ExpectedDeadLetter>;
  maxXattrBytes?: number;
  peakRssBytes?: number | null;
  startedAtMs: number;
}

/**
 * Everything every fault scenario must satisfy at quiescence: every committed row's event is in
 * Kafka at least once, per-inode logical_time never goes back in Kafka order after deduplication
 * by event id, poison rows are dead letters (and only they), Elasticsearch equals the database,
 * the log table is empty. Prints the scenario's report line.
 */
export async function checkScenario(
  input: ScenarioInput,
): Promise<{ report: ScenarioReport; problems: string[] }> {
  const poison = input.poison ?? new Map<number, ExpectedDeadLetter>();
  const received = await readEventKeys(input.brokers, input.topic);
  // Rows refused by the index alone are still events; every other poison row must not be one.
  const notEvents = new Set([...poison].filter(([, p]) => p.stage !== 'elasticsearch').map(([id]) => id));
  const refused = new Set([...poison.values()].flatMap((p) => (p.inodeId === undefined ? [] : [p.inodeId])));
  const delivery = await checkKafka(input.pool, received, notEvents);
  const letters = await readDeadLetters(input.brokers, input.deadLetterTopic);
  const search = await checkSearchState(input.pool, input.esUrl, input.index, {
    refused,
    ...(input.maxXattrBytes !== undefined ? { maxXattrBytes: input.maxXattrBytes } : {}),
  });
  const left = await logRowsLeft(input.pool);
  const problems = [
    ...capped('missing from Kafka: log', delivery.missing),
    ...capped('unexpected in Kafka: log', delivery.unexpected),
    ...capped('poison row delivered as an event: log', delivery.excludedDelivered),
    ...capped('order', delivery.orderViolations),
    ...capped('dead letters', checkDeadLetters(letters, poison)),
    ...capped('search index', search),
    ...(left === 0 ? [] : [`log table: ${left} rows left`]),
  ];
  const report: ScenarioReport = {
    scenario: input.scenario,
    rowsWritten: delivery.rowsWritten + notEvents.size,
    eventsDelivered: delivery.eventsReceived,
    duplicates: delivery.duplicates,
    losses: delivery.missing.length,
    deadLetters: letters.length,
    peakRssMiB: input.peakRssBytes ? Math.round((input.peakRssBytes / 1024 / 1024) * 10) / 10 : null,
    durationS: Math.round((Date.now() - input.startedAtMs) / 100) / 10,
  };
  printReport(report);
  return { report, problems };
}

function capped(what: string, items: readonly (string | number)[], max = 20): string[] {
  const out = items.slice(0, max).map((i) => `${what} ${i}`);
  if (items.length > max) out.push(`${what}: ${items.length - max} more`);
  return out;
}

export function printReport(r: ScenarioReport): void {
  // Straight to stdout, so the line is readable in `make test` output without jest's decoration.
  process.stdout.write(
    `[fault report] ${r.scenario}: rows written ${r.rowsWritten}, events delivered ${r.eventsDelivered}, ` +
      `duplicates ${r.duplicates}, losses ${r.losses}, dead letters ${r.deadLetters}, ` +
      `peak RSS ${r.peakRssMiB === null ? 'n/a' : `${r.peakRssMiB} MiB`}, duration ${r.durationS} s\n`,
  );
}
