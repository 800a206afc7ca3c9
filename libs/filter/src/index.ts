export { createFilter, type EventFilter } from './rules';
export { DEFAULT_FILTER_CONFIG, type FilterConfig, type TagRule } from './config';
