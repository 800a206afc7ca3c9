export * from './epoch-builder';
export * from './reorder';
