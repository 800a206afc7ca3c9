export { migrate, loadMigrations, MIGRATIONS_DIR, ROOT_INODE_ID, SUPERUSER, SUPERGROUP } from './migrate';
export type { Migration, MigrateResult } from './migrate';
export { grantEpipeUser, dropEpipeUser, usesBinlogMonitor } from './grant';
export type { EpipeUserOptions } from './grant';
export { NameNode, checkRenamePaths } from './namenode';
export type { NameNodeOptions } from './namenode';
export type { TxHooks } from './tx';
export {
  parsePath,
  formatPath,
  pathKind,
  validateName,
  validatePermission,
  MAX_NAME_BYTES,
  PROJECTS_DIR,
} from './paths';
export type { PathKind } from './paths';
export { XATTR_NAMESPACES, MAX_XATTR_VALUE_BYTES } from './xattr';
export type { XattrNamespace } from './xattr';
export { splitStatements, quoteDatabase } from './sql';
export type * from './types';
