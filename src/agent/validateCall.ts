// Port of common::validation::validateExecutorCall (src/common/validation.cpp). Returns the error text that the
// agent puts after "Failed to validate Executor::Call: ", or undefined when the call is valid. Presence of the
// required executor_id/framework_id is already enforced by the decoder, as protobuf's IsInitialized() does.
import type { Call, CheckStatusInfo } from "../mesos/types.js";

/**
 * stout UUID::fromBytes: exactly 16 bytes whose version nibble is 1..5 (boost::uuids::uuid::version()). Unlike
 * mesos/uuid.ts isValidUuidBytes it does not look at the variant bits, because the agent does not.
 */
export function isAgentAcceptedUuid(bytes: Uint8Array | undefined): boolean {
  if (!bytes || bytes.byteLength !== 16) return false;
  const version = (bytes[6] as number) >> 4;
  return version >= 1 && version <= 5;
}

/** common::validation::validateCheckStatusInfo. */
export function validateCheckStatusInfo(info: CheckStatusInfo): string | undefined {
  if (info.type === undefined) return "CheckStatusInfo must specify 'type'";
  switch (info.type) {
    case "COMMAND":
      return info.command === undefined ? "Expecting 'command' to be set for COMMAND check's status" : undefined;
    case "HTTP":
      return info.http === undefined ? "Expecting 'http' to be set for HTTP check's status" : undefined;
    case "TCP":
      return info.tcp === undefined ? "Expecting 'tcp' to be set for TCP check's status" : undefined;
    case "UNKNOWN":
      return "'UNKNOWN' is not a valid check's status type";
  }
}

export function validateCall(call: Call): string | undefined {
  if (call.type === undefined) return "Expecting 'type' to be present";
  const executorId = call.executor_id.value;
  const frameworkId = call.framework_id.value;
  switch (call.type) {
    case "SUBSCRIBE":
      return call.subscribe === undefined ? "Expecting 'subscribe' to be present" : undefined;
    case "UPDATE": {
      if (call.update === undefined) return "Expecting 'update' to be present";
      const status = call.update.status;
      if (status.uuid === undefined) return "Expecting 'uuid' to be present";
      if (!isAgentAcceptedUuid(status.uuid)) return "Not a valid UUID";
      if (status.executor_id !== undefined && status.executor_id.value !== executorId) {
        return `ExecutorID in Call: ${executorId} does not match ExecutorID in TaskStatus: ${status.executor_id.value}`;
      }
      // The proto2 default of `source` is SOURCE_MASTER, so an unset source is invalid too.
      if (status.source !== "SOURCE_EXECUTOR") {
        return `Received Call from executor ${executorId} of framework ${frameworkId} with invalid source, expecting 'SOURCE_EXECUTOR'`;
      }
      if (status.state === "TASK_STAGING") {
        return `Received TASK_STAGING from executor ${executorId} of framework ${frameworkId} which is not allowed`;
      }
      return status.check_status === undefined ? undefined : validateCheckStatusInfo(status.check_status);
    }
    case "MESSAGE":
      return call.message === undefined ? "Expecting 'message' to be present" : undefined;
    case "HEARTBEAT":
    case "UNKNOWN":
      return undefined;
  }
}
