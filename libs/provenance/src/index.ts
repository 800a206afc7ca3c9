export {
  createClassifier,
  DEFAULT_ARTIFACT_PATTERNS,
  type ArtifactPattern,
  type Classification,
  type Classifier,
} from './classify';
export {
  ancestorRootResolver,
  mapEvent,
  type Contribution,
  type ProvenanceInput,
  type RootResolver,
} from './mapping';
export {
  COALESCER_DEFAULTS,
  createCoalescer,
  releasableBatches,
  type Coalescer,
  type CoalescerOptions,
  type CoalescerStats,
} from './coalescer';
export {
  createEdgeBuilder,
  emptyHistoryStore,
  type AppHistory,
  type AppHistoryStore,
  type ArtifactTouch,
  type EdgeBuilder,
  type EdgeBuilderOptions,
} from './edges';
export { nextArtifactState, type RootSnapshot } from './artifacts';
export { containerRenameEvents, isContainerRename } from './reclassify';
