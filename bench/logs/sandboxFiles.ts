// What the benchmark reads of a task's sandbox: the lines of a stream's sandbox file including its rotated copies
// (`stdout`, `stdout.1` … — copy-truncate rotation, see src/logs/sandboxFile.ts), and the bytes on disk below the
// sandbox's subdirectories (where the log shipper's spools are; the sandbox files themselves are top-level).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** Newlines in `<sandbox>/<stream>` and every `<stream>.<n>`; files: how many there were. */
export function sandboxStreamLines(sandbox: string, stream: "stdout" | "stderr"): { lines: number; bytes: number; files: number } {
  let lines = 0;
  let bytes = 0;
  let files = 0;
  for (const name of readdirSync(sandbox)) {
    if (name !== stream && !new RegExp(`^${stream}\\.\\d+$`).test(name)) continue;
    const data = readFileSync(join(sandbox, name));
    files++;
    bytes += data.length;
    for (let at = data.indexOf(0x0a); at >= 0; at = data.indexOf(0x0a, at + 1)) lines++;
  }
  return { lines, bytes, files };
}

/** Bytes of the regular files in the sandbox's subdirectories (not its top-level files); 0 when there are none. */
export function subdirectoryBytes(sandbox: string): number {
  if (!existsSync(sandbox)) return 0;
  let total = 0;
  const walk = (dir: string, top: boolean): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return; // removed meanwhile
    }
    for (const name of names) {
      const path = join(dir, name);
      try {
        const stat = statSync(path);
        if (stat.isDirectory()) walk(path, false);
        else if (!top && stat.isFile()) total += stat.size;
      } catch {
        // removed meanwhile
      }
    }
  };
  walk(sandbox, true);
  return total;
}
