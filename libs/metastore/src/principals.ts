import { invalid, validateAppId, validateLabel } from './paths';
import type { Tx } from './tx';

/**
 * Users, groups and registered app ids, cached for the NameNode's lifetime. Caching is safe
 * because none of them is ever renamed or deleted, and only committed rows are cached: a user
 * created on first use is inserted in the operation's own transaction and remembered only once
 * that transaction commits, so a refused operation leaves no user behind.
 */
export class Principals {
  private readonly users = new Map<string, number>();
  private readonly groups = new Map<string, number>();
  private readonly apps = new Set<string>();

  userId(tx: Tx, name: string): Promise<number> {
    return this.ensure(tx, 'fs_users', this.users, validateLabel(name, 'user name'));
  }

  groupId(tx: Tx, name: string): Promise<number> {
    return this.ensure(tx, 'fs_groups', this.groups, validateLabel(name, 'group name'));
  }

  /** Throws unless the app id was registered; null/undefined means "no app". */
  async appId(tx: Tx, appId: string | null | undefined): Promise<string | null> {
    if (appId === null || appId === undefined) return null;
    validateAppId(appId);
    if (this.apps.has(appId)) return appId;
    const rows = await tx.rows('SELECT 1 AS ok FROM applications WHERE app_id = ?', [appId]);
    if (rows.length === 0) throw invalid(`unknown app id ${appId}: register it with registerApp first`);
    tx.afterCommit(() => this.apps.add(appId));
    return appId;
  }

  rememberApp(tx: Tx, appId: string): void {
    tx.afterCommit(() => this.apps.add(appId));
  }

  private async ensure(
    tx: Tx,
    table: 'fs_users' | 'fs_groups',
    cache: Map<string, number>,
    name: string,
  ): Promise<number> {
    const cached = cache.get(name);
    if (cached !== undefined) return cached;
    // A plain read first: the upsert below locks the row until commit, which would make every
    // transaction of a not-yet-cached user queue behind the others.
    const found = await tx.rows(`SELECT id FROM ${table} WHERE name = ?`, [name]);
    let id = found[0] ? Number(found[0].id) : undefined;
    if (id === undefined) {
      // LAST_INSERT_ID(id) makes insertId the existing row's id if a concurrent writer won.
      const result = await tx.exec(
        `INSERT INTO ${table} (name) VALUES (?) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)`,
        [name],
      );
      id = result.insertId;
    }
    tx.afterCommit(() => cache.set(name, id));
    return id;
  }
}
