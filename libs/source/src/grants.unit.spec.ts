import {
  hasDatabasePrivilege,
  hasGlobalPrivilege,
  hasTablePrivilege,
  parseGrant,
  parseGrants,
} from './grants';

describe('parseGrant', () => {
  it('reads global, database and table grants', () => {
    expect(parseGrant('GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `epipe`@`%`')).toEqual({
      privileges: new Set(['REPLICATION SLAVE', 'BINLOG MONITOR']),
      database: '*',
      table: '*',
    });
    expect(parseGrant('GRANT SELECT ON `meta`.* TO `epipe`@`%`')).toMatchObject({
      database: 'meta',
      table: '*',
    });
    expect(parseGrant('GRANT DELETE ON `meta`.`fs_log` TO `epipe`@`%`')).toMatchObject({
      database: 'meta',
      table: 'fs_log',
    });
  });

  it('keeps quoted names with dots and backticks intact', () => {
    expect(parseGrant('GRANT SELECT ON `a.b``c`.`t.1` TO `u`@`h`')).toMatchObject({
      database: 'a.b`c',
      table: 't.1',
    });
  });

  it('normalises ALL and ignores column-level privileges', () => {
    expect(parseGrant("GRANT ALL ON *.* TO 'root'@'localhost' WITH GRANT OPTION")?.privileges).toEqual(
      new Set(['ALL PRIVILEGES']),
    );
    const grant = parseGrant('GRANT SELECT (log_id, inode_id), DELETE ON `m`.`fs_log` TO `u`@`%`');
    expect(grant?.privileges).toEqual(new Set(['DELETE']));
  });

  it('skips role grants, proxy grants, routines and non-grant lines', () => {
    expect(parseGrant('GRANT `reader` TO `epipe`@`%`')).toBeUndefined();
    expect(parseGrant("GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION")).toBeUndefined();
    expect(parseGrant('GRANT EXECUTE ON FUNCTION `m`.`f` TO `u`@`%`')).toBeUndefined();
    expect(parseGrant('SET DEFAULT ROLE `reader` FOR `epipe`@`%`')).toBeUndefined();
  });
});

describe('privilege checks', () => {
  const grants = parseGrants([
    "GRANT USAGE ON *.* TO `epipe`@`%` IDENTIFIED BY PASSWORD '*ABC'",
    'GRANT SELECT ON `meta\\_%`.* TO `epipe`@`%`',
    'GRANT DELETE ON `meta_1`.`fs_log` TO `epipe`@`%`',
  ]);

  it('needs global grants for global privileges', () => {
    expect(hasGlobalPrivilege(grants, ['REPLICATION SLAVE'])).toBe(false);
    expect(
      hasGlobalPrivilege(parseGrants(['GRANT REPLICATION CLIENT ON *.* TO u']), [
        'BINLOG MONITOR',
        'REPLICATION CLIENT',
      ]),
    ).toBe(true);
    expect(
      hasGlobalPrivilege(parseGrants(['GRANT ALL PRIVILEGES ON `x`.* TO u']), ['REPLICATION SLAVE']),
    ).toBe(false);
  });

  it('matches database patterns, honouring escaped wildcards', () => {
    expect(hasDatabasePrivilege(grants, 'SELECT', 'meta_1')).toBe(true);
    expect(hasDatabasePrivilege(grants, 'SELECT', 'metaX1')).toBe(false);
    expect(hasDatabasePrivilege(grants, 'SELECT', 'other')).toBe(false);
  });

  it('accepts a table privilege from any level, but table names literally', () => {
    expect(hasTablePrivilege(grants, 'DELETE', 'meta_1', 'fs_log')).toBe(true);
    expect(hasTablePrivilege(grants, 'DELETE', 'metaX1', 'fs_log')).toBe(false);
    expect(hasTablePrivilege(grants, 'DELETE', 'meta_1', 'inodes')).toBe(false);
    expect(hasTablePrivilege(grants, 'SELECT', 'meta_9', 'fs_log')).toBe(true);
    expect(hasTablePrivilege(parseGrants(['GRANT ALL PRIVILEGES ON *.* TO r']), 'DELETE', 'a', 'b')).toBe(
      true,
    );
  });

  it('does not let a table grant stand for the whole database', () => {
    expect(hasDatabasePrivilege(parseGrants(['GRANT SELECT ON `m`.`fs_log` TO u']), 'SELECT', 'm')).toBe(
      false,
    );
  });
});
