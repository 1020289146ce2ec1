// RELP frames (rsyslog's Reliable Event Logging Protocol): `TXNR SP COMMAND SP DATALEN [SP DATA] LF`, where TXNR is
// 1…999,999,999 (then 1 again), COMMAND is a short word (open, syslog, close, rsp, serverclose) and DATALEN the
// byte length of DATA. Written from the protocol's description; the parser takes a byte stream in any chunks.
import { ShipError } from "./shipError.js";

export const RELP_MAX_TXNR = 999_999_999;

export interface RelpFrame {
  readonly txnr: number;
  readonly command: string;
  readonly data: Buffer;
}

/** The next transaction number after `txnr`. */
export function nextTxnr(txnr: number): number {
  return txnr >= RELP_MAX_TXNR ? 1 : txnr + 1;
}

/** The header of a frame carrying `dataLength` bytes (the caller appends the data and a LF). */
export function relpHeader(txnr: number, command: string, dataLength: number): string {
  return dataLength === 0 ? `${txnr} ${command} 0` : `${txnr} ${command} ${dataLength} `;
}

export function encodeRelpFrame(txnr: number, command: string, data: Buffer | string = ""): Buffer {
  const body = typeof data === "string" ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from(relpHeader(txnr, command, body.length)), body, Buffer.from("\n")]);
}

/** Splits a byte stream into frames; throws SHIP_RELP_PROTOCOL on anything malformed (the connection is then dropped). */
export class RelpFrameParser {
  #buffer: Buffer = Buffer.alloc(0);
  readonly #maxData: number;

  constructor(maxData = 128 * 1024) {
    this.#maxData = maxData;
  }

  push(chunk: Buffer): RelpFrame[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const frames: RelpFrame[] = [];
    for (;;) {
      const header = this.#header();
      if (!header) break;
      const { txnr, command, length, dataStart } = header;
      const end = dataStart + length;
      if (this.#buffer.length < end + 1) break;
      if (this.#buffer[end] !== 0x0a) throw protocolError(`frame ${txnr} ${command}: no LF after ${length} bytes of data`);
      frames.push({ txnr, command, data: Buffer.from(this.#buffer.subarray(dataStart, end)) });
      this.#buffer = this.#buffer.subarray(end + 1);
    }
    return frames;
  }

  #header(): { txnr: number; command: string; length: number; dataStart: number } | undefined {
    // The header is short: txnr (≤ 9 digits), command (≤ 32 letters), datalen (≤ 9 digits), 3 separators.
    const head = this.#buffer.subarray(0, 64).toString("latin1");
    const match = /^(\d{1,9}) ([a-z]{1,32}) (\d{1,9})([^]?)/.exec(head);
    if (!match) {
      if (/^\d{0,9}( [a-z]{0,32}( \d{0,9})?)?$/.test(head) && head.length < 64) return undefined; // incomplete
      throw protocolError(`malformed frame header ${JSON.stringify(head.slice(0, 40))}`);
    }
    if (match[4] === "") return head.length < 64 ? undefined : protocolErrorThrow("frame header too long"); // datalen may go on
    if (match[4] !== " " && match[4] !== "\n") throw protocolError(`malformed frame header ${JSON.stringify(head.slice(0, 40))}`);
    const length = Number(match[3]);
    if (length > this.#maxData) throw protocolError(`frame of ${length} bytes is larger than ${this.#maxData}`);
    if (length === 0) {
      if (match[4] !== "\n") throw protocolError("a frame without data must end after its length");
      return { txnr: Number(match[1]), command: match[2]!, length: 0, dataStart: match[0].length - 1 };
    }
    if (match[4] !== " ") throw protocolError("a frame with data needs a space after its length");
    return { txnr: Number(match[1]), command: match[2]!, length, dataStart: match[0].length };
  }
}

function protocolErrorThrow(message: string): never {
  throw protocolError(message);
}

function protocolError(message: string): ShipError {
  return new ShipError("SHIP_RELP_PROTOCOL", `RELP: ${message}`);
}
