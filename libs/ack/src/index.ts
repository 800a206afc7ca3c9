export * from './acknowledger';
