// The ordered list of a task's hooks, built in one place. Phases run the hooks in this order (stop and exited
// too), so each rule below is about what must happen before what.
import type { Hook } from "../core/hook.js";
import { gracefulHttpHook, type GracefulHttpOptions } from "./gracefulHttpHook.js";
import { warmupHook, type WarmupOptions } from "./warmupHook.js";

export interface HookSettings {
  /** The operator's own hooks (exec / HTTP), in the order they were given. */
  custom?: readonly Hook[];
  graceful?: GracefulHttpOptions;
  warmup?: WarmupOptions;
}

export function hookList({ custom = [], graceful, warmup }: HookSettings): Hook[] {
  return [
    // 0. The warm-up has only a healthy phase: it goes before every hook that registers the task anywhere, so that
    //    the first real request finds warm caches.
    ...(warmup ? [warmupHook(warmup)] : []),
    // 1. Custom hooks first: a prestart hook may provide configuration the built-in ones rely on, and a preKill
    //    hook (deregistration, a drain) must finish before the task is asked to quit.
    ...custom,
    // 2. The graceful HTTP request goes last among the preKill hooks: once it is sent the task stops serving, so
    //    nothing may route traffic to it any more.
    ...(graceful ? [gracefulHttpHook(graceful)] : []),
  ];
}
