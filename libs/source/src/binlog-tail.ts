import { type BinlogPosition, EpipeError } from '@epipe/core';
import ZongJi, { type AnyBinlogEvent } from '@vlasky/zongji';
import { TransactionAssembler } from './assembler';
import type { TransactionChunk } from './chunk';
import type { SourceConfig } from './config';
import { connectionError, connectionOptions } from './db';
import type { SourceDeps } from './deps';
import { BinlogEventRouter } from './event-router';
import type { FlowControl } from './queue';

/** zongji's binlog connection is a mysql2 Connection; its socket is not in the typings. */
interface SocketLike {
  on(event: 'data', listener: () => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

interface ConnectionLike {
  stream: SocketLike;
  once(event: 'connect', listener: () => void): unknown;
}

const EVENTS = [
  'rotate',
  'mariadbgtid',
  'gtid',
  'anonymousgtid',
  'query',
  'xid',
  'xaprepare',
  'tablemap',
  'writerows',
];

const PAUSE_TOLERANCE_S = 86_400;

export interface TailHandlers {
  chunk(chunk: TransactionChunk): void;
  /** Called at most once; the tail is dead afterwards and must be stopped. */
  error(err: EpipeError): void;
}

/**
 * The only place that touches zongji. Streams from a given binlog position, turns events into
 * chunks, pauses its socket on request and declares the stream dead when it falls silent.
 */
export class BinlogTail implements FlowControl {
  private zongji: ZongJi | undefined;
  private socket: SocketLike | undefined;
  private readonly router: BinlogEventRouter;
  private watchdog: NodeJS.Timeout | undefined;
  private lastDataAt = Date.now();
  private lastCheckAt = Date.now();
  private paused = false;
  private done = false;

  constructor(
    private readonly config: SourceConfig,
    private readonly from: BinlogPosition,
    private readonly handlers: TailHandlers,
    private readonly deps: SourceDeps,
  ) {
    const warn = (message: string): void => deps.logger.warn(message);
    const assembler = new TransactionAssembler(config, (chunk) => handlers.chunk(chunk), warn);
    this.router = new BinlogEventRouter(config, assembler, from.file, warn);
  }

  start(): void {
    const zongji = new ZongJi(connectionOptions(this.config));
    this.zongji = zongji;
    zongji.on('error', (err: Error) => this.fail(err));
    zongji.on('ready', () => {
      this.deps.metrics.sourceConnected.set(1);
      this.deps.logger.info({ from: this.from.toString() }, 'binlog stream started');
    });
    zongji.on('binlog', (event: AnyBinlogEvent) => this.onEvent(event));
    zongji.start({
      serverId: this.config.serverId,
      filename: this.from.file,
      position: this.from.offset,
      includeEvents: EVENTS,
      includeSchema: { [this.config.database]: [this.config.logTable] },
    });
    const connection = zongji.connection!;
    // zongji has no heartbeat option, but the binlog connection exists now and runs its commands
    // in order, so this lands before the dump request. The server then sends a heartbeat event
    // whenever the binlog is idle for the period (nanoseconds), so a live stream is never silent.
    // The dump thread also gives up on a client that does not read for net_write_timeout (60 s by
    // default), which a long backpressure pause would hit; a restart means a full rescan, so the
    // session allows a day.
    const periodNs = BigInt(Math.max(1, Math.floor(this.config.heartbeatMs / 2))) * 1_000_000n;
    connection.query(
      `SET @master_heartbeat_period = ${periodNs}, SESSION net_write_timeout = ${PAUSE_TOLERANCE_S}`,
      (err: Error | null) => {
        if (err) this.fail(err);
      },
    );
    // With TLS, mysql2 replaces the TCP socket by a TLS socket during the handshake (and drops
    // the TCP socket's data listeners): watch and pause whichever socket carries the packets once
    // the connection is up, or a TLS stream would look silent and never pause.
    const conn = connection as unknown as ConnectionLike;
    this.watchSocket(conn.stream);
    conn.once('connect', () => {
      if (conn.stream !== this.socket && !this.done) this.watchSocket(conn.stream);
    });
    this.lastDataAt = this.lastCheckAt = Date.now();
    this.watchdog = setInterval(() => this.checkLiveness(), Math.max(10, this.config.heartbeatMs / 4));
  }

  private watchSocket(socket: SocketLike): void {
    this.socket = socket;
    socket.on('data', () => {
      if (this.socket !== socket) return;
      this.lastDataAt = Date.now();
      // zongji resumes the socket after its own metadata pauses; re-assert ours.
      if (this.paused) socket.pause();
    });
    if (this.paused) socket.pause();
  }

  /**
   * Backpressure: stop reading the socket. TCP flow control then stalls the server's dump thread;
   * nothing is dropped. Pausing the socket rather than mysql2's connection leaves mysql2's own
   * pause (zongji uses it while it fetches table metadata) alone, so packet order is kept.
   */
  pause(): void {
    if (this.paused || this.done) return;
    this.paused = true;
    this.deps.metrics.setSourcePaused('source_queue', true);
    this.socket?.pause();
  }

  resume(): void {
    if (!this.paused || this.done) return;
    this.paused = false;
    this.deps.metrics.setSourcePaused('source_queue', false);
    // Not from inside the consumer's take(): resuming may deliver buffered packets synchronously.
    setImmediate(() => {
      if (!this.paused && !this.done) this.socket?.resume();
    });
  }

  async stop(): Promise<void> {
    if (this.done && !this.zongji) return;
    this.done = true;
    clearInterval(this.watchdog);
    const zongji = this.zongji;
    this.zongji = undefined;
    this.socket = undefined;
    this.deps.metrics.sourceConnected.set(0);
    this.deps.metrics.setSourcePaused('source_queue', false);
    if (!zongji) return;
    zongji.removeAllListeners('binlog');
    zongji.removeAllListeners('error');
    zongji.on('error', () => {});
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2_000);
      zongji.once('stopped', () => {
        clearTimeout(timer);
        resolve();
      });
      zongji.stop();
    });
  }

  private onEvent(event: AnyBinlogEvent): void {
    if (this.done) return;
    try {
      this.router.handle(event);
    } catch (err) {
      this.fail(err);
    }
  }

  private checkLiveness(): void {
    const now = Date.now();
    const sinceCheck = now - this.lastCheckAt;
    this.lastCheckAt = now;
    if (this.done) return;
    // Paused: the silence is ours. A late check: our own event loop was blocked, and bytes may be
    // waiting unread in the socket; either way give the stream a fresh period.
    if (this.paused || sinceCheck > this.config.heartbeatMs / 2) {
      this.lastDataAt = now;
      return;
    }
    const silentMs = now - this.lastDataAt;
    if (silentMs > this.config.heartbeatMs) {
      this.fail(
        new EpipeError(
          'SOURCE_CONNECTION',
          `the binlog stream was silent for ${silentMs} ms although the server sends a heartbeat every ${Math.floor(this.config.heartbeatMs / 2)} ms`,
          { retriable: true },
        ),
      );
    }
  }

  private fail(err: unknown): void {
    if (this.done) return;
    this.done = true;
    clearInterval(this.watchdog);
    this.deps.metrics.sourceConnected.set(0);
    this.handlers.error(connectionError(err, 'binlog stream failed'));
  }
}
