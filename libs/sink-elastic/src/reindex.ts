import { Client } from '@elastic/elasticsearch';
import { EpipeError, type Logger } from '@epipe/core';
import { versionedIndexName } from './alias';
import { bulkOp, ndjsonLines, responseItems, type BulkOp } from './bulk';
import type { ElasticSinkConfig } from './config';
import { buildInodeSource, inodeDocId, type InodeDoc } from './doc';
import { clientOptions } from './elastic-sink';
import { INODE_FIELDS, type InodeSource } from './fields';
import { buildIndexTemplate, indexTemplateName } from './template';

/**
 * Rebuilding the search index while the daemon keeps writing, and why it stays right.
 *
 * The daemon reads and writes `elastic.index` as an alias (see alias.ts). A rebuild:
 *  1. begin(): creates `<index>-v<n+1>` and, in ONE `_aliases` call, makes it the alias's write
 *     index while the old index stays in the alias for reads. From that instant every daemon
 *     write lands in the new index; searches through the alias see the old index's complete
 *     contents plus the new one's (never nothing; a document may show twice until the switch).
 *  2. the caller copies the database's current state into the new index with write(): versions
 *     are external = logical_time, the daemon's own version, so whichever of the copy and the
 *     daemon writes the newer state of an inode wins, in either order; an equal version keeps the
 *     first (409 is success). Every change the daemon wrote to the OLD index happened before the
 *     switch, hence before the copy read the database, so the copy carries it.
 *  3. Paths are the subtle part: a directory move changes descendants' paths, not their
 *     logical_time. A document the copy read before a move and wrote after the daemon rewrote
 *     that subtree would keep the old path at an equal version. Two things close this:
 *     - the daemon's move searches the alias, which still holds the old index: it finds every
 *       descendant there and rewrites it INTO the new index (external_gte at the old version), so
 *       a later copy write at the same version is refused; and
 *     - the caller re-reads the edges it built paths from after its write was refreshed (visible
 *       to the daemon's next move search) and rewrites, with external_gte, every document whose
 *       ancestry changed meanwhile (rewrite()), until a round finds none.
 *  4. finish(): in one `_aliases` call the alias keeps only the new index; then documents of
 *     inodes gone from the database (a move may have copied an old-index document of an inode
 *     deleted after the switch) are deleted if unchanged since read (if_seq_no), and the old
 *     index is dropped.
 * An interrupted rebuild leaves the alias over both indices with the new one writing: a rerun
 * finds that state and copies again into the same new index (idempotent by versions).
 */
export interface IndexRebuilder {
  begin(): Promise<{ alias: string; source: string; target: string; resumed: boolean }>;
  /** Writes documents into the new index; 'fix' overwrites an equal version (a corrected path). */
  write(docs: InodeDoc[], mode: 'copy' | 'fix'): Promise<{ written: number; refused: string[] }>;
  refresh(): Promise<void>;
  /** The old index's last_* fields of these inodes, with the version they describe. */
  previous(
    ids: number[],
  ): Promise<Map<number, Pick<InodeDoc, 'logicalTime' | 'lastOperation' | 'lastAppId' | 'lastCommitTsMs'>>>;
  /** Makes the new index the alias's only index; returns its document ids page by page to sweep. */
  switchOver(): Promise<void>;
  targetPage(after: number, size: number): Promise<{ id: number; seqNo: number; primaryTerm: number }[]>;
  deleteIfUnchanged(docs: { id: number; seqNo: number; primaryTerm: number }[]): Promise<number>;
  dropSource(): Promise<void>;
  close(): Promise<void>;
}

