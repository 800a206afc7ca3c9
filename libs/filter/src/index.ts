export {
  createFilter,
  parseTagRule,
  type DirectoryPlace,
  type EventFilter,
  type FilterRule,
  type Verdict,
} from './rules';
export {
  DEFAULT_FILTER_CONFIG,
  FILTER_FIELDS,
  filterConfig,
  type FilterConfig,
  type FilterSettings,
  type TagRule,
  type TagValueRule,
} from './config';
