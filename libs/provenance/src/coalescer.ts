import {
  assert,
  PROVENANCE_EVENT_SCHEMA,
  PROVENANCE_EVENT_SCHEMA_VERSION,
  provenanceEventId,
  type ArtifactOp,
  type ArtifactRef,
  type ExecutionContext,
  type NamedRef,
  type ProvenanceEvent,
} from '@epipe/core';
import { createClassifier, type Classifier } from './classify';
import { ancestorRootResolver, mapEvent, type ProvenanceInput, type RootResolver } from './mapping';

export interface CoalescerOptions {
  /** Prefix of event ids: the source database's name, as in file event ids. */
  source: string;
  /** Tumbling window length on commit time. */
  windowMs?: number;
  /** A window closes once its end plus this has passed. */
  graceMs?: number;
  /**
   * Rows whose deletion waits (from the first batch an open window holds to the newest batch)
   * above which the oldest windows are closed early.
   */
  maxDeferredRows?: number;
  /** Wall time a window may stay open before it is closed early. */
  maxOpenMs?: number;
  classify?: Classifier;
  rootIdOf?: RootResolver;
  /** Wall clock; tests pass a fake one. */
  now?: () => number;
}

export const COALESCER_DEFAULTS = {
  windowMs: 10_000,
  graceMs: 2_000,
  maxDeferredRows: 100_000,
  maxOpenMs: 60_000,
} as const;

export interface CoalescerStats {
  openWindows: number;
  /** Closed windows whose events were not yet reported published: they still hold rows. */
  unpublishedWindows: number;
  /** Rows in open and unpublished windows. */
  heldRows: number;
  /** Rows of batches from the first held one on: deletion waits for them. */
  deferredRows: number;
  eventsIn: number;
  skippedNoArtifact: number;
  skippedUnresolved: number;
  closedByTime: number;
  closedByIdle: number;
  closedByAge: number;
  closedByPressure: number;
  closedByFlush: number;
}

/**
 * Turns file events into provenance events (DESIGN.md, "Coalesce").
 *
 * A pipeline stage drives it: `add` each batch's events in batch order, `tick` on a timer,
 * publish whatever either returns and report it with `published`, and ask `firstHeldBatch`
 * before deleting a batch's rows: only batches before it may go. `flush` on shutdown.
 */
export interface Coalescer {
  /** Adds a batch's events; returns the events of the windows closed by it. */
  add(batch: number, events: readonly ProvenanceInput[], rowCount?: number): ProvenanceEvent[];
  /** Closes the windows that are due; returns their events. */
  tick(): ProvenanceEvent[];
  /** Closes every open window (SIGTERM). */
  flush(): ProvenanceEvent[];
  /** These events are acknowledged by their sinks: their rows no longer wait for them. */
  published(eventIds: Iterable<string>): void;
  /**
   * The oldest batch that holds a row of a window not yet published, or null. Rows of batches
   * before it may be deleted; rows of it and later batches must wait, so deletion stays in order.
   */
  firstHeldBatch(): number | null;
  /** Log ids held by open or unpublished windows, ascending (for tests and the status page). */
  heldLogIds(): number[];
  stats(): CoalescerStats;
}

export function createCoalescer(options: CoalescerOptions): Coalescer {
  return new WindowCoalescer(options);
}

/** The completed batches, in order, whose rows may be deleted now: those before the first held. */
export function releasableBatches(completed: readonly number[], firstHeld: number | null): number[] {
  return firstHeld === null ? [...completed] : completed.filter((b) => b < firstHeld);
}

interface Window {
  key: string;
  artifact: ArtifactRef;
  op: ArtifactOp;
  actor: string;
  start: number;
  end: number;
  logIds: number[];
  details: Set<string>;
  firstTs: number;
  lastTs: number;
  /** The context of the earliest row. */
  firstRow: { ts: number; logId: number; app: ExecutionContext | null; user: NamedRef };
  batches: number[];
  openedAt: number;
  /** Creation order, to find the oldest. */
  seq: number;
  instant: boolean;
}

interface BatchEntry {
  batch: number;
  rows: number;
  /** Open or unpublished windows holding a row of this batch. */
  holders: number;
  /** Open windows among them. */
  openHolders: number;
}

type CloseReason = 'time' | 'idle' | 'age' | 'pressure' | 'flush';

