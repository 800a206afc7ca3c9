import type { LineageNode, LineageResult } from '@epipe/query';

function label(node: LineageNode): string {
  const a = node.artifact;
  const name = a ? `${a.name}${a.version === null ? '' : `/${a.version}`}` : `#${node.id}`;
  const parts = [name, a ? `${a.kind.toLowerCase().replace('_', ' ')}` : 'unknown artifact', a?.path ?? ''];
  let text = `${parts[0]}  (${parts[1]}, ${a ? `${a.project}, ` : ''}id ${node.id})`;
  if (parts[2]) text += `  ${parts[2]}`;
  if (node.deleted) text += '  [deleted]';
  else if (a?.deleted) text += `  [deleted later, ${new Date(a.deleted.atMs).toISOString()}]`;
  if (node.producers.length > 0) {
    const who = node.producers.map((p) => {
      const bits = [p.jobName ?? p.appId];
      if (p.pipelineRun) bits.push(`run ${p.pipelineRun}`);
      return bits.join(', ');
    });
    text += `  ← ${who.join('; ')}`;
  }
  return text;
}

/** The lineage as an indented tree from the start; a node reached again is named, not repeated. */
export function renderLineage(result: LineageResult): string[] {
  const nodes = new Map(result.nodes.map((n) => [n.id, n]));
  const children = new Map<number, number[]>();
  for (const e of result.edges) {
    const [parent, child] = result.direction === 'up' ? [e.to.id, e.from.id] : [e.from.id, e.to.id];
    const list = children.get(parent) ?? [];
    if (!list.includes(child)) list.push(child);
    children.set(parent, list);
  }
  const lines: string[] = [];
  const shown = new Set<number>();
  const walk = (id: number, prefix: string, last: boolean, top: boolean): void => {
    const node = nodes.get(id);
    if (!node) return;
    const branch = top ? '' : last ? '└─ ' : '├─ ';
    if (shown.has(id)) {
      lines.push(`${prefix}${branch}${label(node).split('  ')[0]} (see above)`);
      return;
    }
    shown.add(id);
    lines.push(`${prefix}${branch}${label(node)}`);
    const kids = (children.get(id) ?? []).filter((k) => nodes.has(k)).sort((a, b) => a - b);
    const next = top ? prefix : `${prefix}${last ? '   ' : '│  '}`;
    kids.forEach((k, i) => walk(k, next, i === kids.length - 1, false));
  };
  walk(result.root, '', true, true);
  const tail = [
    `${result.nodes.length} artifact(s), ${result.edges.length} edge(s), ${result.direction}stream`,
  ];
  if (result.asOfMs !== null) tail.push(`as of ${new Date(result.asOfMs).toISOString()}`);
  if (result.truncated) tail.push('TRUNCATED: raise --limit to see more');
  lines.push(tail.join('; '));
  return lines;
}
