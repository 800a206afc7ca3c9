/**
 * A stage that works on one batch at a time, in dispatch order: each step starts once its input
 * is ready and the stage's previous step has succeeded. A failed step fails every later one of
 * the stage (and so every later ack): nothing after a failed batch is acknowledged.
 */
export class InOrder {
  private last: Promise<unknown> = Promise.resolve();

  /** Settles once every step queued so far has (rejected if one failed). */
  get settled(): Promise<unknown> {
    return this.last;
  }

  run<I, T>(input: Promise<I>, step: (input: I) => Promise<T> | T): Promise<T> {
    const next = Promise.all([input, this.last]).then(([value]) => step(value));
    this.last = next;
    return next;
  }
}
