export * from './glob';
export * from './rules';
