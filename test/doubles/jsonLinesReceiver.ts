// A Logstash-style json_lines TCP receiver (test double for Logstash's tcp input with the json_lines codec): one
// JSON object per line, each checked for the field names Logstash's json_lines events carry (`@timestamp`,
// `@version`, `message` by default). Lines that are not JSON objects or miss a field are kept as problems, so a
// test can assert there are none. stop()/start() on the same port make an outage; `read: false` accepts
// connections and never reads (TCP backpressure).
import { createServer, type Server, type Socket } from "node:net";

export interface JsonLinesReceiverOptions {
  readonly port?: number;
  readonly requiredFields?: readonly string[];
  readonly read?: boolean;
}

export interface JsonLinesReceiver {
  readonly port: number;
  /** Every well-formed event, in arrival order. */
  readonly events: Record<string, unknown>[];
  /** Lines that were not JSON objects or missed a required field, with why. */
  readonly problems: string[];
  /** Connections accepted so far. */
  connections(): number;
  start(): Promise<void>;
  /** Closes the listener and every connection at once. */
  stop(): Promise<void>;
}

export async function startJsonLinesReceiver({ port = 0, requiredFields = ["@timestamp", "@version", "message"], read = true }: JsonLinesReceiverOptions = {}): Promise<JsonLinesReceiver> {
  const events: Record<string, unknown>[] = [];
  const problems: string[] = [];
  let accepted = 0;
  let sockets: Socket[] = [];
  let server: Server | undefined;
  let boundPort = port;
  const onLine = (line: string): void => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push(`not JSON: ${line.slice(0, 200)}`);
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      problems.push(`not an object: ${line.slice(0, 200)}`);
      return;
    }
    const missing = requiredFields.filter((field) => !(field in value));
    if (missing.length > 0) problems.push(`missing ${missing.join(", ")}: ${line.slice(0, 200)}`);
    else events.push(value as Record<string, unknown>);
  };
  const start = async (): Promise<void> => {
    const current = createServer((socket) => {
      accepted++;
      sockets.push(socket);
      socket.on("error", () => undefined);
      if (!read) {
        socket.pause();
        return;
      }
      let rest = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop()!;
        for (const line of lines) onLine(line);
      });
      socket.on("end", () => {
        if (rest !== "") problems.push(`unterminated line at the end: ${rest.slice(0, 200)}`);
        socket.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      current.once("error", reject);
      current.listen(boundPort, "127.0.0.1", () => resolve());
    });
    const address = current.address();
    if (typeof address === "object" && address) boundPort = address.port;
    server = current;
  };
  await start();
  return {
    get port() {
      return boundPort;
    },
    events,
    problems,
    connections: () => accepted,
    start,
    async stop() {
      const current = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      sockets = [];
      if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
    },
  };
}
