import { BerthError } from "../../berthError.js";

/**
 * Stable codes of the log shipping errors: configuration (`SINK_*` of SinkConfigError) and delivery (these).
 * A delivery error never reaches the task: the sink logs it, counts it and retries.
 */
export type ShipErrorCode =
  | "SHIP_RESOLVE_FAILED"
  | "SHIP_CONNECT_FAILED"
  | "SHIP_CONNECT_TIMEOUT"
  | "SHIP_TLS_VERIFY_FAILED"
  | "SHIP_TLS_FILE_UNREADABLE"
  | "SHIP_CONNECTION_LOST"
  | "SHIP_RELP_REFUSED"
  | "SHIP_RELP_PROTOCOL"
  | "SHIP_FILE_FAILED"
  | "SHIP_SPOOL_UNAVAILABLE";

/** The `code` of a Node error (ECONNREFUSED, ENOSPC…), if it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

export class ShipError extends BerthError {
  declare readonly code: ShipErrorCode;

  constructor(code: ShipErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
