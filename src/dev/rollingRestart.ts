// A rolling restart the way Marathon replaces an app's instances (its TaskReplaceActor), as a pure state machine
// that `berth dev` drives: it says which old instance to kill and how many new ones to launch; the caller reports
// what happens. upgradeStrategy decides the pace:
//   minHealthy  = ceil(instances × minimumHealthCapacity)      old + new instances that must stay up
//   maxCapacity = floor(instances × (1 + maximumOverCapacity)) instances that may exist at once
// At the start, running − minHealthy old instances are killed at once (if minHealthy equals maxCapacity and nothing
// could start, one instance of over-capacity is allowed, as Marathon does). New instances are launched within
// maxCapacity; each new instance that is healthy and ready lets one more old instance go; each old instance gone
// makes room for new ones. Which old instance goes first follows killSelection (Marathon's order for scaling down).

export interface UpgradeStrategy {
  minimumHealthCapacity: number;
  maximumOverCapacity: number;
}

export interface RestartStrategy {
  minHealthy: number;
  maxCapacity: number;
  killNow: number;
}

export function restartStrategy(instances: number, running: number, upgrade: UpgradeStrategy): RestartStrategy {
  const minHealthy = Math.ceil(instances * upgrade.minimumHealthCapacity);
  let maxCapacity = Math.floor(instances * (1 + upgrade.maximumOverCapacity));
  const killNow = Math.max(0, running - minHealthy);
  // Nothing could be killed or started: allow one instance over capacity so that the restart can progress.
  if (minHealthy === maxCapacity && maxCapacity <= running) maxCapacity += 1;
  return { minHealthy, maxCapacity, killNow };
}

export type RestartAction = { kind: "kill"; instance: number } | { kind: "launch"; count: number } | { kind: "done" } | { kind: "abort"; reason: string };

export interface RollingRestartOptions {
  /** Target number of instances. */
  instances: number;
  /** The old instances still running, oldest first. */
  old: readonly number[];
  upgrade: UpgradeStrategy;
  killSelection: "YOUNGEST_FIRST" | "OLDEST_FIRST";
  /** New instances that may fail before the restart gives up (Marathon retries for ever, with a backoff). */
  maxNewFailures?: number;
}

export class RollingRestart {
  readonly strategy: RestartStrategy;
  readonly #instances: number;
  readonly #toKill: number[];
  readonly #oldAlive: Set<number>;
  readonly #ready = new Set<number>();
  readonly #maxNewFailures: number;
  #started = 0;
  #newFailures = 0;
  #finished = false;

  constructor({ instances, old, upgrade, killSelection, maxNewFailures = 3 }: RollingRestartOptions) {
    this.#instances = instances;
    this.#toKill = killSelection === "OLDEST_FIRST" ? [...old] : [...old].reverse();
    this.#oldAlive = new Set(old);
    this.#maxNewFailures = maxNewFailures;
    this.strategy = restartStrategy(instances, old.length, upgrade);
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** The first actions: immediate kills, then the first launches. */
  start(): RestartAction[] {
    const actions: RestartAction[] = [];
    for (let i = 0; i < this.strategy.killNow; i++) this.#killNext(actions);
    this.#launch(actions);
    return this.#check(actions);
  }

  /** A new instance is healthy and ready: one more old instance may go. */
  newReady(instance: number): RestartAction[] {
    if (this.#finished || this.#ready.has(instance)) return [];
    this.#ready.add(instance);
    const actions: RestartAction[] = [];
    this.#killNext(actions);
    return this.#check(actions);
  }

  /** An old instance is gone (terminal): room for new ones. */
  oldGone(instance: number): RestartAction[] {
    if (this.#finished || !this.#oldAlive.delete(instance)) return [];
    const index = this.#toKill.indexOf(instance);
    if (index >= 0) this.#toKill.splice(index, 1);
    const actions: RestartAction[] = [];
    this.#launch(actions);
    return this.#check(actions);
  }

  /** A new instance ended before it was ready (or after): it is replaced, up to maxNewFailures times. */
  newFailed(instance: number): RestartAction[] {
    if (this.#finished) return [];
    this.#ready.delete(instance);
    this.#started -= 1;
    this.#newFailures += 1;
    if (this.#newFailures > this.#maxNewFailures) {
      this.#finished = true;
      return [{ kind: "abort", reason: `${this.#newFailures} new instances failed` }];
    }
    const actions: RestartAction[] = [];
    this.#launch(actions);
    return this.#check(actions);
  }

  #killNext(actions: RestartAction[]): void {
    const next = this.#toKill.shift();
    if (next !== undefined) actions.push({ kind: "kill", instance: next });
  }

  #launch(actions: RestartAction[]): void {
    const room = Math.max(0, this.strategy.maxCapacity - this.#oldAlive.size - this.#started);
    const count = Math.min(Math.max(0, this.#instances - this.#started), room);
    if (count > 0) {
      this.#started += count;
      actions.push({ kind: "launch", count });
    }
  }

  #check(actions: RestartAction[]): RestartAction[] {
    if (!this.#finished && this.#ready.size >= this.#instances && this.#oldAlive.size === 0) {
      this.#finished = true;
      actions.push({ kind: "done" });
    }
    return actions;
  }
}
