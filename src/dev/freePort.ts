// A free TCP port on 127.0.0.1, as an agent hands out dynamic ports (port 0 in a Marathon portDefinition). The port
// is only free when asked: another process may take it before the task binds it, which is acceptable locally.
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port was assigned"))));
    });
  });
}
