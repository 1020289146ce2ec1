// For short-lived helper processes (check commands, exec hooks): wait for the leader or an abort, then SIGKILL
// whatever is left of the group and wait (bounded) until it is gone.
import type { ExitStatus } from "./exitStatus.js";
import type { ProcessTree } from "./processTree.js";
import { signalGroup, waitGroupGone } from "./signalGroup.js";

/** How long to wait for a SIGKILLed group to disappear before giving up on it. */
const GONE_WAIT_MS = 5_000;

/** The leader's exit status, or "aborted" if `signal` aborts first. */
export async function exitedOrAborted(exited: Promise<ExitStatus>, signal: AbortSignal): Promise<ExitStatus | "aborted"> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<"aborted">((resolve) => {
    onAbort = () => resolve("aborted");
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([exited, aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort!);
  }
}

/** SIGKILLs what is left of the group and waits (bounded) until it is gone. Best effort: never throws. */
export async function killGroupNow(tree: ProcessTree): Promise<void> {
  try {
    if (signalGroup(tree, "SIGKILL").length === 0) return;
    await waitGroupGone(tree, { signal: AbortSignal.timeout(GONE_WAIT_MS) });
  } catch {
    // EPERM (a setuid descendant) or a process that cannot die: nothing more a helper process can get.
  }
}
