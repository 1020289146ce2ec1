// The ordered list of a task's hooks, built in one place. Phases run the hooks in this order (stop and exited
// too), so each rule below is about what must happen before what.
import type { Hook } from "../core/hook.js";
import { gracefulHttpHook, type GracefulHttpOptions } from "./gracefulHttpHook.js";
import { certificateLifetimeHook, type CertificateLifetimeOptions } from "./certificateLifetimeHook.js";
import { configServiceHook, type ConfigServiceHookOptions } from "./configServiceHook.js";
import { consulHook, type ConsulHookOptions } from "./consulHook.js";
import { haproxyHook, type HaproxyHookOptions } from "./haproxyHook.js";
import { vaultHook, type VaultHookOptions } from "./vaultHook.js";
import { warmupHook, type WarmupOptions } from "./warmupHook.js";

export interface HookSettings {
  /** The operator's own hooks (exec / HTTP), in the order they were given. */
  custom?: readonly Hook[];
  graceful?: GracefulHttpOptions;
  warmup?: WarmupOptions;
  haproxy?: HaproxyHookOptions;
  consul?: ConsulHookOptions;
  certificateLifetime?: CertificateLifetimeOptions;
  configService?: ConfigServiceHookOptions;
  vault?: VaultHookOptions;
}

export function hookList({ custom = [], graceful, warmup, haproxy, consul, certificateLifetime, configService, vault }: HookSettings): Hook[] {
  return [
    // Prestart, first: an expired certificate stops the task before anything uses it; then the configuration
    // service and Vault put the app's configuration and secrets into its environment (a later hook's variable wins),
    // before the operator's own prestart hooks, which see them.
    ...(certificateLifetime ? [certificateLifetimeHook(certificateLifetime)] : []),
    ...(configService ? [configServiceHook(configService)] : []),
    ...(vault ? [vaultHook(vault)] : []),
    // 0. The warm-up has only a healthy phase: it goes before every hook that registers the task anywhere, so that
    //    the first real request finds warm caches.
    ...(warmup ? [warmupHook(warmup)] : []),
    // 1. Registrations: in healthy after the warm-up; in preKill first of all, so that traffic stops before
    //    anything else of the kill path. Consul first: its leave (the instance is out of the passing set) stops
    //    clients that discover through it, then HAProxy's drain confirms that the sessions still open have ended.
    ...(consul ? [consulHook(consul)] : []),
    ...(haproxy ? [haproxyHook(haproxy)] : []),
    // 2. The operator's own hooks: a preKill hook (deregistration, a drain) finishes before the task is asked to quit.
    ...custom,
    // 3. The graceful HTTP request goes last among the preKill hooks: once it is sent the task stops serving, so
    //    nothing may route traffic to it any more.
    ...(graceful ? [gracefulHttpHook(graceful)] : []),
  ];
}
