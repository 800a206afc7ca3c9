// Three tiers, chosen by file name: *.unit.spec.ts run without any server; *.int.spec.ts talk to
// the real MariaDB, Kafka and Elasticsearch started by `make up`; *.fault.spec.ts break those
// servers and the daemon for minutes each (test/faults).
const esmPackages = ['@vlasky/zongji', 'p-queue', 'p-timeout', 'eventemitter3'].join('|');
const common = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json', diagnostics: false }],
  },
  transformIgnorePatterns: [`node_modules/(?!(${esmPackages})/)`],
  moduleNameMapper: {
    '^@epipe/(.*)$': '<rootDir>/libs/$1/src',
  },
  rootDir: __dirname,
};
module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/**/*.unit.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/**/*.int.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/test/faults/'],
      setupFilesAfterEnv: ['<rootDir>/test/support/int-setup.ts'],
    },
    {
      ...common,
      displayName: 'soak',
      testMatch: ['<rootDir>/**/*.soak.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/dist/'],
      setupFilesAfterEnv: ['<rootDir>/test/support/int-setup.ts'],
    },
    {
      ...common,
      displayName: 'faults',
      testMatch: ['<rootDir>/**/*.fault.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/dist/'],
      setupFilesAfterEnv: ['<rootDir>/test/support/int-setup.ts'],
    },
  ],
};
