export { createFilter, parseTagRule, type EventFilter, type FilterRule, type Verdict } from './rules';
export { DEFAULT_FILTER_CONFIG, type FilterConfig, type TagRule, type TagValueRule } from './config';
