export { HOPSFS_MIX, parseMix, prng, type Mix } from './mix';
export {
  runWorkload,
  setupWorkload,
  type WorkloadOptions,
  type WorkloadSetup,
  type WorkloadStats,
} from './workload';
export { runLineageStory, type LineageStory, type LineageStoryOptions } from './lineage-story';