export function createIndexRebuilder(config: ElasticSinkConfig, deps: { logger: Logger }): IndexRebuilder {
  const client = new Client({ ...clientOptions(config), maxRetries: config.maxRetries });
  const alias = config.index;
  let source = '';
  let target = '';

  const bulk = async (ops: BulkOp[]) => {
    const refused: string[] = [];
    if (ops.length === 0) return { written: 0, refused };
    const response = await client.bulk({ operations: ndjsonLines(ops), include_source_on_error: false });
    let written = 0;
    responseItems(response).forEach((item, i) => {
      const status = item?.status ?? 0;
      if ((status >= 200 && status < 300) || status === 409 || status === 404) {
        if (status < 300) written++;
      } else refused.push(`inode ${ops[i]!.id}: ${item?.error?.type ?? status} ${item?.error?.reason ?? ''}`);
    });
    return { written, refused };
  };

  return {
    async begin() {
      await client.indices.putIndexTemplate({
        name: indexTemplateName(alias),
        ...buildIndexTemplate(config),
      });
      let indices: Record<string, { aliases: Record<string, { is_write_index?: boolean }> }>;
      try {
        indices = await client.indices.getAlias({ name: alias });
      } catch (err) {
        if ((err as { meta?: { statusCode?: number } }).meta?.statusCode === 404) {
          if (await client.indices.exists({ index: alias }))
            throw new EpipeError(
              'CONFIG_INVALID',
              `${alias} is a concrete index (made by an older epipe), not an alias: it cannot be swapped in place; point elastic.index at a new name, let the daemon create it, then reindex`,
            );
          throw new EpipeError(
            'CONFIG_INVALID',
            `${alias} does not exist: start the daemon once, it creates it`,
          );
        }
        throw err;
      }
      const names = Object.keys(indices).sort(byVersion);
      if (names.length === 2) {
        // An interrupted rebuild: the write index is the one being built.
        target = names.find((n) => indices[n]!.aliases[alias]?.is_write_index) ?? names[1]!;
        source = names.find((n) => n !== target)!;
        return { alias, source, target, resumed: true };
      }
      if (names.length !== 1)
        throw new EpipeError(
          'CONFIG_INVALID',
          `alias ${alias} points at ${names.length} indices: ${names.join(', ')}`,
        );
      source = names[0]!;
      target = versionedIndexName(alias, versionOf(source) + 1);
      // A target left by a rebuild interrupted before its alias switch: start it again empty.
      await client.indices.delete({ index: target }, { ignore: [404] });
      await client.indices.create({ index: target });
      await client.indices.updateAliases({
        actions: [
          { add: { index: target, alias, is_write_index: true } },
          { add: { index: source, alias, is_write_index: false } },
        ],
      });
      deps.logger.info({ alias, source, target }, 'the alias writes to the new index');
      return { alias, source, target, resumed: false };
    },

    async write(docs, mode) {
      const ops = docs.map((doc) => {
        const id = inodeDocId(doc.inodeId);
        const versionType = mode === 'copy' ? ('external' as const) : ('external_gte' as const);
        const action = {
          index: { _index: target, _id: id, version: doc.logicalTime, version_type: versionType },
        };
        return bulkOp({ kind: 'upsert', doc }, action, id, buildInodeSource(doc));
      });
      return bulk(ops);
    },

    async refresh() {
      await client.indices.refresh({ index: target });
    },

    async previous(ids) {
      const out = new Map<
        number,
        Pick<InodeDoc, 'logicalTime' | 'lastOperation' | 'lastAppId' | 'lastCommitTsMs'>
      >();
      if (ids.length === 0) return out;
      const response = await client.mget<InodeSource>({ index: source, ids: ids.map(inodeDocId) });
      for (const doc of response.docs) {
        if (!('found' in doc) || !doc.found || !doc._source) continue;
        const s = doc._source;
        out.set(Number(doc._id), {
          logicalTime: Number(s.logical_time),
          lastOperation: String(s.last_operation),
          lastAppId: s.last_app_id ?? null,
          lastCommitTsMs: Number(s.last_commit_ts),
        });
      }
      return out;
    },

    async switchOver() {
      await client.indices.updateAliases({
        actions: [
          { add: { index: target, alias, is_write_index: true } },
          { remove: { index: source, alias } },
        ],
      });
      deps.logger.info({ alias, target }, 'the alias points at the new index only');
    },

    async targetPage(after, size) {
      const page = await client.search<InodeSource>({
        index: target,
        size,
        _source: false,
        seq_no_primary_term: true,
        sort: [{ [INODE_FIELDS.inodeId]: 'asc' }],
        search_after: [after],
        track_total_hits: false,
      });
      return page.hits.hits.map((h) => ({
        id: Number(h._id),
        seqNo: h._seq_no!,
        primaryTerm: h._primary_term!,
      }));
    },

    async deleteIfUnchanged(docs) {
      if (docs.length === 0) return 0;
      const operations = docs.map((d) => ({
        delete: { _index: target, _id: inodeDocId(d.id), if_seq_no: d.seqNo, if_primary_term: d.primaryTerm },
      }));
      const response = await client.bulk({ operations });
      return responseItems(response).filter((i) => i?.status === 200).length;
    },

    async dropSource() {
      await client.indices.delete({ index: source }, { ignore: [404] });
    },

    async close() {
      await client.close();
    },
  };
}

function versionOf(index: string): number {
  const m = /-v(\d+)$/.exec(index);
  return m ? Number(m[1]) : 1;
}

function byVersion(a: string, b: string): number {
  return versionOf(a) - versionOf(b);
}
