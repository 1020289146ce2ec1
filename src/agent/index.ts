// The local Mesos agent (executor side) for tests and `berth dev`.
export { LocalAgent } from "./localAgent.js";
export type { FrameworkCapability, FrameworkOptions, LaunchExecutorOptions, LocalAgentOptions, RestartOptions } from "./localAgent.js";
export type { ExecutorHandle, ExecutorState, FromOptions, KillOptions, TaskInput } from "./executorHandle.js";
export type { ExecutorCommand, OutputListener, OutputStream, ProcessExit } from "./executorProcess.js";
export type { AgentPhase } from "./agentContext.js";
export type { WaitOptions } from "./changeNotifier.js";
export type { AckState, CallRecord, EventLoss, EventRecord, UpdateDisposition, UpdateRecord } from "./records.js";
export { AgentError, type AgentErrorCode } from "./agentError.js";
export { EXECUTOR_API_PATHS } from "./executorRoute.js";
export { containerProcesses, readProcTable, type ProcEntry } from "./procTable.js";
