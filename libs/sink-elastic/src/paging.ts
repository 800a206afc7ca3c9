import type { estypes } from '@elastic/elasticsearch';

/**
 * Every hit of a sorted search, a page at a time, with search_after on the sort: any number of
 * hits, and no scroll context left open on the cluster. The sort must be total (ties broken by a
 * unique field), or a page boundary can skip a document. `search` sends one page (the caller's
 * retries and error handling).
 */
export async function* searchPages<T>(
  body: estypes.SearchRequest & { size: number },
  search: (page: estypes.SearchRequest) => Promise<estypes.SearchResponse<T>>,
): AsyncGenerator<estypes.SearchHit<T>[]> {
  let after: estypes.SortResults | undefined;
  for (;;) {
    const hits = (await search({ ...body, ...(after ? { search_after: after } : {}) })).hits.hits;
    yield hits;
    if (hits.length < body.size) return;
    after = hits[hits.length - 1]!.sort;
  }
}