class WindowCoalescer implements Coalescer {
  private readonly windowMs: number;
  private readonly graceMs: number;
  private readonly maxDeferredRows: number;
  private readonly maxOpenMs: number;
  private readonly mapping: { classify: Classifier; rootIdOf: RootResolver };
  private readonly now: () => number;
  private readonly source: string;
  /** Open windows by key, oldest first. */
  private readonly open = new Map<string, Window[]>();
  private readonly unpublished = new Map<string, Window>();
  /** Batches from the first held one on, in order; the map indexes the same entries. */
  private readonly batches: BatchEntry[] = [];
  private readonly batchIndex = new Map<number, BatchEntry>();
  private lastBatch: number | null = null;
  private watermark = -Infinity;
  /**
   * How far the writers' clock is at least ahead of this process's: a batch arrives after its
   * rows commit, so its earliest commit time minus the wall time it arrived is a lower bound (the
   * earliest row, so that rows of one batch committed over a while do not count as a lead). Without it a daemon whose clock is an hour behind would close an
   * idle window only by age (maxOpenMs), holding its rows that long.
   */
  private aheadMs = 0;
  /** Wall time of the last batch with rows: empty epochs of an idle source do not count. */
  private lastRowsAt: number;
  private seq = 0;
  private readonly counters = {
    eventsIn: 0,
    skippedNoArtifact: 0,
    skippedUnresolved: 0,
    time: 0,
    idle: 0,
    age: 0,
    pressure: 0,
    flush: 0,
  };

  constructor(options: CoalescerOptions) {
    this.source = options.source;
    this.windowMs = options.windowMs ?? COALESCER_DEFAULTS.windowMs;
    this.graceMs = options.graceMs ?? COALESCER_DEFAULTS.graceMs;
    this.maxDeferredRows = options.maxDeferredRows ?? COALESCER_DEFAULTS.maxDeferredRows;
    this.maxOpenMs = options.maxOpenMs ?? COALESCER_DEFAULTS.maxOpenMs;
    this.mapping = {
      classify: options.classify ?? createClassifier(),
      rootIdOf: options.rootIdOf ?? ancestorRootResolver,
    };
    this.now = options.now ?? Date.now;
    if (!(this.windowMs > 0) || !(this.graceMs >= 0) || !(this.maxDeferredRows > 0) || !(this.maxOpenMs > 0))
      throw new RangeError('coalescer: windowMs, maxDeferredRows and maxOpenMs must be > 0, graceMs >= 0');
    this.lastRowsAt = this.now();
  }

  add(batch: number, events: readonly ProvenanceInput[], rowCount = events.length): ProvenanceEvent[] {
    assert(
      this.lastBatch === null || batch > this.lastBatch,
      `coalescer: batch ${batch} added after batch ${this.lastBatch}`,
    );
    this.lastBatch = batch;
    const now = this.now();
    if (events.length > 0) {
      this.lastRowsAt = now;
      let earliest = Infinity;
      for (const e of events) if (e.commitTsMs < earliest) earliest = e.commitTsMs;
      if (earliest - now > this.aheadMs) this.aheadMs = earliest - now;
    }
    const entry: BatchEntry = { batch, rows: rowCount, holders: 0, openHolders: 0 };
    this.batches.push(entry);
    this.batchIndex.set(batch, entry);
    const closed: Window[] = [];
    // Roots deleted in this batch: their children's deletes fold into the root's DELETE.
    const instants = new Map<string, Window>();
    const folded: { event: ProvenanceInput; artifactId: number }[] = [];
    const mapped = events.map((event) => ({ event, result: mapEvent(event, this.mapping) }));
    const deletedRoots = new Set<number>();
    for (const { result } of mapped)
      if ('contributions' in result)
        for (const c of result.contributions) if (c.op === 'DELETE') deletedRoots.add(c.artifact.id);

    for (const { event, result } of mapped) {
      this.counters.eventsIn++;
      if (event.commitTsMs > this.watermark) this.watermark = event.commitTsMs;
      if ('skipped' in result) {
        if (result.skipped === 'no-artifact') this.counters.skippedNoArtifact++;
        else this.counters.skippedUnresolved++;
        continue;
      }
      for (const c of result.contributions) {
        if (c.childDelete && deletedRoots.has(c.artifact.id)) {
          folded.push({ event, artifactId: c.artifact.id });
          continue;
        }
        const actor = actorOf(event);
        if (c.instant) {
          const key = `${c.artifact.id}|${c.op}|${c.detail ?? ''}|${actor}|${event.logId}`;
          const w = this.newWindow(key, c.artifact, c.op, actor, event, now, true);
          if (c.detail) w.details.add(c.detail);
          this.hold(w, entry);
          instants.set(key, w);
          continue;
        }
        const w = this.windowFor(c.artifact, c.op, actor, event, now);
        if (c.detail) w.details.add(c.detail);
        this.join(w, event, c.artifact, entry);
      }
    }
    for (const { event, artifactId } of folded) {
      const target = [...instants.values()].find((w) => w.op === 'DELETE' && w.artifact.id === artifactId)!;
      this.join(target, event, target.artifact, entry);
    }
    for (const w of instants.values()) {
      entry.openHolders--; // instants are closed at once
      closed.push(w);
    }
    if (entry.holders === 0) this.trimBatches();
    closed.push(...this.closeDue(now));
    return this.emit(closed);
  }

