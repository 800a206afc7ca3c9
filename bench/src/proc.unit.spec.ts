import { ownProcesses, type ProcTicks } from './proc';

describe('ownProcesses', () => {
  const proc = (ppid: number, pgrp: number): ProcTicks => ({ ppid, pgrp, ownTicks: 0, ticks: 0 });

  it("counts the bench, its descendants and the services' groups as its own; kernel threads as nobody's", () => {
    const procs = new Map<number, ProcTicks>([
      [1, proc(0, 1)],
      [2, proc(0, 0)],
      [40, proc(2, 0)], // a kernel thread
      [100, proc(1, 100)], // a shell of someone else
      [101, proc(100, 100)], // its test run
      [200, proc(100, 200)], // the bench, started from that shell
      [201, proc(200, 200)], // a writer
      [202, proc(201, 200)], // the writer's child
      [300, proc(1, 300)], // MariaDB of the stack (its own group)
      [301, proc(300, 300)],
      [400, proc(1, 400)], // a database server outside the stack
    ]);
    const { ours, nobody } = ownProcesses(procs, 200, new Set([300]));
    expect([...ours].sort((a, b) => a - b)).toEqual([200, 201, 202, 300, 301]);
    expect([...nobody].sort((a, b) => a - b)).toEqual([1, 2, 40]);
  });
});
