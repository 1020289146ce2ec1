// Checks that a test left no process behind: nothing live in the process groups and sessions it started, among the
// pids it learnt from markers, or below any of those. Deliberately independent of src/process (it checks that code).
// Leftovers are SIGKILLed so that one failing test does not disturb the next.
import { readFileSync, readdirSync } from "node:fs";
import { afterEach, beforeEach } from "node:test";
import { MarkerDir } from "./fixtures.js";

interface Proc {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
}

function readProcs(): Proc[] {
  const procs: Proc[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/stat`, "latin1");
    } catch {
      continue;
    }
    const close = text.lastIndexOf(")");
    const [state = "", ppid, pgrp, session] = text.slice(close + 2).split(" ");
    const comm = text.slice(text.indexOf("(") + 1, close);
    procs.push({ pid: Number(name), comm, state, ppid: Number(ppid), pgrp: Number(pgrp), session: Number(session) });
  }
  return procs;
}

export class LeftoverGuard {
  readonly #groups = new Set<number>();
  readonly #pids = new Set<number>();

  /** Watch a process group / session id (a leader spawned with setsid). */
  watchGroup(pgid: number): void {
    this.#groups.add(pgid);
  }

  /** Watch one process (e.g. an escapee whose pid a marker file revealed). */
  watchPid(pid: number): void {
    this.#pids.add(pid);
  }

  /** Live processes of what is watched, and their descendants (zombies count as gone). */
  find(): string[] {
    const procs = readProcs();
    const found = new Map<number, Proc>();
    for (const p of procs) {
      if (this.#groups.has(p.pgrp) || this.#groups.has(p.session) || this.#pids.has(p.pid)) found.set(p.pid, p);
    }
    for (let grew = true; grew; ) {
      grew = false;
      for (const p of procs) {
        if (!found.has(p.pid) && found.has(p.ppid)) {
          found.set(p.pid, p);
          grew = true;
        }
      }
    }
    return [...found.values()]
      .filter((p) => p.state !== "Z" && p.state !== "X" && p.pid !== process.pid && p.pid > 1)
      .map((p) => `${p.pid} (${p.comm}, state ${p.state}, pgrp ${p.pgrp}, session ${p.session})`);
  }

  /** Throws, after SIGKILLing them, if any watched process is still alive. Forgets what it watched. */
  assertNone(): void {
    const left = this.find();
    for (const line of left) {
      try {
        process.kill(Number(line.split(" ")[0]), "SIGKILL");
      } catch {
        // already gone
      }
    }
    this.#groups.clear();
    this.#pids.clear();
    if (left.length > 0) throw new Error(`Processes left behind: ${left.join("; ")}`);
  }
}

/** Per test: a fresh MarkerDir handed to `use`; afterwards, nothing `guard` watches may be left, and the dir goes. */
export function checkEachTest(guard: LeftoverGuard, use: (markers: MarkerDir) => void): void {
  let markers: MarkerDir | undefined;
  beforeEach(() => use((markers = new MarkerDir())));
  afterEach(() => {
    try {
      guard.assertNone();
    } finally {
      markers?.remove();
    }
  });
}