  tick(): ProvenanceEvent[] {
    return this.emit(this.closeDue(this.now()));
  }

  flush(): ProvenanceEvent[] {
    const all = [...this.open.values()].flat();
    for (const w of all) this.closeWindow(w, 'flush');
    return this.emit(all);
  }

  published(eventIds: Iterable<string>): void {
    for (const id of eventIds) {
      const w = this.unpublished.get(id);
      if (!w) continue;
      this.unpublished.delete(id);
      for (const b of w.batches) {
        const entry = this.entry(b);
        if (entry) entry.holders--;
      }
    }
    this.trimBatches();
  }

  firstHeldBatch(): number | null {
    this.trimBatches();
    return this.batches[0]?.batch ?? null;
  }

  heldLogIds(): number[] {
    const ids: number[] = [];
    for (const list of this.open.values()) for (const w of list) ids.push(...w.logIds);
    for (const w of this.unpublished.values()) ids.push(...w.logIds);
    return [...new Set(ids)].sort((a, b) => a - b);
  }

  stats(): CoalescerStats {
    let openWindows = 0;
    let heldRows = 0;
    for (const list of this.open.values()) {
      openWindows += list.length;
      for (const w of list) heldRows += w.logIds.length;
    }
    for (const w of this.unpublished.values()) heldRows += w.logIds.length;
    this.trimBatches();
    return {
      openWindows,
      unpublishedWindows: this.unpublished.size,
      heldRows,
      deferredRows: this.batches.reduce((sum, b) => sum + b.rows, 0),
      eventsIn: this.counters.eventsIn,
      skippedNoArtifact: this.counters.skippedNoArtifact,
      skippedUnresolved: this.counters.skippedUnresolved,
      closedByTime: this.counters.time,
      closedByIdle: this.counters.idle,
      closedByAge: this.counters.age,
      closedByPressure: this.counters.pressure,
      closedByFlush: this.counters.flush,
    };
  }

  // --- windows ---

  private windowFor(
    artifact: ArtifactRef,
    op: ArtifactOp,
    actor: string,
    event: ProvenanceInput,
    now: number,
  ): Window {
    const key = `${artifact.id}|${op}|${actor}`;
    const start = Math.floor(event.commitTsMs / this.windowMs) * this.windowMs;
    const list = this.open.get(key);
    if (list && list.length > 0) {
      const exact = list.find((w) => w.start === start);
      if (exact) return exact;
      // A late row (its own window already closed) joins the oldest open one.
      if (start < list[list.length - 1]!.start) return list[0]!;
    }
    const w = this.newWindow(key, artifact, op, actor, event, now, false, start);
    if (list) list.push(w);
    else this.open.set(key, [w]);
    return w;
  }

  private newWindow(
    key: string,
    artifact: ArtifactRef,
    op: ArtifactOp,
    actor: string,
    event: ProvenanceInput,
    now: number,
    instant: boolean,
    start = event.commitTsMs,
  ): Window {
    return {
      key,
      artifact,
      op,
      actor,
      start,
      end: start + this.windowMs,
      logIds: instant ? [event.logId] : [],
      details: new Set(),
      firstTs: event.commitTsMs,
      lastTs: event.commitTsMs,
      firstRow: { ts: event.commitTsMs, logId: event.logId, app: event.app, user: event.user },
      batches: [],
      openedAt: now,
      seq: this.seq++,
      instant,
    };
  }

  private join(w: Window, event: ProvenanceInput, artifact: ArtifactRef, entry: BatchEntry): void {
    w.logIds.push(event.logId);
    w.firstTs = Math.min(w.firstTs, event.commitTsMs);
    if (event.commitTsMs >= w.lastTs) {
      w.lastTs = event.commitTsMs;
      if (!w.instant) w.artifact = artifact; // the name at the latest row
    }
    const first = w.firstRow;
    if (event.commitTsMs < first.ts || (event.commitTsMs === first.ts && event.logId < first.logId))
      w.firstRow = { ts: event.commitTsMs, logId: event.logId, app: event.app, user: event.user };
    this.hold(w, entry);
  }

