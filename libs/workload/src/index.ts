export * from './mix';
export * from './workload';
