import { BerthError } from "../berthError.js";

/** Stable codes of the local agent's errors. */
export type AgentErrorCode =
  | "AGENT_WAIT_TIMEOUT"
  | "AGENT_ABORTED"
  | "AGENT_STOPPED"
  | "AGENT_INVALID_ARGUMENT"
  | "AGENT_INVALID_STATE"
  | "AGENT_LISTEN_FAILED";

export class AgentError extends BerthError {
  declare readonly code: AgentErrorCode;

  constructor(code: AgentErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