  private hold(w: Window, entry: BatchEntry): void {
    if (w.batches[w.batches.length - 1] === entry.batch) return;
    w.batches.push(entry.batch);
    entry.holders++;
    entry.openHolders++;
  }

  private closeDue(now: number): Window[] {
    const due: { w: Window; reason: CloseReason }[] = [];
    const idle = now - this.lastRowsAt >= this.graceMs;
    // The writers' clock, as far as the rows tell: a lead within the grace is what the grace is
    // for (and what delivery jitter looks like); beyond it this clock is behind theirs.
    const commitNow = now + Math.max(0, this.aheadMs - this.graceMs);
    for (const list of this.open.values()) {
      for (const w of list) {
        const closeAt = w.end + this.graceMs;
        let reason: CloseReason | null = null;
        if (this.watermark >= closeAt) reason = 'time';
        else if (idle && commitNow >= closeAt) reason = 'idle';
        else if (now - w.openedAt >= this.maxOpenMs) reason = 'age';
        if (reason) due.push({ w, reason });
      }
    }
    for (const { w, reason } of due) this.closeWindow(w, reason);
    const closed = due.map((d) => d.w);
    // Pressure: close the oldest open windows until the rows waiting behind them fit.
    while (this.openDeferredRows() > this.maxDeferredRows) {
      const oldest = this.oldestOpen();
      if (!oldest) break;
      this.closeWindow(oldest, 'pressure');
      closed.push(oldest);
    }
    return closed;
  }

  private closeWindow(w: Window, reason: CloseReason): void {
    this.counters[reason]++;
    const list = this.open.get(w.key)!;
    list.splice(list.indexOf(w), 1);
    if (list.length === 0) this.open.delete(w.key);
    for (const b of w.batches) this.entry(b)!.openHolders--;
  }

  private oldestOpen(): Window | undefined {
    let oldest: Window | undefined;
    for (const list of this.open.values())
      for (const w of list) {
        if (
          !oldest ||
          w.batches[0]! < oldest.batches[0]! ||
          (w.batches[0] === oldest.batches[0] && w.seq < oldest.seq)
        )
          oldest = w;
      }
    return oldest;
  }

  /** Rows from the first batch an open window holds to the newest batch. */
  private openDeferredRows(): number {
    let sum = 0;
    let counting = false;
    for (const b of this.batches) {
      if (b.openHolders > 0) counting = true;
      if (counting) sum += b.rows;
    }
    return sum;
  }

  private emit(windows: Window[]): ProvenanceEvent[] {
    windows.sort((a, b) => a.start - b.start || a.seq - b.seq);
    return windows.map((w) => {
      const event = toEvent(this.source, w);
      this.unpublished.set(event.eventId, w);
      return event;
    });
  }

  private entry(batch: number): BatchEntry | undefined {
    return this.batchIndex.get(batch);
  }

  /** Forgets batches at the front that hold nothing: they are releasable. */
  private trimBatches(): void {
    let n = 0;
    while (n < this.batches.length && this.batches[n]!.holders === 0) n++;
    if (n === 0) return;
    for (const b of this.batches.splice(0, n)) this.batchIndex.delete(b.batch);
  }
}

/** Who a window is keyed by: the app, or the user without one (part of the event id). */
export function actorOf(event: Pick<ProvenanceInput, 'app' | 'user'>): string {
  return event.app ? `app:${event.app.appId}` : `user:${event.user.id}`;
}

function toEvent(source: string, w: Window): ProvenanceEvent {
  const logIds = [...w.logIds].sort((a, b) => a - b);
  return {
    schema: PROVENANCE_EVENT_SCHEMA,
    schemaVersion: PROVENANCE_EVENT_SCHEMA_VERSION,
    eventId: provenanceEventId(source, { artifactId: w.artifact.id, op: w.op, actor: w.actor, logIds }),
    artifact: { ...w.artifact },
    op: w.op,
    detail: w.details.size === 0 ? null : [...w.details].sort().join(','),
    count: logIds.length,
    firstCommitTsMs: w.firstTs,
    lastCommitTsMs: w.lastTs,
    app: w.firstRow.app,
    user: w.firstRow.user,
    logIds,
  };
}
