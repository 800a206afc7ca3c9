export * from './enricher';
export * from './path-tree';
export * from './reader';
export * from './sql-reader';
