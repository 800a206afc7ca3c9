export * from './dedupe';
export * from './subscriber';
export * from './topic-reader';
