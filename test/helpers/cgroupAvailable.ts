// Whether this machine lets the test process make cgroup v2 groups for tasks (root and a writable cgroup2 mount
// showing its own group): tests of the cgroup mechanism need it, and say so when they skip.
import { ownCgroupDirectory } from "../../src/process/taskCgroup.js";

export const cgroupAvailable: boolean = ((): boolean => {
  if (process.getuid?.() !== 0) return false;
  try {
    ownCgroupDirectory();
    return true;
  } catch {
    return false;
  }
})();
