import { versionedIndexPattern } from './alias';
import type { InodeField } from './fields';

export interface TemplateOptions {
  index: string;
  replicas: number;
  refreshInterval: string;
}

export function indexTemplateName(index: string): string {
  return `${index}-template`;
}

/**
 * Above the built-in templates (priority 100 and below), so this one wins for its exact index
 * name; two templates of equal priority may not overlap.
 */
const TEMPLATE_PRIORITY = 500;

const keyword = { type: 'keyword' } as const;

/**
 * Only what every Elasticsearch has built in: the integ-test distribution the tests run against
 * has no analysis-common module, so no path_hierarchy tokenizer. Instead of analysing paths at
 * index time, the sink writes every ancestor path as a keyword (`ancestor_paths`), which makes
 * "everything under /Projects/demo" a plain term query, just as fast and portable anywhere.
 * `path.text` uses the standard analyzer, which splits on '/', so segments are searchable words.
 */
export const INODE_MAPPINGS = {
  dynamic: 'strict',
  properties: {
    inode_id: { type: 'long' },
    parent_id: { type: 'long' },
    name: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 1024 } } },
    name_words: { type: 'text' },
    path: { type: 'keyword', fields: { text: { type: 'text', analyzer: 'standard' } } },
    ancestor_paths: keyword,
    ancestor_ids: { type: 'long' },
    depth: { type: 'integer' },
    is_dir: { type: 'boolean' },
    size: { type: 'long' },
    owner: keyword,
    group: keyword,
    permission: { type: 'integer' },
    mtime: { type: 'date', format: 'epoch_millis' },
    logical_time: { type: 'long' },
    path_epoch: { type: 'long' },
    project: keyword,
    dataset: keyword,
    xattr_names: keyword,
    xattr_pairs: keyword,
    xattr_text: { type: 'text' },
    xattrs: { type: 'object', enabled: false },
    last_operation: keyword,
    last_app_id: keyword,
    last_commit_ts: { type: 'date', format: 'epoch_millis' },
  } satisfies Record<InodeField, object>,
} as const;

/** The body of PUT _index_template/<index>-template. */
export function buildIndexTemplate(options: TemplateOptions) {
  return {
    // The alias's versioned indices, and the index itself for clusters an older epipe set up.
    index_patterns: [options.index, versionedIndexPattern(options.index)],
    priority: TEMPLATE_PRIORITY,
    template: {
      settings: {
        number_of_shards: 1,
        number_of_replicas: options.replicas,
        refresh_interval: options.refreshInterval,
      },
      mappings: INODE_MAPPINGS,
    },
    _meta: { managed_by: 'epipe', description: 'one document per live inode' },
  };
}
