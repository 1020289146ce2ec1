// The baseline's plain pipe into the sink: `generator | node forwarderMain.js <port>` copies its stdin to a TCP
// connection to 127.0.0.1:<port> and nothing else (no parsing, no framing: the bytes as written), then ends the
// connection and waits for the receiver to close its side (everything read) before it exits.
import { connect } from "node:net";
import { pipeline } from "node:stream/promises";

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error("usage: forwarderMain.js <port>");
const socket = connect({ host: "127.0.0.1", port });
socket.setNoDelay(true);
const closed = new Promise<void>((resolve, reject) => {
  socket.once("close", (hadError) => (hadError ? reject(new Error("connection failed")) : resolve()));
});
socket.on("data", () => undefined);
await pipeline(process.stdin, socket);
await closed;
