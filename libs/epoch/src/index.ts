export { createEpochBuilder, type ChunkLike, type EpochBuilder } from './epoch-builder';
export { DEFAULT_EPOCH_CONFIG, type EpochConfig } from './config';
