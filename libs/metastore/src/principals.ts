import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { invalid, validateAppId, validateLabel } from './paths';

/**
 * Users, groups and registered app ids, cached for the NameNode's lifetime. Caching is safe
 * because none of them is ever renamed or deleted, and only positive answers are kept. Users and
 * groups are created outside the operation's transaction, so a rollback cannot leave the cache
 * pointing at a row that does not exist.
 */
export class Principals {
  private readonly users = new Map<string, number>();
  private readonly groups = new Map<string, number>();
  private readonly apps = new Set<string>();

  constructor(private readonly pool: Pool) {}

  async userId(name: string): Promise<number> {
    return this.ensure('fs_users', this.users, validateLabel(name, 'user name'));
  }

  async groupId(name: string): Promise<number> {
    return this.ensure('fs_groups', this.groups, validateLabel(name, 'group name'));
  }

  /** Throws unless the app id was registered; null/undefined means "no app". */
  async appId(appId: string | null | undefined): Promise<string | null> {
    if (appId === null || appId === undefined) return null;
    validateAppId(appId);
    if (this.apps.has(appId)) return appId;
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT 1 AS ok FROM applications WHERE app_id = ?',
      [appId],
    );
    if (rows.length === 0) throw invalid(`unknown app id ${appId}: register it with registerApp first`);
    this.apps.add(appId);
    return appId;
  }

  rememberApp(appId: string): void {
    this.apps.add(appId);
  }

  private async ensure(
    table: 'fs_users' | 'fs_groups',
    cache: Map<string, number>,
    name: string,
  ): Promise<number> {
    const cached = cache.get(name);
    if (cached !== undefined) return cached;
    // LAST_INSERT_ID(id) makes insertId the existing row's id when the name is already there.
    const [result] = await this.pool.query<ResultSetHeader>(
      `INSERT INTO ${table} (name) VALUES (?) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)`,
      [name],
    );
    cache.set(name, result.insertId);
    return result.insertId;
  }
}
