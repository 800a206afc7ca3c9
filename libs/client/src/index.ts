export * from './dedupe';
export * from './subscriber';
