// Shared by the tests of every library (the build leaves src/testing out).

/** Inode ids by path, numbered in the order paths are first named, as a name node numbers them. */
export class PathIds {
  readonly ids: Map<string, number>;

  constructor(
    private next: number,
    known: Iterable<[string, number]> = [],
  ) {
    this.ids = new Map(known);
  }

  idOf(path: string): number {
    let id = this.ids.get(path);
    if (id === undefined) {
      id = this.next++;
      this.ids.set(path, id);
    }
    return id;
  }
}
