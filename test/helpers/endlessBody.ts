// An endless HTTP body for tests of bounded reads: the server writes until the client closes the connection.
import type { ServerResponse } from "node:http";

/** How much an endless body writes at the most, so that a client that never stops reading ends the test too. */
export const ENDLESS_BODY_CAP = 64 * 1024 * 1024;

export interface EndlessBody {
  /** Bytes handed to the socket before the connection closed (at most ENDLESS_BODY_CAP). */
  readonly written: number;
  /** The client closed the connection before the cap was reached. */
  readonly closedByClient: boolean;
}

/** Writes body bytes until the client closes the connection (or the cap); resolves when the response is closed. */
export function writeEndlessBody(res: ServerResponse): Promise<EndlessBody> {
  const chunk = Buffer.alloc(64 * 1024, "x");
  return new Promise((resolve) => {
    let written = 0;
    let closed = false;
    res.once("close", () => {
      closed = true;
      resolve({ written, closedByClient: written < ENDLESS_BODY_CAP });
    });
    res.on("error", () => undefined); // EPIPE/ECONNRESET once the client is gone
    const pump = (): void => {
      while (!closed && written < ENDLESS_BODY_CAP) {
        written += chunk.length;
        if (!res.write(chunk)) {
          res.once("drain", pump);
          return;
        }
      }
      if (!closed) res.end();
    };
    pump();
  });
}
