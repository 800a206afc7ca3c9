export { createEpochBuilder, type ChunkLike, type EpochBuilder } from './epoch-builder';
export { DEFAULT_EPOCH_CONFIG, EPOCH_FIELDS, epochConfig, type EpochConfig } from './config';
