import { SCANNED_COLUMNS, type ServerFacts, evaluateServer } from './server-check';

const config = { database: 'meta', logTable: 'fs_log', serverId: 4242 };

function goodFacts(): ServerFacts {
  return {
    variables: {
      log_bin: 'ON',
      binlog_format: 'ROW',
      binlog_row_image: 'FULL',
      binlog_row_metadata: 'FULL',
      server_id: '1',
      version: '10.11.14-MariaDB',
    },
    currentUser: "'epipe'@'%'",
    logTableExists: true,
    logTableColumns: [...SCANNED_COLUMNS],
    grants: [
      'GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `epipe`@`%`',
      'GRANT SELECT ON `meta`.* TO `epipe`@`%`',
      'GRANT DELETE ON `meta`.`fs_log` TO `epipe`@`%`',
    ],
  };
}

function problemsWith(change: (facts: ServerFacts) => void): string[] {
  const facts = goodFacts();
  change(facts);
  return evaluateServer(facts, config).problems;
}

describe('evaluateServer', () => {
  it('accepts a well configured server and a least-privilege user', () => {
    expect(evaluateServer(goodFacts(), config)).toEqual({ problems: [], warnings: [] });
  });

  it.each([
    ['log_bin', 'OFF', /log_bin=OFF.*log-bin/],
    ['binlog_format', 'MIXED', /binlog_format=MIXED.*SET GLOBAL binlog_format=ROW/],
    ['binlog_format', 'STATEMENT', /binlog_format=STATEMENT/],
    ['binlog_row_image', 'MINIMAL', /binlog_row_image=MINIMAL.*binlog_row_image=FULL/],
    ['binlog_row_image', 'NOBLOB', /binlog_row_image=NOBLOB/],
    ['binlog_transaction_compression', 'ON', /binlog_transaction_compression=ON/],
    ['server_id', '4242', /serverId 4242 is the server's own server_id/],
  ])('refuses %s=%s naming the fix', (name, value, message) => {
    const problems = problemsWith((f) => (f.variables[name] = value));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('names a variable the server does not report', () => {
    expect(problemsWith((f) => delete f.variables.binlog_format)[0]).toMatch(/binlog_format=unknown/);
  });

  it('only warns about binlog_row_metadata', () => {
    const facts = goodFacts();
    facts.variables.binlog_row_metadata = 'NO_LOG';
    const verdict = evaluateServer(facts, config);
    expect(verdict.problems).toEqual([]);
    expect(verdict.warnings.join()).toMatch(
      /binlog_row_metadata=NO_LOG.*SET GLOBAL binlog_row_metadata=FULL/,
    );
  });

  it('refuses a missing log table', () => {
    expect(problemsWith((f) => (f.logTableExists = false))[0]).toMatch(/meta\.fs_log does not exist/);
  });

  it.each([
    [0, /lacks REPLICATION SLAVE: GRANT REPLICATION SLAVE ON \*\.\* TO 'epipe'@'%'/],
    [1, /lacks SELECT: GRANT SELECT ON `meta`\.\*/],
    [2, /lacks DELETE: GRANT DELETE ON `meta`\.`fs_log`/],
  ])('names the missing privilege of grant line %i', (line, message) => {
    const problems = problemsWith((f) => {
      if (line === 0) f.grants[0] = 'GRANT BINLOG MONITOR ON *.* TO `epipe`@`%`';
      else f.grants.splice(line, 1);
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('names the columns a log table from before the transaction id lacks', () => {
    expect(problemsWith((f) => (f.logTableColumns = SCANNED_COLUMNS.filter((c) => c !== 'tx_id')))).toEqual([
      expect.stringMatching(/meta\.fs_log lacks the column\(s\) tx_id: run the metastore migrations/),
    ]);
  });

  it('accepts REPLICATION CLIENT for BINLOG MONITOR, and refuses neither', () => {
    expect(
      problemsWith(
        (f) => (f.grants[0] = 'GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO `epipe`@`%`'),
      ),
    ).toEqual([]);
    const problems = problemsWith((f) => (f.grants[0] = 'GRANT REPLICATION SLAVE ON *.* TO `epipe`@`%`'));
    expect(problems[0]).toMatch(/BINLOG MONITOR.*REPLICATION CLIENT/);
  });

  it('accepts root', () => {
    expect(
      problemsWith(
        (f) => (f.grants = ['GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION']),
      ),
    ).toEqual([]);
  });

  it('reports every problem at once, and hints at roles', () => {
    const facts = goodFacts();
    facts.variables.binlog_format = 'MIXED';
    facts.logTableExists = false;
    facts.grants = ['GRANT USAGE ON *.* TO `epipe`@`%`', 'GRANT `epipe_role` TO `epipe`@`%`'];
    const verdict = evaluateServer(facts, config);
    expect(verdict.problems).toHaveLength(6);
    expect(verdict.warnings.join()).toMatch(/has roles/);
  });
});
