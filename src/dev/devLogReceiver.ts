// `berth dev --logs`: the end of the log pipeline on your terminal. A json_lines sink on 127.0.0.1 that the dev
// executors ship to (BERTH_LOG_SINKS), so that what a log store would receive — enriched, parsed, per stream — is
// what the timeline shows.
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { once } from "node:events";

export type DevLogEvent = Readonly<Record<string, unknown>>;

export interface DevLogReceiver {
  readonly port: number;
  close(): Promise<void>;
}

/** Longest line accepted from a sink connection (the pipeline's longest line, 1 MiB, plus its envelope). */
const MAX_LINE = 2 * 1024 * 1024;

export async function startDevLogReceiver(onEvent: (event: DevLogEvent) => void, onProblem: (message: string) => void): Promise<DevLogReceiver> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let pending = "";
    socket.setEncoding("utf8");
    socket.on("data", (text: string) => {
      pending += text;
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        try {
          const event: unknown = JSON.parse(line);
          if (event && typeof event === "object" && !Array.isArray(event)) onEvent(event as DevLogEvent);
          else onProblem(`not a JSON object: ${line.slice(0, 80)}`);
        } catch {
          onProblem(`not JSON: ${line.slice(0, 80)}`);
        }
      }
      if (pending.length > MAX_LINE) {
        onProblem(`a line longer than ${MAX_LINE} bytes: connection closed`);
        socket.destroy();
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      const closed = once(server, "close");
      server.close();
      // Let the executors' last records in: they flush before their terminal status, and the session ends after it.
      for (const socket of sockets) socket.end();
      await closed;
    },
  };
}
