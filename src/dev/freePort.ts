// A free TCP port on 127.0.0.1, as an agent hands out dynamic ports (port 0 in a Marathon portDefinition). The port
// is only free when asked: another process may take it before the task binds it, which is acceptable locally.
import { createServer } from "node:net";

function askKernel(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port was assigned"))));
    });
  });
}

/**
 * A free port not in `given`, which it is added to. The kernel may hand out a port it just released again, so that
 * two instances launched together would get the same port: an agent never gives one port to two tasks.
 */
export async function freePort(given?: Set<number>): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = await askKernel();
    if (!given?.has(port)) {
      given?.add(port);
      return port;
    }
    if (attempt >= 100) throw new Error(`no free port outside the ${given.size} already handed out`);
  }
}
